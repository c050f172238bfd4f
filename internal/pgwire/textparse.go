package pgwire

import (
	"encoding/hex"
	"math"
	"strconv"
	"strings"

	"github.com/tarnlake/tarn/internal/query"
)

// Parsers for the text forms of parameters that need more than strconv.

func parseUUID(s string) ([16]byte, error) {
	var u [16]byte
	h := strings.NewReplacer("-", "", "{", "", "}", "").Replace(s)
	if len(h) != 32 {
		return u, strconv.ErrSyntax
	}
	_, err := hex.Decode(u[:], []byte(h))
	return u, err
}

// parseDecimal reads [sign]digits[.digits][e[sign]digits] exactly.
func parseDecimal(s string) (any, error) {
	switch strings.ToLower(s) {
	case "nan":
		return math.NaN(), nil
	case "infinity", "+infinity", "inf":
		return math.Inf(1), nil
	case "-infinity", "-inf":
		return math.Inf(-1), nil
	}
	sign := ""
	if s != "" && (s[0] == '-' || s[0] == '+') {
		if s[0] == '-' {
			sign = "-"
		}
		s = s[1:]
	}
	mant, exps, hasExp := strings.Cut(strings.ToLower(s), "e")
	exp := 0
	if hasExp {
		var err error
		if exp, err = strconv.Atoi(exps); err != nil || exp > 1000 || exp < -1000 {
			return nil, strconv.ErrSyntax
		}
	}
	ip, fp, _ := strings.Cut(mant, ".")
	digits := ip + fp
	if digits == "" || strings.Trim(digits, "0123456789") != "" {
		return nil, strconv.ErrSyntax
	}
	scale := len(fp) - exp
	if scale < 0 {
		digits += strings.Repeat("0", -scale)
		scale = 0
	}
	digits = strings.TrimLeft(digits, "0")
	if digits == "" {
		return query.Decimal{Value: "0", Scale: scale}, nil
	}
	return query.Decimal{Value: sign + digits, Scale: scale}, nil
}

func parseBytea(s string) ([]byte, error) {
	if strings.HasPrefix(s, `\x`) {
		return hex.DecodeString(s[2:])
	}
	var out []byte // the escape format: \\ and \ooo
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] != '\\':
			out = append(out, s[i])
		case i+1 < len(s) && s[i+1] == '\\':
			out, i = append(out, '\\'), i+1
		case i+3 < len(s):
			n, err := strconv.ParseUint(s[i+1:i+4], 8, 8)
			if err != nil {
				return nil, err
			}
			out, i = append(out, byte(n)), i+3
		default:
			return nil, strconv.ErrSyntax
		}
	}
	return out, nil
}

// parseInterval reads the postgres style ("1 year 2 mons 3 days
// 04:05:06.5", optionally "@ … ago").
func parseInterval(s string) (any, error) {
	var iv query.Interval
	f := strings.Fields(strings.TrimPrefix(s, "@"))
	if len(f) == 0 {
		return nil, strconv.ErrSyntax
	}
	ago := false
	for i := 0; i < len(f); i++ {
		tok := f[i]
		if tok == "ago" {
			ago = true
			continue
		}
		if strings.Contains(tok, ":") {
			us, err := parseClock(tok)
			if err != nil {
				return nil, err
			}
			iv.Micros += us
			continue
		}
		n, err := strconv.ParseFloat(tok, 64)
		if err != nil || i+1 >= len(f) || math.IsInf(n, 0) || math.IsNaN(n) || math.Abs(n) > 1e9 {
			return nil, strconv.ErrSyntax
		}
		i++
		unit, ok := intervalUnits[strings.ToLower(f[i])]
		if !ok || n != math.Trunc(n) && (unit == 'M' || unit == 'd') {
			return nil, strconv.ErrSyntax
		}
		switch unit {
		case 'y':
			iv.Months += int32(n * 12)
		case 'M':
			iv.Months += int32(n)
		case 'w':
			iv.Days += int32(n * 7)
		case 'd':
			iv.Days += int32(n)
		default:
			iv.Micros += int64(n * map[byte]float64{'h': 3600e6, 'm': 60e6, 's': 1e6, 'l': 1e3, 'u': 1}[unit])
		}
	}
	if ago {
		iv.Months, iv.Days, iv.Micros = -iv.Months, -iv.Days, -iv.Micros
	}
	return iv, nil
}

var intervalUnits = func() map[string]byte {
	m := map[string]byte{}
	for k, names := range map[byte]string{
		'y': "year years y yr yrs", 'M': "mon mons month months", 'w': "week weeks w",
		'd': "day days d", 'h': "hour hours h hr hrs", 'm': "minute minutes min mins m",
		's': "second seconds sec secs s", 'l': "millisecond milliseconds ms msec msecs",
		'u': "microsecond microseconds us usec usecs",
	} {
		for _, n := range strings.Fields(names) {
			m[n] = k
		}
	}
	return m
}()

// parseClock reads [-]hh:mm[:ss[.frac]] as microseconds.
func parseClock(s string) (int64, error) {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimLeft(s, "+-")
	parts := strings.Split(s, ":")
	if len(parts) > 3 {
		return 0, strconv.ErrSyntax
	}
	var us int64
	for i, p := range parts {
		unit := []float64{3600e6, 60e6, 1e6}[i]
		v, err := strconv.ParseFloat(p, 64)
		if err != nil || v < 0 || v > 1e9 || (i < len(parts)-1 && v != math.Trunc(v)) {
			return 0, strconv.ErrSyntax
		}
		us += int64(math.Round(v * unit))
	}
	if neg {
		us = -us
	}
	return us, nil
}

// parseArray reads an array literal such as {1,2,NULL} or {{"a b",c}}.
func parseArray(s string, elem uint32) (any, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "[") { // dimension decoration: [1:2]={…}
		if _, rest, ok := strings.Cut(s, "="); ok {
			s = strings.TrimSpace(rest)
		}
	}
	p := &arrayParser{s: s, elem: elem}
	v, err := p.list(0)
	if err != nil {
		return nil, err
	}
	if p.space(); p.i != len(s) {
		return nil, strconv.ErrSyntax
	}
	return v, nil
}

type arrayParser struct {
	s    string
	i    int
	elem uint32
}

func (p *arrayParser) space() {
	for p.i < len(p.s) && strings.IndexByte(" \t\n\r\f\v", p.s[p.i]) >= 0 {
		p.i++
	}
}

func (p *arrayParser) list(depth int) ([]any, error) {
	if p.space(); depth > 6 || p.i >= len(p.s) || p.s[p.i] != '{' {
		return nil, strconv.ErrSyntax
	}
	p.i++
	out := []any{}
	if p.space(); p.i < len(p.s) && p.s[p.i] == '}' {
		p.i++
		return out, nil
	}
	for {
		p.space()
		if p.i >= len(p.s) {
			return nil, strconv.ErrSyntax
		}
		if p.s[p.i] == '{' {
			sub, err := p.list(depth + 1)
			if err != nil {
				return nil, err
			}
			out = append(out, sub)
		} else {
			v, err := p.element()
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		if p.space(); p.i >= len(p.s) {
			return nil, strconv.ErrSyntax
		}
		p.i++
		switch p.s[p.i-1] {
		case '}':
			return out, nil
		case ',':
		default:
			return nil, strconv.ErrSyntax
		}
	}
}

func (p *arrayParser) element() (any, error) {
	var b strings.Builder
	quoted := p.s[p.i] == '"'
	if quoted {
		p.i++
	}
	for ; p.i < len(p.s); p.i++ {
		c := p.s[p.i]
		switch {
		case c == '\\' && p.i+1 < len(p.s):
			p.i++
			b.WriteByte(p.s[p.i])
		case quoted && c == '"':
			p.i++
			return decodeText(p.elem, b.String())
		case !quoted && (c == ',' || c == '}'):
			v := strings.TrimSpace(b.String())
			if strings.EqualFold(v, "NULL") {
				return nil, nil
			}
			return decodeText(p.elem, v)
		default:
			b.WriteByte(c)
		}
	}
	return nil, strconv.ErrSyntax
}
