package load

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"github.com/tarnlake/tarn/internal/format"
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

// convert turns a field that is not NULL AS into the column's value. An
// empty or blank field of a type other than CHAR/VARCHAR is NULL.
func (cv *converter) convert(b []byte, c *config, scratch *[]byte) (any, convErr) {
	if cv.isChar() {
		v, null, e := cv.stringValue(b, c, scratch)
		if e.code != 0 || null {
			return nil, e
		}
		return string(v), e
	}
	if isBlank(b) {
		return nil, convErr{}
	}
	switch cv.col.Type.Kind {
	case format.KindBoolean:
		v, e := parseBool(b)
		return v, e
	case format.KindTinyint, format.KindSmallint:
		v, e := parseInt(b, cv.ints)
		return int16(v), e
	case format.KindInt:
		v, e := parseInt(b, cv.ints)
		return int32(v), e
	case format.KindBigint:
		v, e := parseInt(b, cv.ints)
		return v, e
	case format.KindFloat:
		v, e := parseFloat(b, 32)
		return float32(v), e
	case format.KindDouble:
		return parseFloat(b, 64)
	case format.KindDecimal:
		return parseDecimal(b, cv.prec, cv.scale, c.roundDec)
	case format.KindDate, format.KindTimestamp:
		t, e := cv.dateTime(b, c)
		if e.code != 0 || t == nil {
			return nil, e
		}
		return *t, e
	case format.KindBinary:
		return cv.binary(b, c)
	}
	return nil, fail(CodeBadLine, 0, "Invalid data type")
}

// dateTime reads a DATE or TIMESTAMP; with ACCEPTANYDATE a value that does
// not match is NULL, not an error.
func (cv *converter) dateTime(b []byte, c *config) (*time.Time, convErr) {
	isDate := cv.col.Type.Kind == format.KindDate
	b = trimSpace(b)
	var p dtParts
	var ok bool
	t := time.Time{}
	switch cv.spec.mode {
	case dtDefault:
		if isDate && len(b) < 10 {
			if c.anyDate {
				return nil, convErr{}
			}
			return nil, convErr{code: CodeBadDate, reason: "Invalid Date Format - length must be 10 or more"}
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
			return nil, convErr{}
		}
		return nil, cv.dateErr()
	}
	if isDate {
		y, m, d := t.Date()
		t = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	}
	return &t, convErr{}
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

// binary reads VARBYTE's hexadecimal text.
func (cv *converter) binary(b []byte, c *config) (any, convErr) {
	for i, ch := range b {
		if !(ch >= '0' && ch <= '9' || ch >= 'a' && ch <= 'f' || ch >= 'A' && ch <= 'F') {
			return nil, invalidDigit(b, i, "Varbyte")
		}
	}
	if len(b)%2 != 0 {
		return nil, fail(CodeInvalidDigit, len(b), "Invalid hexadecimal value, odd number of digits")
	}
	out := make([]byte, len(b)/2)
	_, _ = hex.Decode(out, b)
	if n := cv.col.MaxLen; n > 0 && len(out) > n {
		if !c.truncate {
			return nil, convErr{code: CodeOutOfRange, reason: "Varbyte length exceeds DDL length"}
		}
		out = out[:n]
	}
	return out, convErr{}
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	return trimRightSpace(b)
}
