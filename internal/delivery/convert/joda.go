package convert

import (
	"bytes"
	"fmt"
)

// jodaField is one piece of a compiled Joda-Time pattern: a field letter
// repeated count times, or literal text.
type jodaField struct {
	letter byte
	count  int
	lit    string
	fixed  bool // a numeric field followed by another: read exactly count digits
}

// The Joda letters supported; others (era, week-based fields, zone names)
// are refused when the delivery is configured, not per record.
const jodaLetters = "yYMdHkKhmsSaZE"

func compileJoda(p string) ([]jodaField, error) {
	var fs []jodaField
	for i := 0; i < len(p); {
		c := p[i]
		switch {
		case c == '\'':
			lit, n, err := jodaQuote(p[i:])
			if err != nil {
				return nil, err
			}
			fs = appendLit(fs, lit)
			i += n
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			if bytes.IndexByte([]byte(jodaLetters), c) < 0 {
				return nil, fmt.Errorf("pattern letter %q is not supported", c)
			}
			n := 1
			for i+n < len(p) && p[i+n] == c {
				n++
			}
			fs = append(fs, jodaField{letter: c, count: n})
			i += n
		default:
			fs = appendLit(fs, string(c))
			i++
		}
	}
	if len(fs) == 0 {
		return nil, fmt.Errorf("empty pattern")
	}
	for i := range fs[:len(fs)-1] {
		fs[i].fixed = jodaNumeric(fs[i]) && jodaNumeric(fs[i+1])
	}
	return fs, nil
}

func appendLit(fs []jodaField, s string) []jodaField {
	if n := len(fs); n > 0 && fs[n-1].letter == 0 {
		fs[n-1].lit += s
		return fs
	}
	return append(fs, jodaField{lit: s})
}

// jodaQuote reads 'text' (” is a quote) and returns the text and the
// pattern bytes it took.
func jodaQuote(p string) (string, int, error) {
	if len(p) > 1 && p[1] == '\'' {
		return "'", 2, nil
	}
	var b []byte
	for i := 1; i < len(p); i++ {
		if p[i] != '\'' {
			b = append(b, p[i])
			continue
		}
		if i+1 < len(p) && p[i+1] == '\'' {
			b = append(b, '\'')
			i++
			continue
		}
		return string(b), i + 1, nil
	}
	return "", 0, fmt.Errorf("unterminated quote")
}

func jodaNumeric(f jodaField) bool {
	switch f.letter {
	case 'y', 'Y', 'd', 'H', 'k', 'K', 'h', 'm', 's', 'S':
		return true
	case 'M':
		return f.count <= 2
	}
	return false
}

var (
	monthNames = []string{"january", "february", "march", "april", "may", "june", "july",
		"august", "september", "october", "november", "december"}
	dayNames = []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
)

// jodaTime is what a pattern has read so far.
type jodaTime struct {
	y, mo, d, h, mi, s int
	ns, offset         int64
	pm                 int // -1 none, 0 AM, 1 PM
	h12                bool
}

// parseJoda reads b whole with a compiled pattern, as Joda's
// DateTimeFormatter.parseDateTime does (two-digit years pivot on 2000).
func parseJoda(fs []jodaField, b []byte) (int64, bool) {
	t := jodaTime{y: 1970, mo: 1, d: 1, pm: -1}
	for _, f := range fs {
		n, ok := t.field(f, b)
		if !ok {
			return 0, false
		}
		b = b[n:]
	}
	if len(b) > 0 {
		return 0, false
	}
	if t.h12 {
		if t.pm == 1 {
			t.h += 12
		}
	}
	if !validDate(t.y, t.mo, t.d) || t.h > 23 || t.mi > 59 || t.s > 59 {
		return 0, false
	}
	us := int64(daysFromCivil(t.y, t.mo, t.d))*usPerDay + int64(t.h*3600+t.mi*60+t.s)*usPerSecond + t.ns/1000
	return us - t.offset, true
}

// field reads one pattern field at the start of b and returns its length.
func (t *jodaTime) field(f jodaField, b []byte) (int, bool) {
	if f.letter == 0 {
		if !bytes.HasPrefix(b, []byte(f.lit)) {
			return 0, false
		}
		return len(f.lit), true
	}
	if jodaNumeric(f) {
		return t.numeric(f, b)
	}
	switch f.letter {
	case 'M':
		i, n := nameIndex(b, monthNames)
		t.mo = i + 1
		return n, n > 0
	case 'E':
		_, n := nameIndex(b, dayNames)
		return n, n > 0
	case 'a':
		if len(b) >= 2 && (b[1] == 'M' || b[1] == 'm') {
			switch b[0] {
			case 'A', 'a':
				t.pm = 0
				return 2, true
			case 'P', 'p':
				t.pm = 1
				return 2, true
			}
		}
		return 0, false
	case 'Z':
		return t.zone(b)
	}
	return 0, false
}

func (t *jodaTime) numeric(f jodaField, b []byte) (int, bool) {
	min, max := 1, 2
	switch {
	case f.fixed:
		min, max = f.count, f.count
	case f.letter == 'y' || f.letter == 'Y':
		max = 9
	case f.letter == 'S':
		max = 9
	}
	v, n := num(b, min, max)
	if n == 0 {
		return 0, false
	}
	switch f.letter {
	case 'y', 'Y':
		t.y = v
		if f.count == 2 && n == 2 {
			t.y = 2000 + v
			if v >= 50 {
				t.y -= 100
			}
		}
	case 'M':
		t.mo = v
	case 'd':
		t.d = v
	case 'H':
		t.h = v
	case 'k':
		t.h = v % 24
	case 'K':
		t.h, t.h12 = v, true
	case 'h':
		t.h, t.h12 = v%12, true
	case 'm':
		t.mi = v
	case 's':
		t.s = v
	case 'S':
		t.ns, _ = fraction(b[:n])
	}
	return n, true
}

// zone reads Z, ±HHmm or ±HH:mm.
func (t *jodaTime) zone(b []byte) (int, bool) {
	if len(b) > 0 && b[0] == 'Z' {
		return 1, true
	}
	for _, n := range []int{6, 5} {
		if len(b) >= n {
			if off, ok := parseZone(b[:n]); ok {
				t.offset = off
				return n, true
			}
		}
	}
	return 0, false
}

// nameIndex matches a full or three-letter English name, ignoring case.
func nameIndex(b []byte, names []string) (int, int) {
	for i, name := range names {
		if len(b) >= len(name) && bytes.EqualFold(b[:len(name)], []byte(name)) {
			return i, len(name)
		}
	}
	for i, name := range names {
		if len(b) >= 3 && bytes.EqualFold(b[:3], []byte(name[:3])) {
			return i, 3
		}
	}
	return 0, 0
}
