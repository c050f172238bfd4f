package load

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/tarnlake/tarn/internal/format"
	"github.com/tarnlake/tarn/internal/warehouse"
)

// converter turns one column's fields into values.
type converter struct {
	col         Column
	typeName    string // STL_LOAD_ERRORS.type
	colLength   string // STL_LOAD_ERRORS.col_length
	prec, scale int
	ints        intType
	spec        *dtSpec
}

func newConverter(col Column, c *config) converter {
	cv := converter{col: col}
	if col.MaxLen > 0 {
		cv.colLength = strconv.Itoa(col.MaxLen)
	}
	switch col.Type.Kind {
	case format.KindString:
		cv.typeName = "varchar"
		if col.Char {
			cv.typeName = "bpchar"
		}
	case format.KindBoolean:
		cv.typeName = "bool"
	case format.KindTinyint:
		cv.typeName, cv.ints = "int2", tinyintType
	case format.KindSmallint:
		cv.typeName, cv.ints = "int2", smallintType
	case format.KindInt:
		cv.typeName, cv.ints = "int4", integerType
	case format.KindBigint:
		cv.typeName, cv.ints = "int8", bigintType
	case format.KindFloat:
		cv.typeName = "float4"
	case format.KindDouble:
		cv.typeName = "float8"
	case format.KindDecimal:
		cv.prec, cv.scale = decimalShape(col.Type)
		cv.typeName, cv.colLength = "numeric", fmt.Sprintf("%d,%d", cv.prec, cv.scale)
	case format.KindDate:
		cv.typeName, cv.spec = "date", &c.date
	case format.KindTimestamp:
		cv.typeName, cv.spec = "timestamp", &c.time
		if col.TZ {
			cv.typeName = "timestamptz"
		}
	case format.KindBinary:
		cv.typeName = "varbyte"
	}
	return cv
}

// isChar reports CHAR and VARCHAR, whose empty fields are values.
func (cv *converter) isChar() bool { return cv.col.Type.Kind == format.KindString }

// cell is one converted field, typed, kept until its row is whole.
type cell struct {
	null bool
	n    int64 // BOOLEAN (1 is true), the integers
	f    float64
	d    Decimal
	t    time.Time // DATE (midnight UTC), TIMESTAMP
	s, e int       // CHAR, VARCHAR, VARBYTE: the row's text[s:e]
}

// convertCell converts a field that is not NULL AS into out; text gathers
// the row's strings. An empty or blank field of a type other than
// CHAR/VARCHAR is NULL.
func (cv *converter) convertCell(b []byte, c *config, scratch, text *[]byte, out *cell) convErr {
	out.null = false
	if cv.isChar() {
		v, null, e := cv.stringValue(b, c, scratch)
		if e.code != 0 || null {
			out.null = null
			return e
		}
		out.s = len(*text)
		*text = append(*text, v...)
		out.e = len(*text)
		return e
	}
	if isBlank(b) {
		out.null = true
		return convErr{}
	}
	var e convErr
	switch cv.col.Type.Kind {
	case format.KindBoolean:
		var v bool
		v, e = parseBool(b)
		out.n = 0
		if v {
			out.n = 1
		}
	case format.KindTinyint, format.KindSmallint, format.KindInt, format.KindBigint:
		out.n, e = parseInt(b, cv.ints)
	case format.KindFloat:
		out.f, e = parseFloat(b, 32)
	case format.KindDouble:
		out.f, e = parseFloat(b, 64)
	case format.KindDecimal:
		out.d, e = parseDecimal(b, cv.prec, cv.scale, c.roundDec)
	case format.KindDate, format.KindTimestamp:
		out.t, out.null, e = cv.dateTime(b, c)
		if e.code == 0 && !out.null && !warehouse.MicrosFit(out.t) {
			e = cv.dateErr()
		}
	case format.KindBinary:
		out.s = len(*text)
		*text, e = cv.binary(b, c, *text)
		out.e = len(*text)
	default:
		e = fail(CodeBadLine, 0, "Invalid data type")
	}
	return e
}

// value is a cell as the Go value rows carry.
func (cv *converter) value(x *cell, text []byte) any {
	if x.null {
		return nil
	}
	switch cv.col.Type.Kind {
	case format.KindString:
		return string(text[x.s:x.e])
	case format.KindBoolean:
		return x.n != 0
	case format.KindTinyint, format.KindSmallint:
		return int16(x.n)
	case format.KindInt:
		return int32(x.n)
	case format.KindBigint:
		return x.n
	case format.KindFloat:
		return float32(x.f)
	case format.KindDouble:
		return x.f
	case format.KindDecimal:
		return x.d
	case format.KindDate, format.KindTimestamp:
		return x.t
	case format.KindBinary:
		return bytes.Clone(text[x.s:x.e])
	}
	return nil
}

// appendCell appends a cell to its column's builder, of the type
// warehouse.ArrowType gives the column.
func (cv *converter) appendCell(b array.Builder, x *cell, text []byte) {
	if x.null {
		b.AppendNull()
		return
	}
	switch cv.col.Type.Kind {
	case format.KindString:
		b.(*array.StringBuilder).BinaryBuilder.Append(text[x.s:x.e])
	case format.KindBoolean:
		b.(*array.BooleanBuilder).Append(x.n != 0)
	case format.KindTinyint, format.KindSmallint:
		b.(*array.Int16Builder).Append(int16(x.n))
	case format.KindInt:
		b.(*array.Int32Builder).Append(int32(x.n))
	case format.KindBigint:
		b.(*array.Int64Builder).Append(x.n)
	case format.KindFloat:
		b.(*array.Float32Builder).Append(float32(x.f))
	case format.KindDouble:
		b.(*array.Float64Builder).Append(x.f)
	case format.KindDecimal:
		// parseDecimal has fitted the value to the column's scale and
		// precision: no check is made again.
		if x.d.Unscaled == nil {
			b.(*array.Decimal128Builder).Append(decimal128.FromI64(x.d.Small))
		} else {
			b.(*array.Decimal128Builder).Append(decimal128.FromBigInt(x.d.Unscaled))
		}
	case format.KindDate:
		b.(*array.Date32Builder).Append(warehouse.Days(x.t))
	case format.KindTimestamp:
		b.(*array.TimestampBuilder).Append(arrow.Timestamp(x.t.UnixMicro()))
	case format.KindBinary:
		b.(*array.BinaryBuilder).Append(text[x.s:x.e])
	}
}

// convert turns a field that is not NULL AS into the column's Go value.
func (cv *converter) convert(b []byte, c *config, scratch *[]byte) (any, convErr) {
	if cv.isChar() {
		v, null, e := cv.stringValue(b, c, scratch)
		if e.code != 0 || null {
			return nil, e
		}
		return string(v), e
	}
	var x cell
	var text []byte
	if e := cv.convertCell(b, c, scratch, &text, &x); e.code != 0 {
		return nil, e
	}
	return cv.value(&x, text), convErr{}
}

// dateTime reads a DATE or TIMESTAMP; with ACCEPTANYDATE a value that does
// not match is NULL, not an error.
func (cv *converter) dateTime(b []byte, c *config) (t time.Time, null bool, e convErr) {
	isDate := cv.col.Type.Kind == format.KindDate
	b = trimSpace(b)
	var p dtParts
	var ok bool
	switch cv.spec.mode {
	case dtDefault:
		if isDate && len(b) < 10 {
			if c.anyDate {
				return t, true, convErr{}
			}
			return t, false, convErr{code: CodeBadDate, reason: "Invalid Date Format - length must be 10 or more"}
		}
		ok = parseDefault(b, &p)
	case dtAuto:
		ok = parseAuto(b, &p)
	case dtFormat:
		ok = parseFormat(b, cv.spec.items, &p)
	case dtEpochSecs, dtEpochMillis:
		t, ok = parseEpoch(b, cv.spec.mode == dtEpochMillis)
	}
	if ok && cv.spec.mode < dtEpochSecs {
		t, ok = p.build(cv.col.TZ)
	}
	if !ok {
		if c.anyDate {
			return time.Time{}, true, convErr{}
		}
		return time.Time{}, false, cv.dateErr()
	}
	if isDate {
		y, m, d := t.Date()
		t = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	}
	return t, false, convErr{}
}

func (cv *converter) dateErr() convErr {
	src := cv.spec.src
	if cv.col.Type.Kind == format.KindDate {
		if src == "" {
			src = "YYYY-MM-DD"
		}
		return convErr{code: CodeBadDate, reason: "Date value did not match format specified [" + src + "]"}
	}
	if src == "" {
		src = "YYYY-MM-DD HH24:MI:SS"
	}
	return convErr{code: CodeBadTimestamp, reason: "Invalid timestamp format or value [" + src + "]"}
}

// binary appends VARBYTE's hexadecimal text, decoded, to out.
func (cv *converter) binary(b []byte, c *config, out []byte) ([]byte, convErr) {
	for i, ch := range b {
		if !(ch >= '0' && ch <= '9' || ch >= 'a' && ch <= 'f' || ch >= 'A' && ch <= 'F') {
			return out, invalidDigit(b, i, "Varbyte")
		}
	}
	if len(b)%2 != 0 {
		return out, fail(CodeInvalidDigit, len(b), "Invalid hexadecimal value, odd number of digits")
	}
	n := len(b) / 2
	if cv.col.MaxLen > 0 && n > cv.col.MaxLen {
		if !c.truncate {
			return out, convErr{code: CodeOutOfRange, reason: "Varbyte length exceeds DDL length"}
		}
		n, b = cv.col.MaxLen, b[:2*cv.col.MaxLen]
	}
	start := len(out)
	out = append(out, make([]byte, n)...)
	_, _ = hex.Decode(out[start:], b)
	return out, convErr{}
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	return trimRightSpace(b)
}
