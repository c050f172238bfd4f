package postgres

import (
	"encoding/binary"
	"math"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/tarnlake/tarn/internal/warehouse"
)

// PostgreSQL's binary COPY format: a header, then per row a field count
// and each field as its length (-1: NULL) and its type's send form, then
// a trailer. Values are big-endian; dates and timestamps count from
// 2000-01-01.
const (
	binaryHeader  = "PGCOPY\n\xff\r\n\x00" + "\x00\x00\x00\x00" + "\x00\x00\x00\x00"
	binaryTrailer = "\xff\xff"
	pgEpochDays   = 10957 // 1970-01-01 to 2000-01-01
	pgEpochMicros = pgEpochDays * 86400 * 1_000_000
)

// appendBinaryRow appends row r of rec in the binary format.
func appendBinaryRow(b []byte, rec arrow.RecordBatch, r int) []byte {
	b = binary.BigEndian.AppendUint16(b, uint16(rec.NumCols()))
	for _, a := range rec.Columns() {
		b = appendBinary(b, a, r)
	}
	return b
}

// appendBinary appends row r of column a as a binary field.
func appendBinary(b []byte, a arrow.Array, r int) []byte {
	if a.IsNull(r) {
		return binary.BigEndian.AppendUint32(b, math.MaxUint32)
	}
	be := binary.BigEndian
	switch x := a.(type) {
	case *array.String:
		v := x.Value(r)
		return append(be.AppendUint32(b, uint32(len(v))), v...)
	case *array.Binary:
		v := x.Value(r)
		return append(be.AppendUint32(b, uint32(len(v))), v...)
	case *array.Boolean:
		if x.Value(r) {
			return append(be.AppendUint32(b, 1), 1)
		}
		return append(be.AppendUint32(b, 1), 0)
	case *array.Int16:
		return be.AppendUint16(be.AppendUint32(b, 2), uint16(x.Value(r)))
	case *array.Int32:
		return be.AppendUint32(be.AppendUint32(b, 4), uint32(x.Value(r)))
	case *array.Int64:
		return be.AppendUint64(be.AppendUint32(b, 8), uint64(x.Value(r)))
	case *array.Float32:
		return be.AppendUint32(be.AppendUint32(b, 4), math.Float32bits(x.Value(r)))
	case *array.Float64:
		return be.AppendUint64(be.AppendUint32(b, 8), math.Float64bits(x.Value(r)))
	case *array.Date32:
		return be.AppendUint32(be.AppendUint32(b, 4), uint32(pgDate(int64(x.Value(r))-pgEpochDays)))
	case *array.Timestamp:
		return be.AppendUint64(be.AppendUint32(b, 8), uint64(pgTimestamp(int64(x.Value(r)))))
	case *array.Decimal128:
		n, scale := x.Value(r), int(x.DataType().(*arrow.Decimal128Type).Scale)
		var buf [48]byte
		var digits []byte
		neg := n.Sign() < 0
		if small, ok := warehouse.DecimalInt64(n); ok {
			digits = strconv.AppendUint(buf[:0], absU(small), 10)
		} else {
			bi := n.BigInt()
			digits = bi.Abs(bi).Append(buf[:0], 10)
		}
		return appendNumeric(b, neg, digits, scale)
	}
	// warehouse.ArrowType gives no other array (CheckSchema holds a
	// batch to it).
	panic("postgres: no binary form for " + a.DataType().String())
}

// appendNumeric appends a NUMERIC field: the decimal digits of an
// unscaled value's magnitude, scale of them after the point, regrouped
// into base-10000 digits around the point.
func appendNumeric(b []byte, neg bool, digits []byte, scale int) []byte {
	intLen := len(digits) - scale // digits before the point; may be ≤ 0
	// The digit at index i has decimal exponent intLen-1-i; its group's
	// weight is that exponent floored to a multiple of 4, over 4.
	wmax, wmin := floor4(intLen-1), floor4(-scale)
	var groups [16]int16 // 38 digits and a scale of 38 need 11
	for i, d := range digits {
		e := intLen - 1 - i
		w := floor4(e)
		groups[wmax-w] += int16(d-'0') * pow10[e-4*w]
	}
	g := groups[:wmax-wmin+1]
	for len(g) > 0 && g[0] == 0 { // leading zero groups
		g, wmax = g[1:], wmax-1
	}
	for len(g) > 0 && g[len(g)-1] == 0 { // trailing ones
		g = g[:len(g)-1]
	}
	sign := uint16(0)
	if neg && len(g) > 0 {
		sign = 0x4000
	}
	if len(g) == 0 {
		wmax = 0
	}
	be := binary.BigEndian
	b = be.AppendUint32(b, uint32(8+2*len(g)))
	b = be.AppendUint16(b, uint16(len(g)))
	b = be.AppendUint16(b, uint16(int16(wmax)))
	b = be.AppendUint16(b, sign)
	b = be.AppendUint16(b, uint16(scale))
	for _, d := range g {
		b = be.AppendUint16(b, uint16(d))
	}
	return b
}

// PostgreSQL reads its extremes as ±infinity and rejects other values
// out of its range: a value past its range is sent as one it rejects
// ("out of range"), never as infinity.
func pgDate(days int64) int32 {
	if days <= math.MinInt32 || days >= math.MaxInt32 {
		return math.MinInt32 + 1
	}
	return int32(days)
}

func pgTimestamp(micros int64) int64 {
	if micros < math.MinInt64+pgEpochMicros+1 {
		return math.MinInt64 + 1
	}
	return micros - pgEpochMicros
}

var pow10 = [4]int16{1, 10, 100, 1000}

// floor4 is e/4 rounded down.
func floor4(e int) int {
	if e >= 0 {
		return e / 4
	}
	return -((-e + 3) / 4)
}

func absU(u int64) uint64 {
	if u < 0 {
		return uint64(-(u + 1)) + 1
	}
	return uint64(u)
}
