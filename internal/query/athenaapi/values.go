package athenaapi

import (
	"encoding/hex"
	"fmt"
	"maps"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tarnlake/tarn/internal/query"
	"github.com/tarnlake/tarn/internal/query/sqltext"
)

// appendValue prints a value as Athena prints it in results (Trino's text
// forms): timestamps to the millisecond, doubles as Java does, binary as
// spaced hex, arrays [a, b], rows and maps {k=v}, and NULL inside them as
// null. t, which may be nil, tells dates from timestamps and gives rows
// their field order.
func appendValue(b []byte, v any, t *query.Type) []byte {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...)
	case bool:
		return strconv.AppendBool(b, v)
	case int8, int16, int32, int64, int, uint8, uint16, uint32, uint64, uint:
		return fmt.Append(b, v)
	case *big.Int:
		return v.Append(b, 10)
	case float32:
		return appendFloat(b, float64(v), 32)
	case float64:
		return appendFloat(b, v, 64)
	case string:
		return append(b, v...)
	case []byte:
		for i, c := range v {
			if i > 0 {
				b = append(b, ' ')
			}
			b = hex.AppendEncode(b, []byte{c})
		}
		return b
	case time.Time:
		return appendTime(b, v, t)
	case query.Decimal:
		return append(b, v.String()...)
	case query.Interval:
		return appendInterval(b, v)
	case [16]byte:
		return query.AppendUUID(b, v)
	case []any:
		b = append(b, '[')
		for i, e := range v {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = appendValue(b, e, elem(t))
		}
		return append(b, ']')
	case map[string]any:
		return appendStruct(b, v, t)
	case query.Map:
		b = append(b, '{')
		for i := range v.Keys {
			if i > 0 {
				b = append(b, ", "...)
			}
			var kt, vt *query.Type
			if t != nil {
				kt, vt = t.Key, t.Value
			}
			b = appendValue(b, v.Keys[i], kt)
			b = append(b, '=')
			if i < len(v.Values) {
				b = appendValue(b, v.Values[i], vt)
			}
		}
		return append(b, '}')
	}
	return fmt.Append(b, v)
}

func elem(t *query.Type) *query.Type {
	if t == nil {
		return nil
	}
	return t.Elem
}

// appendStruct prints a row {a=1, b=x} in the type's field order; a
// value without a known type has its fields sorted, as Go maps have none.
func appendStruct(b []byte, v map[string]any, t *query.Type) []byte {
	var fields []query.Field
	if t != nil {
		fields = t.Fields
	}
	if len(fields) != len(v) {
		fields = nil
		for _, k := range slices.Sorted(maps.Keys(v)) {
			fields = append(fields, query.Field{Name: k})
		}
	}
	b = append(b, '{')
	for i, f := range fields {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, f.Name...)
		b = append(b, '=')
		b = appendValue(b, v[f.Name], &f.Type)
	}
	return append(b, '}')
}

// appendFloat prints a float as Java's Double.toString: a decimal point
// always, and E notation outside [1e-3, 1e7).
func appendFloat(b []byte, f float64, bits int) []byte {
	if b, ok := sqltext.AppendNonFinite(b, f); ok {
		return b
	}
	if a := math.Abs(f); a == 0 || a >= 1e-3 && a < 1e7 {
		s := strconv.FormatFloat(f, 'f', -1, bits)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return append(b, s...)
	}
	s := strconv.FormatFloat(f, 'e', -1, bits) // 1.5e+10
	mant, exp, _ := strings.Cut(s, "e")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	n, _ := strconv.Atoi(exp)
	return strconv.AppendInt(append(append(b, mant...), 'E'), int64(n), 10)
}

func appendTime(b []byte, v time.Time, t *query.Type) []byte {
	name := "timestamp"
	if t != nil {
		name, _, _ = athenaType(*t)
	}
	switch name {
	case "date":
		return v.AppendFormat(b, "2006-01-02")
	case "time":
		return v.AppendFormat(b, "15:04:05.000")
	case "time with time zone":
		return v.AppendFormat(b, "15:04:05.000-07:00")
	case "timestamp with time zone":
		return v.UTC().AppendFormat(b, "2006-01-02 15:04:05.000 UTC")
	}
	return v.AppendFormat(b, "2006-01-02 15:04:05.000")
}

// appendInterval prints months as years-months and the rest as Trino's
// day to second: "1-2 3 04:05:06.000".
func appendInterval(b []byte, v query.Interval) []byte {
	if v.Months != 0 {
		b = fmt.Appendf(b, "%d-%d ", v.Months/12, abs(v.Months%12))
	}
	us, sign := v.Micros, ""
	if us < 0 {
		us, sign = -us, "-"
	}
	return fmt.Appendf(b, "%d %s%02d:%02d:%02d.%03d", v.Days, sign,
		us/3600e6, us/60e6%60, us/1e6%60, us/1e3%1e3)
}

func abs(n int32) int32 {
	if n < 0 {
		return -n
	}
	return n
}
