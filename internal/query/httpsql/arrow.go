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
	for i, c := range cols {
		fields[i] = arrow.Field{Name: c.Name, Type: arrowType(c.Type), Nullable: true}
	}
	schema := arrow.NewSchema(fields, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	appenders := make([]func(any) (int, error), len(cols))
	for i := range cols {
		appenders[i] = arrowAppender(b.Field(i), cols[i].Type)
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

// arrowType is the Arrow type of a column of engine type t. What has no
// exact Arrow counterpart (VARCHAR, ENUM, UUID, HUGEINT, TIME WITH TIME
// ZONE…) is text, and nested values (lists, structs, maps) are JSON text.
func arrowType(t query.Type) arrow.DataType {
	switch t.Kind {
	case query.KindBoolean:
		return arrow.FixedWidthTypes.Boolean
	case query.KindTinyInt:
		return arrow.PrimitiveTypes.Int8
	case query.KindSmallInt:
		return arrow.PrimitiveTypes.Int16
	case query.KindInteger:
		return arrow.PrimitiveTypes.Int32
	case query.KindBigInt:
		return arrow.PrimitiveTypes.Int64
	case query.KindUTinyInt:
		return arrow.PrimitiveTypes.Uint8
	case query.KindUSmallInt:
		return arrow.PrimitiveTypes.Uint16
	case query.KindUInteger:
		return arrow.PrimitiveTypes.Uint32
	case query.KindUBigInt:
		return arrow.PrimitiveTypes.Uint64
	case query.KindFloat:
		return arrow.PrimitiveTypes.Float32
	case query.KindDouble:
		return arrow.PrimitiveTypes.Float64
	case query.KindDecimal:
		return &arrow.Decimal128Type{Precision: int32(t.Precision), Scale: int32(t.Scale)}
	case query.KindBlob:
		return arrow.BinaryTypes.Binary
	case query.KindDate:
		return arrow.FixedWidthTypes.Date32
	case query.KindTime:
		return arrow.FixedWidthTypes.Time64us
	case query.KindTimestamp, query.KindTimestampS, query.KindTimestampMS:
		return &arrow.TimestampType{Unit: arrow.Microsecond}
	case query.KindTimestampTZ:
		return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	case query.KindTimestampNS:
		return &arrow.TimestampType{Unit: arrow.Nanosecond}
	case query.KindInterval:
		return arrow.FixedWidthTypes.MonthDayNanoInterval
	}
	return arrow.BinaryTypes.String
}

// arrowAppender appends a column's non-NULL values to its builder; it
// answers about how many bytes a value took.
func arrowAppender(b array.Builder, t query.Type) func(any) (int, error) {
	switch t.Kind {
	case query.KindBoolean:
		return appendAs(b.(*array.BooleanBuilder), 1, same[bool])
	case query.KindTinyInt:
		return appendAs(b.(*array.Int8Builder), 1, same[int8])
	case query.KindSmallInt:
		return appendAs(b.(*array.Int16Builder), 2, same[int16])
	case query.KindInteger:
		return appendAs(b.(*array.Int32Builder), 4, same[int32])
	case query.KindBigInt:
		return appendAs(b.(*array.Int64Builder), 8, same[int64])
	case query.KindUTinyInt:
		return appendAs(b.(*array.Uint8Builder), 1, same[uint8])
	case query.KindUSmallInt:
		return appendAs(b.(*array.Uint16Builder), 2, same[uint16])
	case query.KindUInteger:
		return appendAs(b.(*array.Uint32Builder), 4, same[uint32])
	case query.KindUBigInt:
		return appendAs(b.(*array.Uint64Builder), 8, same[uint64])
	case query.KindFloat:
		return appendAs(b.(*array.Float32Builder), 4, same[float32])
	case query.KindDouble:
		return appendAs(b.(*array.Float64Builder), 8, same[float64])
	case query.KindDecimal:
		db := b.(*array.Decimal128Builder)
		return func(v any) (int, error) {
			d, ok := v.(query.Decimal)
			if !ok {
				return 0, unexpected(v)
			}
			n, err := decimalNum(d, t.Scale)
			if err != nil {
				return 0, err
			}
			db.Append(n)
			return 16, nil
		}
	case query.KindBlob:
		bb := b.(*array.BinaryBuilder)
		return func(v any) (int, error) {
			x, ok := v.([]byte)
			if !ok {
				return 0, unexpected(v)
			}
			bb.Append(x)
			return len(x) + 4, nil
		}
	case query.KindDate:
		return appendAs(b.(*array.Date32Builder), 4, func(t time.Time) arrow.Date32 { return arrow.Date32(days(t)) })
	case query.KindTime:
		return appendAs(b.(*array.Time64Builder), 8, func(t time.Time) arrow.Time64 { return arrow.Time64(clockMicros(t)) })
	case query.KindTimestamp, query.KindTimestampS, query.KindTimestampMS, query.KindTimestampTZ:
		return appendAs(b.(*array.TimestampBuilder), 8, func(t time.Time) arrow.Timestamp { return arrow.Timestamp(t.UnixMicro()) })
	case query.KindTimestampNS:
		return appendAs(b.(*array.TimestampBuilder), 8, func(t time.Time) arrow.Timestamp { return arrow.Timestamp(t.UnixNano()) })
	case query.KindInterval:
		return appendAs(b.(*array.MonthDayNanoIntervalBuilder), 16, func(x query.Interval) arrow.MonthDayNanoInterval {
			return arrow.MonthDayNanoInterval{Months: x.Months, Days: x.Days, Nanoseconds: x.Micros * 1e3}
		})
	}
	sb := b.(*array.StringBuilder)
	str := textValue
	if t.Kind == query.KindJSON {
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
