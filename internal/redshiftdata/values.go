package redshiftdata

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"maps"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tarnlake/tarn/internal/query"
	"github.com/tarnlake/tarn/internal/query/sqltext"
)

// column is the Data API's ColumnMetadata, stored as it is answered.
type column struct {
	ColumnDefault   *string `json:"columnDefault,omitempty"`
	IsCaseSensitive bool    `json:"isCaseSensitive"`
	IsCurrency      bool    `json:"isCurrency"`
	IsSigned        bool    `json:"isSigned"`
	Label           string  `json:"label"`
	Length          int     `json:"length"`
	Name            string  `json:"name"`
	Nullable        int     `json:"nullable"`
	Precision       int     `json:"precision"`
	Scale           int     `json:"scale"`
	SchemaName      string  `json:"schemaName"`
	TableName       string  `json:"tableName"`
	TypeName        string  `json:"typeName"`
}

// JDBC's nullability codes, which the Data API answers.
const (
	noNulls         = 0
	nullable        = 1
	nullableUnknown = 2
)

// redshiftType names an engine type as Redshift does, with the precision
// drivers size columns by. Types Redshift lacks travel as what their
// values become: nested ones as SUPER (JSON text), the rest as VARCHAR.
func redshiftType(t query.Type) (name string, precision, scale int, signed, text bool) {
	switch t.Kind {
	case query.KindBoolean:
		return "bool", 1, 0, false, false
	case query.KindTinyInt, query.KindUTinyInt, query.KindSmallInt:
		return "int2", 5, 0, true, false
	case query.KindUSmallInt, query.KindInteger:
		return "int4", 10, 0, true, false
	case query.KindUInteger, query.KindBigInt:
		return "int8", 19, 0, true, false
	case query.KindUBigInt, query.KindHugeInt, query.KindUHugeInt, query.KindBignum:
		return "numeric", 38, 0, true, false
	case query.KindDecimal:
		return "numeric", t.Precision, t.Scale, true, false
	case query.KindFloat:
		return "float4", 8, 0, true, false
	case query.KindDouble:
		return "float8", 17, 0, true, false
	case query.KindBlob:
		return "varbyte", 65535, 0, false, false
	case query.KindDate:
		return "date", 13, 0, false, false
	case query.KindTime:
		return "time", 15, 6, false, false
	case query.KindTimeTZ:
		return "timetz", 21, 6, false, false
	case query.KindTimestamp, query.KindTimestampS, query.KindTimestampMS, query.KindTimestampNS:
		return "timestamp", 29, 6, false, false
	case query.KindTimestampTZ:
		return "timestamptz", 35, 6, false, false
	case query.KindInterval:
		return "interval", 49, 6, false, false
	case query.KindJSON, query.KindList, query.KindArray, query.KindStruct, query.KindMap:
		return "super", 4194304, 0, false, true
	case query.KindGeometry:
		return "geometry", 1048447, 0, false, false
	}
	return "varchar", 65535, 0, false, true
}

// resultColumn describes a result column; what a query's result does not
// say (its table, nullability) is left as the Data API leaves it.
func resultColumn(c query.Column) column {
	name, prec, scale, signed, text := redshiftType(c.Type)
	return column{Name: c.Name, Label: c.Name, TypeName: name, Precision: prec, Scale: scale,
		IsSigned: signed, IsCaseSensitive: text, Nullable: nullable}
}

// appendField appends a value as the Data API's Field union: integers as
// longValue, floats as doubleValue, booleans, NULL as isNull, binary as
// blobValue and everything else as Redshift prints it, in stringValue.
func appendField(b []byte, v any, t *query.Type) []byte {
	switch v := v.(type) {
	case nil:
		return append(b, `{"isNull":true}`...)
	case bool:
		return append(strconv.AppendBool(append(b, `{"booleanValue":`...), v), '}')
	case int:
		return appendLong(b, int64(v))
	case int8:
		return appendLong(b, int64(v))
	case int16:
		return appendLong(b, int64(v))
	case int32:
		return appendLong(b, int64(v))
	case int64:
		return appendLong(b, v)
	case uint8:
		return appendLong(b, int64(v))
	case uint16:
		return appendLong(b, int64(v))
	case uint32:
		return appendLong(b, int64(v))
	case uint:
		return appendUnsigned(b, uint64(v))
	case uint64:
		return appendUnsigned(b, v)
	case *big.Int:
		if v.IsInt64() {
			return appendLong(b, v.Int64())
		}
		return appendStringField(b, v.String())
	case float32:
		return appendDouble(b, float64(v), 32)
	case float64:
		return appendDouble(b, v, 64)
	case []byte:
		b = append(b, `{"blobValue":"`...)
		b = base64.StdEncoding.AppendEncode(b, v)
		return append(b, `"}`...)
	}
	b = append(b, `{"stringValue":`...)
	b = appendString(b, string(appendText(nil, v, t)))
	return append(b, '}')
}

func appendLong(b []byte, n int64) []byte {
	return append(strconv.AppendInt(append(b, `{"longValue":`...), n, 10), '}')
}

// appendUnsigned sends what a long cannot hold as text, not wrapped.
func appendUnsigned(b []byte, n uint64) []byte {
	if n <= math.MaxInt64 {
		return appendLong(b, int64(n))
	}
	return appendStringField(b, strconv.FormatUint(n, 10))
}

// appendDouble sends NaN and the infinities, which JSON has no number
// for, as Redshift prints them.
func appendDouble(b []byte, f float64, bits int) []byte {
	switch {
	case math.IsNaN(f):
		return appendStringField(b, "NaN")
	case math.IsInf(f, 1):
		return appendStringField(b, "Infinity")
	case math.IsInf(f, -1):
		return appendStringField(b, "-Infinity")
	}
	return append(strconv.AppendFloat(append(b, `{"doubleValue":`...), f, 'g', -1, bits), '}')
}

func appendStringField(b []byte, s string) []byte {
	return append(appendString(append(b, `{"stringValue":`...), s), '}')
}

// appendText prints a value as Redshift's text output does: ISO dates and
// timestamps, PostgreSQL intervals, nested values as SUPER's JSON.
func appendText(b []byte, v any, t *query.Type) []byte {
	kind := query.KindInvalid
	if t != nil {
		kind = t.Kind
	}
	switch v := v.(type) {
	case string:
		return append(b, v...)
	case time.Time:
		return appendTime(b, v, kind)
	case query.Decimal:
		return append(b, v.String()...)
	case query.Interval:
		return query.AppendInterval(b, v)
	case [16]byte:
		return query.AppendUUID(b, v)
	case []any, map[string]any, query.Map:
		return appendJSON(b, v, t)
	case []byte:
		return append(append(b, `\x`...), hex.EncodeToString(v)...)
	case nil:
		return append(b, "null"...)
	case bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, *big.Int:
		return fmt.Append(b, v)
	case float32:
		return sqltext.AppendFloat(b, float64(v), 32)
	case float64:
		return sqltext.AppendFloat(b, v, 64)
	}
	return fmt.Append(b, v)
}

// appendTime prints a DATE, TIME or TIMESTAMP by its column's kind; a
// value of unknown kind prints as a timestamp.
func appendTime(b []byte, t time.Time, kind query.Kind) []byte {
	if kind == query.KindTimestampTZ || kind == query.KindTimeTZ {
		t = t.UTC()
	}
	y, mo, d := t.Date()
	bc := y <= 0
	if bc {
		y = 1 - y // no year 0: 1 BC is year 0
	}
	switch kind {
	case query.KindTime:
		return appendClock(b, t)
	case query.KindTimeTZ:
		return append(appendClock(b, t), "+00"...)
	case query.KindDate:
		b = fmt.Appendf(b, "%04d-%02d-%02d", y, mo, d)
	default:
		b = appendClock(fmt.Appendf(b, "%04d-%02d-%02d ", y, mo, d), t)
		if kind == query.KindTimestampTZ {
			b = append(b, "+00"...)
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
		b = append(append(b, '.'), strings.TrimRight(fmt.Sprintf("%06d", us), "0")...)
	}
	return b
}

// appendJSON prints a value as JSON, SUPER's text: lists as arrays, structs
// in their type's field order, maps with text keys as objects and others as
// arrays of {"key", "value"}; what JSON has no form for as strings.
func appendJSON(b []byte, v any, t *query.Type) []byte {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...)
	case bool:
		return strconv.AppendBool(b, v)
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, *big.Int, query.Decimal:
		return fmt.Append(b, v)
	case float32:
		return appendJSONFloat(b, float64(v), 32)
	case float64:
		return appendJSONFloat(b, v, 64)
	case []any:
		var et *query.Type
		if t != nil {
			et = t.Elem
		}
		b = append(b, '[')
		for i, e := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSON(b, e, et)
		}
		return append(b, ']')
	case map[string]any:
		return appendStruct(b, v, t)
	case query.Map:
		var kt, vt *query.Type
		if t != nil {
			kt, vt = t.Key, t.Value
		}
		textKeys := true
		for _, k := range v.Keys {
			if _, ok := k.(string); !ok {
				textKeys = false
			}
		}
		b = append(b, "{["[boolIndex(!textKeys)])
		for i, k := range v.Keys {
			if i > 0 {
				b = append(b, ',')
			}
			var val any
			if i < len(v.Values) {
				val = v.Values[i]
			}
			if textKeys {
				b = append(appendString(b, k.(string)), ':')
				b = appendJSON(b, val, vt)
				continue
			}
			b = append(appendJSON(append(b, `{"key":`...), k, kt), `,"value":`...)
			b = append(appendJSON(b, val, vt), '}')
		}
		return append(b, "}]"[boolIndex(!textKeys)])
	}
	return appendString(b, string(appendText(nil, v, t)))
}

func boolIndex(b bool) int {
	if b {
		return 1
	}
	return 0
}

func appendJSONFloat(b []byte, f float64, bits int) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return appendString(b, string(sqltext.AppendFloat(nil, f, bits)))
	}
	return strconv.AppendFloat(b, f, 'g', -1, bits)
}

// appendStruct prints a struct in its type's field order; without a type
// that names each field, in sorted order, Go maps having none.
func appendStruct(b []byte, v map[string]any, t *query.Type) []byte {
	var fields []query.Field
	if t != nil && len(t.Fields) == len(v) {
		fields = t.Fields
	} else {
		for _, k := range slices.Sorted(maps.Keys(v)) {
			fields = append(fields, query.Field{Name: k})
		}
	}
	b = append(b, '{')
	for i, f := range fields {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(appendString(b, f.Name), ':')
		ft := &f.Type
		if f.Type.Kind == query.KindInvalid {
			ft = nil
		}
		b = appendJSON(b, v[f.Name], ft)
	}
	return append(b, '}')
}

// appendString appends s as a JSON string; invalid UTF-8 becomes U+FFFD,
// as encoding/json does.
func appendString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

// stringValue reads a text column of the engine's catalog views.
func stringValue(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case []byte:
		return string(v)
	}
	return fmt.Sprint(v)
}
