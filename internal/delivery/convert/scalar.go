package convert

import (
	"bytes"
	"encoding/base64"
	"math"
	"strconv"

	"github.com/parquet-go/parquet-go"
	"github.com/tarnlake/tarn/internal/format"
)

// Token kinds of a scalar, by the byte that starts them.
const (
	tokString = '"'
	tokNumber = '0'
	tokTrue   = 't'
	tokFalse  = 'f'
)

// scalar reads one non-null JSON value into the leaf n.
func (w *Writer) scalar(n *node, rep int) error {
	d := &w.d
	var (
		text []byte
		err  error
		tok  = d.b[d.i]
	)
	switch {
	case tok == '"':
		text, err = d.str()
	case tok == '-' || tok >= '0' && tok <= '9':
		tok = tokNumber
		text, err = d.number()
	case tok == 't':
		text, err = []byte("true"), d.literal("true")
	case tok == 'f':
		text, err = []byte("false"), d.literal("false")
	case tok == '{' || tok == '[':
		start := d.i
		err = d.skip()
		text = d.b[start:d.i]
	default:
		return d.syntax("a value")
	}
	if err != nil {
		return err
	}
	return w.convert(n, rep, tok, text, w.serde.OpenX)
}

// mapKey converts a JSON object key to the map's key type; keys are
// always strings in JSON, so numbers are read from them with either SerDe.
func (w *Writer) mapKey(n *node, rep int, key []byte) error {
	return w.convert(n, rep, tokString, key, true)
}

// convert writes a scalar token to leaf n. quoted says whether numbers
// may come as strings: the OpenX SerDe reads them, the Hive SerDe fails.
func (w *Writer) convert(n *node, rep int, tok byte, text []byte, quoted bool) error {
	number := tok == tokNumber || quoted && tok == tokString
	switch n.typ.Kind {
	case format.KindString:
		start := len(w.arena)
		switch tok {
		case '{', '[':
			if !w.serde.OpenX {
				return w.mismatch(n, tok, text)
			}
			w.arena = appendCompact(w.arena, text)
		default:
			w.arena = append(w.arena, text...)
		}
		w.put(n, rep, parquet.ByteArrayValue(w.arena[start:len(w.arena):len(w.arena)]))
		return nil
	case format.KindBoolean:
		switch {
		case tok == tokTrue || tok == tokString && bytes.EqualFold(text, []byte("true")):
			w.put(n, rep, parquet.BooleanValue(true))
			return nil
		case tok == tokFalse || tok == tokString && bytes.EqualFold(text, []byte("false")):
			w.put(n, rep, parquet.BooleanValue(false))
			return nil
		}
	case format.KindTinyint, format.KindSmallint, format.KindInt:
		if v, ok := parseInt(text, intBits(n.typ.Kind)); number && ok {
			w.put(n, rep, parquet.Int32Value(int32(v)))
			return nil
		}
	case format.KindBigint:
		if v, ok := parseInt(text, 64); number && ok {
			w.put(n, rep, parquet.Int64Value(v))
			return nil
		}
	case format.KindDouble:
		if v, ok := parseFloat(text, 64, tok == tokString); number && ok {
			w.put(n, rep, parquet.DoubleValue(v))
			return nil
		}
	case format.KindFloat:
		if v, ok := parseFloat(text, 32, tok == tokString); number && ok {
			w.put(n, rep, parquet.FloatValue(float32(v)))
			return nil
		}
	case format.KindDecimal:
		if number {
			return w.decimal(n, rep, tok, text)
		}
	case format.KindDate:
		if days, ok := w.date(tok, text); ok {
			w.put(n, rep, parquet.Int32Value(days))
			return nil
		}
	case format.KindTimestamp:
		if tok == tokString || tok == tokNumber {
			if us, ok := w.timestamp.parse(text, tok == tokNumber); ok {
				w.put(n, rep, parquet.Int64Value(us))
				return nil
			}
		}
	case format.KindBinary:
		if tok == tokString {
			start := len(w.arena)
			var err error
			if w.arena, err = base64.StdEncoding.AppendDecode(w.arena, text); err == nil {
				w.put(n, rep, parquet.ByteArrayValue(w.arena[start:len(w.arena):len(w.arena)]))
				return nil
			}
			w.arena = w.arena[:start]
		}
	}
	return w.mismatch(n, tok, text)
}

func (w *Writer) mismatch(n *node, tok byte, text []byte) error {
	const max = 64
	shown := string(text)
	if len(shown) > max {
		shown = shown[:max] + "..."
	}
	if tok == tokString {
		return malformedf("column %s: string %q is not a valid %s", n.name, shown, n.typ)
	}
	return malformedf("column %s: %s is not a valid %s", n.name, shown, n.typ)
}

func intBits(k format.Kind) int {
	switch k {
	case format.KindTinyint:
		return 8
	case format.KindSmallint:
		return 16
	}
	return 32
}

// parseInt reads a base-10 integer that fits in bits; fractions and
// exponents are refused, as the SerDes' Long.parseLong does.
func parseInt(b []byte, bits int) (int64, bool) {
	i, neg := 0, false
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		neg, i = b[0] == '-', 1
	}
	if i == len(b) {
		return 0, false
	}
	limit := uint64(1) << (bits - 1) // |min|; max is limit-1
	var v uint64
	for ; i < len(b); i++ {
		c := b[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
		if v > limit {
			return 0, false
		}
	}
	if neg {
		return -int64(v), true
	}
	if v == limit {
		return 0, false
	}
	return int64(v), true
}

// parseFloat reads a double as Java's Double.parseDouble would; strings
// may also be NaN or [+-]Infinity. Overflow is refused, not made infinite.
func parseFloat(b []byte, bits int, str bool) (float64, bool) {
	if str {
		switch string(b) {
		case "NaN":
			return math.NaN(), true
		case "Infinity", "+Infinity":
			return math.Inf(1), true
		case "-Infinity":
			return math.Inf(-1), true
		}
		if !floatText(b) {
			return 0, false
		}
	}
	v, err := strconv.ParseFloat(string(b), bits)
	return v, err == nil
}

// floatText admits the decimal forms of a JSON number with an optional
// '+', keeping out what strconv reads but Java does not (Inf, 0x, _).
func floatText(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9', c == '.', c == 'e', c == 'E', c == '-', c == '+':
		default:
			return false
		}
	}
	return true
}

// date reads a date column: "yyyy-[M]M-[d]d" for both SerDes (OpenX also
// ignores a time after it), and days since 1970-01-01 for OpenX.
func (w *Writer) date(tok byte, text []byte) (int32, bool) {
	switch {
	case tok == tokString:
		y, m, d, rest, ok := parseDate(text)
		if !ok || len(rest) > 0 && (!w.serde.OpenX || rest[0] != ' ' && rest[0] != 'T') {
			return 0, false
		}
		return int32(daysFromCivil(y, m, d)), true
	case tok == tokNumber && w.serde.OpenX:
		v, ok := parseInt(text, 32)
		return int32(v), ok
	}
	return 0, false
}

// appendCompact appends valid JSON text without the blanks between tokens,
// the canonical form the OpenX SerDe gives a string column.
func appendCompact(dst, src []byte) []byte {
	in, esc := false, false
	for _, c := range src {
		switch {
		case esc:
			esc = false
		case in && c == '\\':
			esc = true
		case c == '"':
			in = !in
		case !in && (c == ' ' || c == '\t' || c == '\n' || c == '\r'):
			continue
		}
		dst = append(dst, c)
	}
	return dst
}
