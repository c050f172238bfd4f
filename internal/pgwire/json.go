package pgwire

import (
	"fmt"
	"math"
	"math/big"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/tarnlake/tarn/internal/query"
)

// appendJSON prints structs, maps and their contents JSON-like, struct
// fields in declaration order.
func appendJSON(b []byte, t *colType, v any) []byte {
	if t == nil {
		t = textType
	}
	switch v := v.(type) {
	case nil:
		return append(b, "null"...)
	case bool:
		return strconv.AppendBool(b, v)
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, *big.Int, query.Decimal:
		return appendText(b, t, v)
	case float32, float64:
		s := appendText(nil, t, v)
		if f, _ := strconv.ParseFloat(string(s), 64); math.IsNaN(f) || math.IsInf(f, 0) {
			return appendJSONString(b, s)
		}
		return append(b, s...)
	case []any:
		b = append(b, '[')
		for i, e := range v {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = appendJSON(b, t.elem, e)
		}
		return append(b, ']')
	case map[string]any:
		keys := make([]string, 0, len(v))
		types := map[string]*colType{}
		for _, f := range t.fields {
			if _, ok := v[f.name]; ok {
				keys, types[f.name] = append(keys, f.name), f.typ
			}
		}
		var rest []string
		for k := range v {
			if _, ok := types[k]; !ok {
				rest = append(rest, k)
			}
		}
		slices.Sort(rest)
		b = append(b, '{')
		for i, k := range append(keys, rest...) {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = append(appendJSONString(b, []byte(k)), ": "...)
			b = appendJSON(b, types[k], v[k])
		}
		return append(b, '}')
	case query.Map:
		b = append(b, '{')
		for i, k := range v.Keys {
			if i > 0 {
				b = append(b, ", "...)
			}
			key := []byte("null")
			if k != nil {
				key = appendText(nil, orText(t.key), k)
			}
			b = append(appendJSONString(b, key), ": "...)
			var val any
			if i < len(v.Values) {
				val = v.Values[i]
			}
			b = appendJSON(b, t.val, val)
		}
		return append(b, '}')
	}
	return appendJSONString(b, appendText(nil, t, v))
}

func orText(t *colType) *colType {
	if t == nil {
		return textType
	}
	return t
}

func appendJSONString(b, s []byte) []byte {
	b = append(b, '"')
	for len(s) > 0 {
		r, n := utf8.DecodeRune(s)
		switch {
		case r == '"' || r == '\\':
			b = append(b, '\\', byte(r))
		case r == '\n':
			b = append(b, `\n`...)
		case r == '\t':
			b = append(b, `\t`...)
		case r == '\r':
			b = append(b, `\r`...)
		case r < 0x20 || r == utf8.RuneError && n == 1:
			b = fmt.Appendf(b, `\u%04x`, r)
		default:
			b = append(b, s[:n]...)
		}
		s = s[n:]
	}
	return append(b, '"')
}
