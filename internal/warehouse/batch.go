package warehouse

import (
	"bytes"
	"context"
	"fmt"
	"iter"
	"math"
	"math/big"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/tarnlake/tarn/internal/format"
)

// Loads travel as Arrow record batches, a column each: values stay typed
// and unboxed from the reader that makes them to the store that keeps
// them (boxing each in an `any` cost more than DuckDB's own work).

// BatchRows is how many rows RowBatches puts in a batch.
const BatchRows = 8192

// ArrowType is the Arrow type a column's values travel as: SMALLINT for
// TINYINT too, DATE as days, TIMESTAMP as microseconds (in UTC for
// TIMESTAMPTZ), CHAR and VARCHAR as strings.
func ArrowType(c Column) arrow.DataType {
	switch c.Type.Kind {
	case format.KindBoolean:
		return arrow.FixedWidthTypes.Boolean
	case format.KindTinyint, format.KindSmallint:
		return arrow.PrimitiveTypes.Int16
	case format.KindInt:
		return arrow.PrimitiveTypes.Int32
	case format.KindBigint:
		return arrow.PrimitiveTypes.Int64
	case format.KindFloat:
		return arrow.PrimitiveTypes.Float32
	case format.KindDouble:
		return arrow.PrimitiveTypes.Float64
	case format.KindDecimal:
		return &arrow.Decimal128Type{Precision: int32(c.Type.Precision), Scale: int32(c.Type.Scale)}
	case format.KindDate:
		return arrow.FixedWidthTypes.Date32
	case format.KindTimestamp:
		if c.TZ {
			return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
		}
		return &arrow.TimestampType{Unit: arrow.Microsecond}
	case format.KindBinary:
		return arrow.BinaryTypes.Binary
	}
	return arrow.BinaryTypes.String
}

// Schema is the batches' schema for columns.
func Schema(cols []Column) *arrow.Schema {
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fields[i] = arrow.Field{Name: c.Name, Type: ArrowType(c), Nullable: true}
	}
	return arrow.NewSchema(fields, nil)
}

// Batcher puts rows of Go values into record batches of columns.
type Batcher struct {
	cols []Column
	bld  *array.RecordBuilder
	add  []appendFunc
}

// NewBatcher makes a batcher for cols.
func NewBatcher(cols []Column) *Batcher {
	b := &Batcher{cols: cols, bld: array.NewRecordBuilder(memory.DefaultAllocator, Schema(cols)), add: make([]appendFunc, len(cols))}
	for i, c := range cols {
		b.add[i] = appender(c)
	}
	return b
}

// Builder is column i's builder, for readers that append typed values
// themselves.
func (b *Batcher) Builder(i int) array.Builder { return b.bld.Field(i) }

// Len is how many rows the batch holds so far.
func (b *Batcher) Len() int { return b.bld.Field(0).Len() }

// Append adds a row: nil, or the Go values Rows gives (string, bool,
// int16, int32, int64, float32, float64, time.Time, []byte), a Decimal or
// a decimal's text. After an error the batch is not whole: the load it
// belongs to has failed.
func (b *Batcher) Append(vals []any) error {
	if len(vals) != len(b.cols) {
		return fmt.Errorf("a row of %d values for %d columns", len(vals), len(b.cols))
	}
	for i, v := range vals {
		fb := b.bld.Field(i)
		if v == nil {
			fb.AppendNull()
			continue
		}
		if err := b.add[i](fb, v); err != nil {
			return fmt.Errorf("column %s: %w", b.cols[i].Name, err)
		}
	}
	return nil
}

// Batch takes the rows appended so far as a record batch; the next
// starts empty.
func (b *Batcher) Batch() arrow.RecordBatch { return b.bld.NewRecordBatch() }

// RowBatches turns rows of Go values (as Append takes them) for cols into
// record batches.
func RowBatches(cols []Column, rows iter.Seq2[[]any, error]) iter.Seq2[arrow.RecordBatch, error] {
	return func(yield func(arrow.RecordBatch, error) bool) {
		b := NewBatcher(cols)
		n := int64(0)
		for vals, err := range rows {
			if err == nil {
				n++
				if err = b.Append(vals); err != nil {
					err = fmt.Errorf("row %d: %w", n, err)
				}
			}
			if err != nil {
				yield(nil, err)
				return
			}
			if b.Len() == BatchRows && !yield(b.Batch(), nil) {
				return
			}
		}
		if b.Len() > 0 {
			yield(b.Batch(), nil)
		}
	}
}

// LoadRows loads rows of Go values (as Batcher.Append takes them) into
// t's columns, typed as the table has them.
func LoadRows(ctx context.Context, st Store, t Target, rows iter.Seq2[[]any, error]) (int64, error) {
	cols, err := TargetColumns(ctx, st, t)
	if err != nil {
		return 0, err
	}
	return st.Load(ctx, t, RowBatches(cols, rows))
}

// TargetColumns are t's columns as its table has them; ErrNoTable if
// there is no such table.
func TargetColumns(ctx context.Context, st Store, t Target) ([]Column, error) {
	ts, err := st.Tables(ctx, t.Schema)
	if err != nil {
		return nil, err
	}
	for _, tb := range ts {
		if tb.Name != t.Table {
			continue
		}
		byName := map[string]Column{}
		for _, c := range tb.Columns {
			byName[c.Name] = c
		}
		cols := make([]Column, len(t.Columns))
		for i, name := range t.Columns {
			c, ok := byName[name]
			if !ok {
				return nil, fmt.Errorf("warehouse table %s.%s has no column %s", t.Schema, t.Table, name)
			}
			cols[i] = c
		}
		return cols, nil
	}
	return nil, fmt.Errorf("%w: %s.%s", ErrNoTable, t.Schema, t.Table)
}

// CheckSchema says whether a batch has the columns' types, in order.
func CheckSchema(s *arrow.Schema, cols []Column) error {
	if s.NumFields() != len(cols) {
		return fmt.Errorf("a batch of %d columns for %d", s.NumFields(), len(cols))
	}
	for i, c := range cols {
		if want := ArrowType(c); !arrow.TypeEqual(s.Field(i).Type, want) {
			return fmt.Errorf("column %s comes as %s, not %s", c.Name, s.Field(i).Type, want)
		}
	}
	return nil
}

// appendFunc appends a value that is not nil to a column's builder.
type appendFunc func(array.Builder, any) error

func appender(c Column) appendFunc {
	switch c.Type.Kind {
	case format.KindBoolean:
		return func(b array.Builder, v any) error {
			x, ok := v.(bool)
			if !ok {
				return mismatch(v, "boolean")
			}
			b.(*array.BooleanBuilder).Append(x)
			return nil
		}
	case format.KindTinyint, format.KindSmallint:
		return func(b array.Builder, v any) error {
			n, err := toInt(v, math.MinInt16, math.MaxInt16)
			b.(*array.Int16Builder).Append(int16(n))
			return err
		}
	case format.KindInt:
		return func(b array.Builder, v any) error {
			n, err := toInt(v, math.MinInt32, math.MaxInt32)
			b.(*array.Int32Builder).Append(int32(n))
			return err
		}
	case format.KindBigint:
		return func(b array.Builder, v any) error {
			n, err := toInt(v, math.MinInt64, math.MaxInt64)
			b.(*array.Int64Builder).Append(n)
			return err
		}
	case format.KindFloat:
		return func(b array.Builder, v any) error {
			f, err := toFloat(v)
			b.(*array.Float32Builder).Append(float32(f))
			return err
		}
	case format.KindDouble:
		return func(b array.Builder, v any) error {
			f, err := toFloat(v)
			b.(*array.Float64Builder).Append(f)
			return err
		}
	case format.KindDecimal:
		prec, scale := c.Type.Precision, c.Type.Scale
		return func(b array.Builder, v any) error {
			n, err := decimalValue(v, prec, scale)
			b.(*array.Decimal128Builder).Append(n)
			return err
		}
	case format.KindDate:
		return func(b array.Builder, v any) error {
			t, ok := v.(time.Time)
			if !ok {
				return mismatch(v, "date")
			}
			b.(*array.Date32Builder).Append(Days(t))
			return nil
		}
	case format.KindTimestamp:
		return func(b array.Builder, v any) error {
			t, ok := v.(time.Time)
			if !ok {
				return mismatch(v, "timestamp")
			}
			if !MicrosFit(t) {
				return fmt.Errorf("timestamp %s is out of range", t.Format(time.RFC3339))
			}
			b.(*array.TimestampBuilder).Append(arrow.Timestamp(t.UnixMicro()))
			return nil
		}
	case format.KindBinary:
		return func(b array.Builder, v any) error {
			x, ok := v.([]byte)
			if !ok {
				return mismatch(v, "varbyte")
			}
			b.(*array.BinaryBuilder).Append(x)
			return nil
		}
	}
	return func(b array.Builder, v any) error {
		switch x := v.(type) {
		case string:
			b.(*array.StringBuilder).Append(x)
		case []byte:
			b.(*array.StringBuilder).BinaryBuilder.Append(x)
		default:
			return mismatch(v, "varchar")
		}
		return nil
	}
}

// Timestamps travel as int64 microseconds since 1970: about 292,000
// years either way.
var (
	minMicros = time.UnixMicro(math.MinInt64)
	maxMicros = time.UnixMicro(math.MaxInt64)
)

// MicrosFit says whether t is a timestamp batches can carry.
func MicrosFit(t time.Time) bool { return !t.Before(minMicros) && !t.After(maxMicros) }

// Days is a date's days since 1970-01-01.
func Days(t time.Time) arrow.Date32 {
	s := t.Unix()
	d := s / 86400
	if s < 0 && s%86400 != 0 {
		d--
	}
	return arrow.Date32(d)
}

func mismatch(v any, typ string) error {
	return fmt.Errorf("a Go %T is not a %s value", v, typ)
}

func toInt(v any, lo, hi int64) (int64, error) {
	var n int64
	switch x := v.(type) {
	case int16:
		n = int64(x)
	case int32:
		n = int64(x)
	case int64:
		n = x
	case int:
		n = int64(x)
	case int8:
		n = int64(x)
	default:
		return 0, mismatch(v, "integer")
	}
	if n < lo || n > hi {
		return 0, fmt.Errorf("%d is out of range", n)
	}
	return n, nil
}

func toFloat(v any) (float64, error) {
	switch x := v.(type) {
	case float64:
		return x, nil
	case float32:
		return float64(x), nil
	}
	return 0, mismatch(v, "float")
}

// decimalValue is v unscaled at scale (digits past it are cut, as a load
// does), checked against the precision: a store takes an Arrow decimal's
// digits as they are.
func decimalValue(v any, prec, scale int) (decimal128.Num, error) {
	var d Decimal
	switch x := v.(type) {
	case Decimal:
		d = x
	case string:
		u, err := ParseDecimal(x, scale)
		if err != nil {
			return decimal128.Num{}, err
		}
		d = Decimal{Unscaled: u, Scale: scale}
	default:
		return decimal128.Num{}, mismatch(v, "numeric")
	}
	return DecimalNum(d, prec, scale)
}

// DecimalNum is d unscaled at scale, as an Arrow decimal of precision
// prec; digits past the scale are cut.
func DecimalNum(d Decimal, prec, scale int) (decimal128.Num, error) {
	if small, ok := d.Int64(); ok && d.Scale == scale && prec <= 18 {
		if lim := pow10(prec); small >= lim || small <= -lim {
			return decimal128.Num{}, fmt.Errorf("%s is out of range for numeric(%d,%d)", d, prec, scale)
		}
		return decimal128.FromI64(small), nil
	}
	u := d.Int()
	if d.Scale != scale {
		u = new(big.Int).Set(u)
		ten := big.NewInt(10)
		for s := d.Scale; s < scale; s++ {
			u.Mul(u, ten)
		}
		for s := d.Scale; s > scale; s-- {
			u.Quo(u, ten)
		}
	}
	if new(big.Int).Abs(u).Cmp(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(prec)), nil)) >= 0 {
		return decimal128.Num{}, fmt.Errorf("%s is out of range for numeric(%d,%d)", d, prec, scale)
	}
	return decimal128.FromBigInt(u), nil
}

func pow10(n int) int64 {
	p := int64(1)
	for range n {
		p *= 10
	}
	return p
}

// DecimalInt64 is n if it fits 64 bits.
func DecimalInt64(n decimal128.Num) (int64, bool) {
	lo, hi := n.LowBits(), n.HighBits()
	return int64(lo), hi == 0 && lo <= math.MaxInt64 || hi == -1 && lo > math.MaxInt64
}

// Value is row i of column a as the Go value Append takes (nil for NULL;
// a decimal as a Decimal), kept apart from a's memory.
func Value(a arrow.Array, i int) any {
	if a.IsNull(i) {
		return nil
	}
	switch x := a.(type) {
	case *array.Boolean:
		return x.Value(i)
	case *array.Int8:
		return int16(x.Value(i))
	case *array.Int16:
		return x.Value(i)
	case *array.Int32:
		return x.Value(i)
	case *array.Int64:
		return x.Value(i)
	case *array.Float32:
		return x.Value(i)
	case *array.Float64:
		return x.Value(i)
	case *array.Decimal128:
		n, scale := x.Value(i), int(x.DataType().(*arrow.Decimal128Type).Scale)
		if small, ok := DecimalInt64(n); ok {
			return Decimal{Small: small, Scale: scale}
		}
		return Decimal{Unscaled: n.BigInt(), Scale: scale}
	case *array.Date32:
		return time.Unix(int64(x.Value(i))*86400, 0).UTC()
	case *array.Timestamp:
		return time.UnixMicro(int64(x.Value(i))).UTC()
	case *array.Binary:
		return bytes.Clone(x.Value(i))
	case *array.String:
		return strings.Clone(x.Value(i))
	}
	return fmt.Sprint(a.GetOneForMarshal(i))
}
