package pgwire

import (
	"encoding/hex"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/tarnlake/tarn/internal/query"
	"github.com/tarnlake/tarn/internal/query/sqltext"
)

// appendText appends the PostgreSQL text form of a non-nil value of a
// column of type t. It never fails: unexpected Go types print with fmt.
func appendText(b []byte, t *colType, v any) []byte {
	switch v := v.(type) {
	case bool:
		if v {
			return append(b, 't')
		}
		return append(b, 'f')
	case int:
		return strconv.AppendInt(b, int64(v), 10)
	case int8:
		return strconv.AppendInt(b, int64(v), 10)
	case int16:
		return strconv.AppendInt(b, int64(v), 10)
	case int32:
		return strconv.AppendInt(b, int64(v), 10)
	case int64:
		return strconv.AppendInt(b, v, 10)
	case uint:
		return strconv.AppendUint(b, uint64(v), 10)
	case uint8:
		return strconv.AppendUint(b, uint64(v), 10)
	case uint16:
		return strconv.AppendUint(b, uint64(v), 10)
	case uint32:
		return strconv.AppendUint(b, uint64(v), 10)
	case uint64:
		return strconv.AppendUint(b, v, 10)
	case *big.Int:
		return v.Append(b, 10)
	case float32:
		return appendFloat(b, t, float64(v), 32)
	case float64:
		return appendFloat(b, t, v, 64)
	case string:
		return append(b, v...)
	case []byte:
		if t.oid != oidBytea {
			return append(b, v...)
		}
		b = append(b, `\x`...)
		return hex.AppendEncode(b, v)
	case time.Time:
		return appendTime(b, t.oid, v)
	case query.Decimal:
		return appendDecimal(b, v)
	case query.Interval:
		return query.AppendInterval(b, v)
	case [16]byte:
		return query.AppendUUID(b, v)
	case []any:
		return appendArray(b, t.elem, v)
	case map[string]any, query.Map:
		return appendJSON(b, t, v)
	}
	return fmt.Append(b, v)
}

// appendFloat prints as PostgreSQL 12+ does: shortest exact digits.
func appendFloat(b []byte, t *colType, f float64, bits int) []byte {
	if t.oid == oidNumeric && !math.IsNaN(f) && !math.IsInf(f, 0) {
		return strconv.AppendFloat(b, f, 'f', -1, bits)
	}
	return sqltext.AppendFloat(b, f, bits)
}

// appendTime prints a date, time or timestamp in the ISO DateStyle with
// the session TimeZone UTC.
func appendTime(b []byte, oid uint32, t time.Time) []byte {
	if oid == oidTimestampTZ {
		t = t.UTC()
	}
	y, mo, d := t.Date()
	bc := y <= 0
	if bc {
		y = 1 - y // there is no year 0: 1 BC is year 0
	}
	switch oid {
	case oidTime, oidTimeTZ:
		b = appendClock(b, t)
		if oid == oidTimeTZ {
			b = appendZone(b, t)
		}
		return b
	case oidDate:
		b = fmt.Appendf(b, "%04d-%02d-%02d", y, mo, d)
	default:
		b = fmt.Appendf(b, "%04d-%02d-%02d ", y, mo, d)
		b = appendClock(b, t)
		if oid != oidTimestamp {
			b = appendZone(b, t)
		}
	}
	if bc {
		b = append(b, " BC"...)
	}
	return b
}

func appendClock(b []byte, t time.Time) []byte {
	h, m, s := t.Clock()
	b = fmt.Appendf(b, "%02d:%02d:%02d", h, m, s)
	if us := t.Nanosecond() / 1000; us > 0 {
		frac := strings.TrimRight(fmt.Sprintf("%06d", us), "0")
		b = append(append(b, '.'), frac...)
	}
	return b
}

func appendZone(b []byte, t time.Time) []byte {
	_, off := t.Zone()
	sign := byte('+')
	if off < 0 {
		sign, off = '-', -off
	}
	b = fmt.Appendf(b, "%c%02d", sign, off/3600)
	if off%3600 != 0 {
		b = fmt.Appendf(b, ":%02d", off%3600/60)
	}
	return b
}

func appendDecimal(b []byte, d query.Decimal) []byte { return append(b, d.String()...) }

// appendArray prints a list as an array literal: {1,2,NULL,"a b"}.
func appendArray(b []byte, elem *colType, list []any) []byte {
	if elem == nil {
		elem = textType
	}
	b = append(b, '{')
	for i, v := range list {
		if i > 0 {
			b = append(b, ',')
		}
		switch v := v.(type) {
		case nil:
			b = append(b, "NULL"...)
		case []any:
			b = appendArray(b, elem.elem, v)
		default:
			b = appendArrayElem(b, appendText(nil, elem, v))
		}
	}
	return append(b, '}')
}

func appendArrayElem(b, s []byte) []byte {
	needQuote := len(s) == 0 || strings.EqualFold(string(s), "NULL")
	for _, c := range s {
		if strings.IndexByte("{}\",\\ \t\n\r\v\f", c) >= 0 {
			needQuote = true
		}
	}
	if !needQuote {
		return append(b, s...)
	}
	b = append(b, '"')
	for _, c := range s {
		if c == '"' || c == '\\' {
			b = append(b, '\\')
		}
		b = append(b, c)
	}
	return append(b, '"')
}
