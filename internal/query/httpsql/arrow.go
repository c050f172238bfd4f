package httpsql

import (
	"fmt"
	"net/http"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/tarnlake/tarn/internal/query"
)

// A record batch ends at whichever bound comes first, so that wide rows
// do not make huge batches.
const (
	arrowBatchRows  = 64 << 10
	arrowBatchBytes = 16 << 20
)

// arrowJunk follows a stream that failed midway: a message with 1 byte
// of metadata, which readers reject (a message's takes 4 at least). Else
// a body cut between two batches reads as a whole stream.
var arrowJunk = []byte{0xff, 0xff, 0xff, 0xff, 1, 0, 0, 0, 0}

// writeArrow streams the Arrow IPC stream format: the schema, then record
// batches as they fill, each sent at once.
func writeArrow(w http.ResponseWriter, res query.Result) (int, error) {
	out := newBinaryOut(w, "application/vnd.apache.arrow.stream")
	cols := res.Rows.Columns()
	fields := make([]arrow.Field, len(cols))
	types := make([]colType, len(cols))
	for i, c := range cols {
		types[i] = typeOf(c.Type)
		fields[i] = arrow.Field{Name: c.Name, Type: arrowType(types[i]), Nullable: true}
	}
	schema := arrow.NewSchema(fields, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	appenders := make([]func(any) (int, error), len(cols))
	for i := range cols {
		appenders[i] = arrowAppender(b.Field(i), types[i])
	}
	iw := ipc.NewWriter(out, ipc.WithSchema(schema))
	n, rows, size := 0, 0, 0
	send := func() error {
		rec := b.NewRecordBatch()
		defer rec.Release()
		rows, size = 0, 0
		if err := iw.Write(rec); err != nil {
			return fmt.Errorf("write arrow batch: %w", err)
		}
		return out.flush()
	}
	for res.Rows.Next() {
		for i, v := range res.Rows.Values() {
			if v == nil {
				b.Field(i).AppendNull()
				continue
			}
			s, err := appenders[i](v)
			if err != nil {
				return n, out.fail(columnError(cols[i], err), arrowJunk)
			}
			size += s
		}
		n++
		if rows++; rows == arrowBatchRows || size >= arrowBatchBytes {
			if err := send(); err != nil {
				return n, out.fail(err, arrowJunk)
			}
		}
	}
	if err := res.Rows.Err(); err != nil {
		return n, out.fail(err, arrowJunk)
	}
	if rows > 0 {
		if err := send(); err != nil {
			return n, out.fail(err, arrowJunk)
		}
	}
	if err := iw.Close(); err != nil {
		return n, out.fail(fmt.Errorf("end arrow stream: %w", err), arrowJunk)
	}
	return n, out.flush()
}

func arrowType(t colType) arrow.DataType {
	switch t.kind {
	case kindBool:
		return arrow.FixedWidthTypes.Boolean
	case kindInt8:
		return arrow.PrimitiveTypes.Int8
	case kindInt16:
		return arrow.PrimitiveTypes.Int16
	case kindInt32:
		return arrow.PrimitiveTypes.Int32
	case kindInt64:
		return arrow.PrimitiveTypes.Int64
	case kindUint8:
		return arrow.PrimitiveTypes.Uint8
	case kindUint16:
		return arrow.PrimitiveTypes.Uint16
	case kindUint32:
		return arrow.PrimitiveTypes.Uint32
	case kindUint64:
		return arrow.PrimitiveTypes.Uint64
	case kindFloat32:
		return arrow.PrimitiveTypes.Float32
	case kindFloat64:
		return arrow.PrimitiveTypes.Float64
	case kindDecimal:
		return &arrow.Decimal128Type{Precision: t.precision, Scale: t.scale}
	case kindBlob:
		return arrow.BinaryTypes.Binary
	case kindDate:
		return arrow.FixedWidthTypes.Date32
	case kindTime:
		return arrow.FixedWidthTypes.Time64us
	case kindTimestamp:
		return &arrow.TimestampType{Unit: arrow.Microsecond}
	case kindTimestampTZ:
		return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	case kindTimestampNS:
		return &arrow.TimestampType{Unit: arrow.Nanosecond}
	case kindInterval:
		return arrow.FixedWidthTypes.MonthDayNanoInterval
	}
	return arrow.BinaryTypes.String
}

// arrowAppender appends a column's non-NULL values to its builder; it
// answers about how many bytes a value took.
func arrowAppender(b array.Builder, t colType) func(any) (int, error) {
	switch t.kind {
	case kindBool:
		return appendAs(b.(*array.BooleanBuilder), 1, same[bool])
	case kindInt8:
		return appendAs(b.(*array.Int8Builder), 1, same[int8])
	case kindInt16:
		return appendAs(b.(*array.Int16Builder), 2, same[int16])
	case kindInt32:
		return appendAs(b.(*array.Int32Builder), 4, same[int32])
	case kindInt64:
		return appendAs(b.(*array.Int64Builder), 8, same[int64])
	case kindUint8:
		return appendAs(b.(*array.Uint8Builder), 1, same[uint8])
	case kindUint16:
		return appendAs(b.(*array.Uint16Builder), 2, same[uint16])
	case kindUint32:
		return appendAs(b.(*array.Uint32Builder), 4, same[uint32])
	case kindUint64:
		return appendAs(b.(*array.Uint64Builder), 8, same[uint64])
	case kindFloat32:
		return appendAs(b.(*array.Float32Builder), 4, same[float32])
	case kindFloat64:
		return appendAs(b.(*array.Float64Builder), 8, same[float64])
	case kindDecimal:
		db := b.(*array.Decimal128Builder)
		return func(v any) (int, error) {
			d, ok := v.(query.Decimal)
			if !ok {
				return 0, unexpected(v)
			}
			n, err := decimalNum(d, t.scale)
			if err != nil {
				return 0, err
			}
			db.Append(n)
			return 16, nil
		}
	case kindBlob:
		bb := b.(*array.BinaryBuilder)
		return func(v any) (int, error) {
			x, ok := v.([]byte)
			if !ok {
				return 0, unexpected(v)
			}
			bb.Append(x)
			return len(x) + 4, nil
		}
	case kindDate:
		return appendAs(b.(*array.Date32Builder), 4, func(t time.Time) arrow.Date32 { return arrow.Date32(days(t)) })
	case kindTime:
		return appendAs(b.(*array.Time64Builder), 8, func(t time.Time) arrow.Time64 { return arrow.Time64(clockMicros(t)) })
	case kindTimestamp, kindTimestampTZ:
		return appendAs(b.(*array.TimestampBuilder), 8, func(t time.Time) arrow.Timestamp { return arrow.Timestamp(t.UnixMicro()) })
	case kindTimestampNS:
		return appendAs(b.(*array.TimestampBuilder), 8, func(t time.Time) arrow.Timestamp { return arrow.Timestamp(t.UnixNano()) })
	case kindInterval:
		return appendAs(b.(*array.MonthDayNanoIntervalBuilder), 16, func(x query.Interval) arrow.MonthDayNanoInterval {
			return arrow.MonthDayNanoInterval{Months: x.Months, Days: x.Days, Nanoseconds: x.Micros * 1e3}
		})
	}
	sb := b.(*array.StringBuilder)
	str := textValue
	if t.kind == kindJSON {
		str = jsonText
	}
	return func(v any) (int, error) {
		s := str(v)
		sb.Append(s)
		return len(s) + 4, nil
	}
}

// appendAs appends values of Go type S as mk makes them of the builder's
// type T.
func appendAs[S, T any](b interface{ Append(T) }, size int, mk func(S) T) func(any) (int, error) {
	return func(v any) (int, error) {
		x, ok := v.(S)
		if !ok {
			return 0, unexpected(v)
		}
		b.Append(mk(x))
		return size, nil
	}
}

func same[T any](x T) T { return x }
