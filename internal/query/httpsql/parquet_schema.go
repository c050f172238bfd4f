package httpsql

import (
	"encoding/binary"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/encoding"

	"github.com/tarnlake/tarn/internal/query"
)

// parquetSchema is the file's schema, every column optional, and how to
// make each column's values. Names repeated in the result get a suffix:
// Parquet readers look columns up by name.
func parquetSchema(cols []query.Column) (*parquet.Schema, []parquetConv) {
	root := make(parquetRoot, len(cols))
	convs := make([]parquetConv, len(cols))
	seen := map[string]bool{}
	for i, c := range cols {
		name := c.Name
		for k := 2; seen[name]; k++ {
			name = fmt.Sprintf("%s_%d", c.Name, k)
		}
		seen[name] = true
		node, conv := parquetColumn(c.Type)
		root[i] = parquetField{Node: parquet.Optional(node), name: name}
		convs[i] = conv
	}
	return parquet.NewSchema("result", root), convs
}

// parquetColumn is the Parquet type of a column of engine type t and how
// to make its values; as in Arrow, what has no exact counterpart is text
// and nested values are JSON text.
func parquetColumn(t query.Type) (parquet.Node, parquetConv) {
	switch t.Kind {
	case query.KindBoolean:
		return parquet.Leaf(parquet.BooleanType), valueAs(parquet.BooleanValue)
	case query.KindTinyInt:
		return parquet.Int(8), valueAs(func(x int8) parquet.Value { return parquet.Int32Value(int32(x)) })
	case query.KindSmallInt:
		return parquet.Int(16), valueAs(func(x int16) parquet.Value { return parquet.Int32Value(int32(x)) })
	case query.KindInteger:
		return parquet.Int(32), valueAs(parquet.Int32Value)
	case query.KindBigInt:
		return parquet.Int(64), valueAs(parquet.Int64Value)
	case query.KindUTinyInt:
		return parquet.Uint(8), valueAs(func(x uint8) parquet.Value { return parquet.Int32Value(int32(x)) })
	case query.KindUSmallInt:
		return parquet.Uint(16), valueAs(func(x uint16) parquet.Value { return parquet.Int32Value(int32(x)) })
	case query.KindUInteger: // the bits of the unsigned value, as the format says
		return parquet.Uint(32), valueAs(func(x uint32) parquet.Value { return parquet.Int32Value(int32(x)) })
	case query.KindUBigInt:
		return parquet.Uint(64), valueAs(func(x uint64) parquet.Value { return parquet.Int64Value(int64(x)) })
	case query.KindFloat:
		return parquet.Leaf(parquet.FloatType), valueAs(parquet.FloatValue)
	case query.KindDouble:
		return parquet.Leaf(parquet.DoubleType), valueAs(parquet.DoubleValue)
	case query.KindDecimal:
		return parquetDecimal(t)
	case query.KindBlob:
		return parquet.Leaf(parquet.ByteArrayType), func(v any, buf *[]byte) (parquet.Value, error) {
			x, ok := v.([]byte)
			if !ok {
				return parquet.Value{}, unexpected(v)
			}
			return parquet.ByteArrayValue(appendBytes(buf, x)), nil
		}
	case query.KindDate:
		return parquet.Date(), valueAs(func(t time.Time) parquet.Value { return parquet.Int32Value(days(t)) })
	case query.KindTime:
		return parquet.TimeAdjusted(parquet.Microsecond, false),
			valueAs(func(t time.Time) parquet.Value { return parquet.Int64Value(clockMicros(t)) })
	case query.KindTimestamp, query.KindTimestampS, query.KindTimestampMS:
		return parquet.TimestampAdjusted(parquet.Microsecond, false),
			valueAs(func(t time.Time) parquet.Value { return parquet.Int64Value(t.UnixMicro()) })
	case query.KindTimestampTZ:
		return parquet.TimestampAdjusted(parquet.Microsecond, true),
			valueAs(func(t time.Time) parquet.Value { return parquet.Int64Value(t.UnixMicro()) })
	case query.KindTimestampNS:
		return parquet.TimestampAdjusted(parquet.Nanosecond, false),
			valueAs(func(t time.Time) parquet.Value { return parquet.Int64Value(t.UnixNano()) })
	case query.KindJSON:
		return parquet.JSON(), func(v any, buf *[]byte) (parquet.Value, error) {
			return parquet.ByteArrayValue(appendBytes(buf, jsonText(v))), nil
		}
	}
	// Text, and intervals: Parquet's INTERVAL has only milliseconds.
	return parquet.String(), func(v any, buf *[]byte) (parquet.Value, error) {
		return parquet.ByteArrayValue(appendBytes(buf, textValue(v))), nil
	}
}

// parquetDecimal stores a decimal in the smallest physical type its
// precision allows: INT32, INT64 or 16 bytes big-endian.
func parquetDecimal(t query.Type) (parquet.Node, parquetConv) {
	typ := parquet.FixedLenByteArrayType(16)
	switch {
	case t.Precision <= 9:
		typ = parquet.Int32Type
	case t.Precision <= 18:
		typ = parquet.Int64Type
	}
	return parquet.Decimal(t.Scale, t.Precision, typ), func(v any, buf *[]byte) (parquet.Value, error) {
		d, ok := v.(query.Decimal)
		if !ok {
			return parquet.Value{}, unexpected(v)
		}
		n, err := decimalNum(d, t.Scale)
		switch {
		case err != nil:
			return parquet.Value{}, err
		case t.Precision <= 9:
			return parquet.Int32Value(int32(n.LowBits())), nil
		case t.Precision <= 18:
			return parquet.Int64Value(int64(n.LowBits())), nil
		}
		var b [16]byte
		binary.BigEndian.PutUint64(b[:8], uint64(n.HighBits()))
		binary.BigEndian.PutUint64(b[8:], n.LowBits())
		return parquet.FixedLenByteArrayValue(appendBytes(buf, b[:])), nil
	}
}

// parquetRoot is a Parquet schema's root group with its columns in the
// result's order: a parquet.Group sorts them by name.
type parquetRoot []parquet.Field

func (r parquetRoot) ID() int                     { return 0 }
func (r parquetRoot) Type() parquet.Type          { return parquet.Group{}.Type() }
func (r parquetRoot) Optional() bool              { return false }
func (r parquetRoot) Repeated() bool              { return false }
func (r parquetRoot) Required() bool              { return true }
func (r parquetRoot) Leaf() bool                  { return false }
func (r parquetRoot) Fields() []parquet.Field     { return r }
func (r parquetRoot) Encoding() encoding.Encoding { return nil }
func (r parquetRoot) Compression() compress.Codec { return nil }
func (r parquetRoot) GoType() reflect.Type        { return reflect.TypeFor[map[string]any]() }

func (r parquetRoot) String() string {
	var b strings.Builder
	parquet.PrintSchema(&b, "result", r)
	return b.String()
}

// parquetField is a column of a parquetRoot.
type parquetField struct {
	parquet.Node
	name string
}

func (f parquetField) Name() string { return f.name }

func (f parquetField) Value(base reflect.Value) reflect.Value {
	return base.MapIndex(reflect.ValueOf(f.name))
}
