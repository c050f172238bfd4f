package pgwire

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/tarnlake/tarn/internal/query"
)

// pgEpoch is 2000-01-01, the origin of binary dates and timestamps.
const pgEpoch = 946684800

// appendBinary appends the binary form of a non-nil value of a column of
// type t. Types without a binary form of their own (text, json, structs,
// maps) send their text.
func appendBinary(b []byte, t *colType, v any) ([]byte, error) {
	if t.elem != nil {
		list, ok := v.([]any)
		if !ok {
			return nil, encodeErr(t, v)
		}
		return appendBinaryArray(b, t, list)
	}
	switch t.oid {
	case oidBool:
		x, ok := v.(bool)
		if !ok {
			return nil, encodeErr(t, v)
		}
		if x {
			return append(b, 1), nil
		}
		return append(b, 0), nil
	case oidInt2, oidInt4, oidInt8:
		n, ok := query.Int64(v)
		switch {
		case !ok:
			return nil, encodeErr(t, v)
		case t.oid == oidInt2 && n == int64(int16(n)):
			return binary.BigEndian.AppendUint16(b, uint16(n)), nil
		case t.oid == oidInt4 && n == int64(int32(n)):
			return binary.BigEndian.AppendUint32(b, uint32(n)), nil
		case t.oid == oidInt8:
			return binary.BigEndian.AppendUint64(b, uint64(n)), nil
		}
		return nil, &query.Error{Code: "22003", Message: fmt.Sprintf("value %d out of range for its column type", n)}
	case oidFloat4, oidFloat8:
		f, ok := toFloat(v)
		if !ok {
			return nil, encodeErr(t, v)
		}
		if t.oid == oidFloat4 {
			return binary.BigEndian.AppendUint32(b, math.Float32bits(float32(f))), nil
		}
		return binary.BigEndian.AppendUint64(b, math.Float64bits(f)), nil
	case oidNumeric:
		return appendNumeric(b, string(appendText(nil, t, v)))
	case oidBytea:
		if x, ok := v.([]byte); ok {
			return append(b, x...), nil
		}
	case oidDate, oidTime, oidTimeTZ, oidTimestamp, oidTimestampTZ:
		tm, ok := v.(time.Time)
		if !ok {
			return nil, encodeErr(t, v)
		}
		return appendBinaryTime(b, t.oid, tm), nil
	case oidInterval:
		iv, ok := v.(query.Interval)
		if !ok {
			return nil, encodeErr(t, v)
		}
		b = binary.BigEndian.AppendUint64(b, uint64(iv.Micros))
		b = binary.BigEndian.AppendUint32(b, uint32(iv.Days))
		return binary.BigEndian.AppendUint32(b, uint32(iv.Months)), nil
	case oidUUID:
		switch u := v.(type) {
		case [16]byte:
			return append(b, u[:]...), nil
		case string:
			if x, err := parseUUID(u); err == nil {
				return append(b, x[:]...), nil
			}
		}
		return nil, encodeErr(t, v)
	}
	return appendText(b, t, v), nil // text, varchar, json, structs
}

func encodeErr(t *colType, v any) error {
	return &query.Error{Code: query.CodeInternal, Message: fmt.Sprintf("cannot encode %T as binary type %d", v, t.oid)}
}

func appendBinaryTime(b []byte, oid uint32, t time.Time) []byte {
	switch oid {
	case oidDate:
		y, m, d := t.Date()
		days := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix()/86400 - pgEpoch/86400
		return binary.BigEndian.AppendUint32(b, uint32(int32(days)))
	case oidTime, oidTimeTZ:
		h, m, s := t.Clock()
		us := int64(h)*3600e6 + int64(m)*60e6 + int64(s)*1e6 + int64(t.Nanosecond()/1000)
		b = binary.BigEndian.AppendUint64(b, uint64(us))
		if oid == oidTimeTZ {
			_, off := t.Zone()
			b = binary.BigEndian.AppendUint32(b, uint32(int32(-off))) // seconds west of UTC
		}
		return b
	case oidTimestamp:
		// The wall clock, whatever zone the value carries.
		y, mo, d := t.Date()
		h, mi, s := t.Clock()
		t = time.Date(y, mo, d, h, mi, s, t.Nanosecond(), time.UTC)
	}
	us := (t.Unix()-pgEpoch)*1e6 + int64(t.Nanosecond()/1000)
	return binary.BigEndian.AppendUint64(b, uint64(us))
}

// appendBinaryArray writes a one-dimensional array; nested lists travel
// as text elements.
func appendBinaryArray(b []byte, t *colType, list []any) ([]byte, error) {
	hasNull := uint32(0)
	for _, v := range list {
		if v == nil {
			hasNull = 1
		}
	}
	if len(list) == 0 {
		b = binary.BigEndian.AppendUint32(b, 0)
		b = binary.BigEndian.AppendUint32(b, 0)
		return binary.BigEndian.AppendUint32(b, t.elemOID), nil
	}
	b = binary.BigEndian.AppendUint32(b, 1)
	b = binary.BigEndian.AppendUint32(b, hasNull)
	b = binary.BigEndian.AppendUint32(b, t.elemOID)
	b = binary.BigEndian.AppendUint32(b, uint32(len(list)))
	b = binary.BigEndian.AppendUint32(b, 1) // lower bound
	for _, v := range list {
		if v == nil {
			b = binary.BigEndian.AppendUint32(b, math.MaxUint32) // -1: NULL
			continue
		}
		at := len(b)
		b = append(b, 0, 0, 0, 0)
		var err error
		if t.elemOID == oidText && t.elem.oid != oidText {
			b = appendText(b, t.elem, v)
		} else if b, err = appendBinary(b, t.elem, v); err != nil {
			return nil, err
		}
		binary.BigEndian.PutUint32(b[at:], uint32(len(b)-at-4))
	}
	return b, nil
}

// appendNumeric writes the binary numeric form of a decimal string:
// base-10000 digits with a weight, a sign and the display scale.
func appendNumeric(b []byte, s string) ([]byte, error) {
	var sign uint16
	switch s {
	case "NaN":
		return appendNumericHeader(b, 0, 0, 0xC000, 0), nil
	case "Infinity":
		return appendNumericHeader(b, 0, 0, 0xD000, 0), nil
	case "-Infinity":
		return appendNumericHeader(b, 0, 0, 0xF000, 0), nil
	}
	if strings.HasPrefix(s, "-") {
		sign, s = 0x4000, s[1:]
	}
	ip, fp, _ := strings.Cut(s, ".")
	if ip == "" && fp == "" || strings.Trim(ip+fp, "0123456789") != "" {
		return nil, &query.Error{Code: query.CodeInternal, Message: fmt.Sprintf("cannot encode %q as numeric", s)}
	}
	dscale := len(fp)
	ip = strings.TrimLeft(ip, "0")
	if r := len(ip) % 4; r != 0 {
		ip = strings.Repeat("0", 4-r) + ip
	}
	if r := len(fp) % 4; r != 0 {
		fp += strings.Repeat("0", 4-r)
	}
	all := ip + fp
	weight := len(ip)/4 - 1
	var digits []uint16
	for i := 0; i < len(all); i += 4 {
		d, _ := strconv.Atoi(all[i : i+4])
		digits = append(digits, uint16(d))
	}
	for len(digits) > 0 && digits[0] == 0 {
		digits, weight = digits[1:], weight-1
	}
	for len(digits) > 0 && digits[len(digits)-1] == 0 {
		digits = digits[:len(digits)-1]
	}
	if len(digits) == 0 {
		weight, sign = 0, 0
	}
	if len(digits) > math.MaxInt16 || weight > math.MaxInt16 || weight < math.MinInt16 || dscale > 0x3fff {
		return nil, &query.Error{Code: "22003", Message: "value overflows numeric format"}
	}
	b = appendNumericHeader(b, len(digits), weight, sign, dscale)
	for _, d := range digits {
		b = binary.BigEndian.AppendUint16(b, d)
	}
	return b, nil
}

func appendNumericHeader(b []byte, ndigits, weight int, sign uint16, dscale int) []byte {
	b = binary.BigEndian.AppendUint16(b, uint16(ndigits))
	b = binary.BigEndian.AppendUint16(b, uint16(int16(weight)))
	b = binary.BigEndian.AppendUint16(b, sign)
	return binary.BigEndian.AppendUint16(b, uint16(dscale))
}

func toFloat(v any) (float64, bool) {
	switch v := v.(type) {
	case float64:
		return v, true
	case float32:
		return float64(v), true
	case string:
		f, err := strconv.ParseFloat(v, 64)
		return f, err == nil
	}
	if n, ok := query.Int64(v); ok {
		return float64(n), true
	}
	return 0, false
}
