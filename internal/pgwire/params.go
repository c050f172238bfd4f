package pgwire

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/tarnlake/tarn/internal/query"
)

// elemOIDs maps array OIDs back to their element OIDs.
var elemOIDs = func() map[uint32]uint32 {
	m := map[uint32]uint32{}
	for _, t := range query.PGTypes {
		m[t.ArrayOID] = t.OID
	}
	return m
}()

var typeNames = map[uint32]string{
	oidBool: "boolean", oidInt2: "smallint", oidInt4: "integer", oidInt8: "bigint",
	oidFloat4: "real", oidFloat8: "double precision", oidNumeric: "numeric",
	oidBytea: "bytea", oidDate: "date", oidTime: "time", oidTimestamp: "timestamp",
	oidTimestampTZ: "timestamp with time zone", oidInterval: "interval", oidUUID: "uuid",
}

// decodeParam turns a Bind parameter into the Go value the engine takes.
// Unknown and text-like types arrive as strings.
func decodeParam(oid uint32, format int16, data []byte) (any, error) {
	if format == 1 {
		return decodeBinary(oid, data)
	}
	s := string(data)
	v, err := decodeText(oid, s)
	if err != nil {
		name := typeNames[oid]
		if name == "" {
			name = fmt.Sprintf("type %d", oid)
		}
		return nil, &query.Error{Code: "22P02", Message: fmt.Sprintf("invalid input syntax for type %s: %q", name, s)}
	}
	return v, nil
}

func decodeText(oid uint32, s string) (any, error) {
	if e, ok := elemOIDs[oid]; ok {
		return parseArray(s, e)
	}
	t := strings.TrimSpace(s)
	switch oid {
	case oidBool:
		switch strings.ToLower(t) {
		case "t", "true", "y", "yes", "on", "1":
			return true, nil
		case "f", "false", "n", "no", "off", "0":
			return false, nil
		}
		return nil, strconv.ErrSyntax
	case oidInt2:
		n, err := strconv.ParseInt(t, 10, 16)
		return int16(n), err
	case oidInt4:
		n, err := strconv.ParseInt(t, 10, 32)
		return int32(n), err
	case oidInt8:
		return strconv.ParseInt(t, 10, 64)
	case oidFloat4:
		f, err := strconv.ParseFloat(t, 32)
		return float32(f), err
	case oidFloat8:
		return strconv.ParseFloat(t, 64)
	case oidNumeric:
		return parseDecimal(t)
	case oidBytea:
		return parseBytea(s)
	case oidDate:
		return time.Parse("2006-01-02", t)
	case oidTime:
		tm, err := time.Parse("15:04:05", t)
		if err != nil {
			tm, err = time.Parse("15:04", t)
		}
		return tm.AddDate(1, 0, 0), err // on 0001-01-01, as rows carry times
	case oidTimestamp, oidTimestampTZ:
		for _, layout := range []string{"2006-01-02 15:04:05Z07:00", "2006-01-02 15:04:05Z07", "2006-01-02 15:04:05Z07:00:00",
			"2006-01-02T15:04:05Z07:00", "2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02"} {
			if tm, err := time.Parse(layout, t); err == nil {
				return tm.UTC(), nil
			}
		}
		return nil, strconv.ErrSyntax
	case oidInterval:
		return parseInterval(t)
	case oidUUID:
		return parseUUID(t)
	}
	return s, nil
}

func binErr(oid uint32) error {
	return &query.Error{Code: "22P03", Message: fmt.Sprintf("incorrect binary data format for type %d", oid)}
}

func decodeBinary(oid uint32, b []byte) (any, error) {
	if e, ok := elemOIDs[oid]; ok {
		return decodeBinaryArray(b, e)
	}
	want := map[uint32]int{oidBool: 1, oidInt2: 2, oidInt4: 4, oidInt8: 8, oidFloat4: 4, oidFloat8: 8,
		oidDate: 4, oidTime: 8, oidTimestamp: 8, oidTimestampTZ: 8, oidInterval: 16, oidUUID: 16}[oid]
	if want > 0 && len(b) != want {
		return nil, binErr(oid)
	}
	be := binary.BigEndian
	switch oid {
	case oidBool:
		return b[0] != 0, nil
	case oidInt2:
		return int16(be.Uint16(b)), nil
	case oidInt4:
		return int32(be.Uint32(b)), nil
	case oidInt8:
		return int64(be.Uint64(b)), nil
	case oidFloat4:
		return math.Float32frombits(be.Uint32(b)), nil
	case oidFloat8:
		return math.Float64frombits(be.Uint64(b)), nil
	case oidNumeric:
		return decodeNumeric(b)
	case oidDate:
		return time.Unix((int64(int32(be.Uint32(b)))+pgEpoch/86400)*86400, 0).UTC(), nil
	case oidTime:
		return time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(be.Uint64(b)) * time.Microsecond), nil
	case oidTimestamp, oidTimestampTZ:
		us := int64(be.Uint64(b))
		return time.Unix(pgEpoch+us/1e6, us%1e6*1e3).UTC(), nil
	case oidInterval:
		return query.Interval{Micros: int64(be.Uint64(b)), Days: int32(be.Uint32(b[8:])), Months: int32(be.Uint32(b[12:]))}, nil
	case oidUUID:
		return [16]byte(b), nil
	case oidBytea, 0:
		return bytes.Clone(b), nil
	case 3802: // jsonb: a version byte, then the text
		if len(b) == 0 || b[0] != 1 {
			return nil, binErr(oid)
		}
		return string(b[1:]), nil
	}
	return string(b), nil
}

// decodeNumeric reads the binary numeric form into a Decimal.
func decodeNumeric(b []byte) (any, error) {
	if len(b) < 8 {
		return nil, binErr(oidNumeric)
	}
	be := binary.BigEndian
	n, weight, sign, dscale := int(be.Uint16(b)), int(int16(be.Uint16(b[2:]))), be.Uint16(b[4:]), int(be.Uint16(b[6:]))
	switch sign {
	case 0xC000:
		return math.NaN(), nil
	case 0xD000:
		return math.Inf(1), nil
	case 0xF000:
		return math.Inf(-1), nil
	}
	if len(b) != 8+2*n || dscale > 0x3fff || (sign != 0 && sign != 0x4000) {
		return nil, binErr(oidNumeric)
	}
	var digits []byte
	group := func(i int) []byte { // base-10000 digit i as four decimal digits
		d := 0
		if i >= 0 && i < n {
			d = int(be.Uint16(b[8+2*i:]))
		}
		return fmt.Appendf(nil, "%04d", d)
	}
	for i := range n {
		if be.Uint16(b[8+2*i:]) > 9999 {
			return nil, binErr(oidNumeric)
		}
	}
	for i := 0; i <= weight; i++ {
		digits = append(digits, group(i)...)
	}
	var frac []byte
	for i := weight + 1; len(frac) < dscale; i++ {
		frac = append(frac, group(i)...)
	}
	v := strings.TrimLeft(string(digits)+string(frac[:dscale]), "0")
	if v == "" {
		v = "0"
	} else if sign == 0x4000 {
		v = "-" + v
	}
	return query.Decimal{Value: v, Scale: dscale}, nil
}

// decodeBinaryArray reads an array of any dimension into nested lists.
func decodeBinaryArray(b []byte, elem uint32) (any, error) {
	be := binary.BigEndian
	if len(b) < 12 {
		return nil, binErr(elem)
	}
	ndim, oid := int(be.Uint32(b)), be.Uint32(b[8:])
	if ndim < 0 || ndim > 6 || len(b) < 12+8*ndim || oid != elem {
		return nil, binErr(elem)
	}
	dims, total := make([]int, ndim), 1
	for i := range dims {
		dims[i] = int(int32(be.Uint32(b[12+8*i:])))
		if dims[i] < 0 || dims[i] > len(b) {
			return nil, binErr(elem)
		}
		total *= dims[i]
	}
	if ndim == 0 {
		return []any{}, nil
	}
	rest := b[12+8*ndim:]
	if total > len(rest)/4 {
		return nil, binErr(elem)
	}
	flat := make([]any, total)
	for i := range flat {
		if len(rest) < 4 {
			return nil, binErr(elem)
		}
		n := int(int32(be.Uint32(rest)))
		rest = rest[4:]
		if n == -1 {
			continue
		}
		if n < 0 || n > len(rest) {
			return nil, binErr(elem)
		}
		v, err := decodeBinary(elem, rest[:n])
		if err != nil {
			return nil, err
		}
		flat[i], rest = v, rest[n:]
	}
	return reshape(flat, dims), nil
}

func reshape(flat []any, dims []int) []any {
	if len(dims) <= 1 {
		return flat
	}
	out := make([]any, dims[0])
	step := len(flat) / max(dims[0], 1)
	for i := range out {
		out[i] = reshape(flat[i*step:(i+1)*step], dims[1:])
	}
	return out
}
