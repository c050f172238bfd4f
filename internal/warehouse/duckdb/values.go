package duckdb

import (
	"database/sql"
	"fmt"
	"math"
	"math/big"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/tarnlake/tarn/internal/format"
	"github.com/tarnlake/tarn/internal/warehouse"
)

// appendFunc appends a value that is not nil to a column's builder.
type appendFunc func(array.Builder, any) error

// arrowType is the Arrow type a column's values are handed to DuckDB as,
// and how a seam value is appended: the Go types Rows gives, a Decimal,
// or a decimal's text.
func arrowType(c warehouse.Column) (arrow.DataType, appendFunc) {
	switch c.Type.Kind {
	case format.KindBoolean:
		return arrow.FixedWidthTypes.Boolean, func(b array.Builder, v any) error {
			x, ok := v.(bool)
			if !ok {
				return mismatch(v, "boolean")
			}
			b.(*array.BooleanBuilder).Append(x)
			return nil
		}
	case format.KindTinyint, format.KindSmallint:
		return arrow.PrimitiveTypes.Int16, func(b array.Builder, v any) error {
			n, err := toInt(v, math.MinInt16, math.MaxInt16)
			b.(*array.Int16Builder).Append(int16(n))
			return err
		}
	case format.KindInt:
		return arrow.PrimitiveTypes.Int32, func(b array.Builder, v any) error {
			n, err := toInt(v, math.MinInt32, math.MaxInt32)
			b.(*array.Int32Builder).Append(int32(n))
			return err
		}
	case format.KindBigint:
		return arrow.PrimitiveTypes.Int64, func(b array.Builder, v any) error {
			n, err := toInt(v, math.MinInt64, math.MaxInt64)
			b.(*array.Int64Builder).Append(n)
			return err
		}
	case format.KindFloat:
		return arrow.PrimitiveTypes.Float32, func(b array.Builder, v any) error {
			f, err := toFloat(v)
			b.(*array.Float32Builder).Append(float32(f))
			return err
		}
	case format.KindDouble:
		return arrow.PrimitiveTypes.Float64, func(b array.Builder, v any) error {
			f, err := toFloat(v)
			b.(*array.Float64Builder).Append(f)
			return err
		}
	case format.KindDecimal:
		prec, scale := c.Type.Precision, c.Type.Scale
		limit := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(prec)), nil)
		return &arrow.Decimal128Type{Precision: int32(prec), Scale: int32(scale)}, func(b array.Builder, v any) error {
			n, err := decimalValue(v, prec, scale, limit)
			b.(*array.Decimal128Builder).Append(n)
			return err
		}
	case format.KindDate:
		return arrow.FixedWidthTypes.Date32, func(b array.Builder, v any) error {
			t, ok := v.(time.Time)
			if !ok {
				return mismatch(v, "date")
			}
			days := t.Unix() / 86400
			if t.Unix() < 0 && t.Unix()%86400 != 0 {
				days--
			}
			b.(*array.Date32Builder).Append(arrow.Date32(days))
			return nil
		}
	case format.KindTimestamp:
		t := &arrow.TimestampType{Unit: arrow.Microsecond}
		if c.TZ {
			t.TimeZone = "UTC"
		}
		return t, func(b array.Builder, v any) error {
			t, ok := v.(time.Time)
			if !ok {
				return mismatch(v, "timestamp")
			}
			b.(*array.TimestampBuilder).Append(arrow.Timestamp(t.UnixMicro()))
			return nil
		}
	case format.KindBinary:
		return arrow.BinaryTypes.Binary, func(b array.Builder, v any) error {
			x, ok := v.([]byte)
			if !ok {
				return mismatch(v, "varbyte")
			}
			b.(*array.BinaryBuilder).Append(x)
			return nil
		}
	}
	return arrow.BinaryTypes.String, func(b array.Builder, v any) error {
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

// decimalValue is v unscaled at the column's scale (digits past it are
// cut, as a load does), checked against its precision: DuckDB takes an
// Arrow decimal's digits as they are.
func decimalValue(v any, prec, scale int, limit *big.Int) (decimal128.Num, error) {
	var d warehouse.Decimal
	switch x := v.(type) {
	case warehouse.Decimal:
		d = x
	case string:
		u, err := warehouse.ParseDecimal(x, scale)
		if err != nil {
			return decimal128.Num{}, err
		}
		d = warehouse.Decimal{Unscaled: u, Scale: scale}
	default:
		return decimal128.Num{}, mismatch(v, "numeric")
	}
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
	if new(big.Int).Abs(u).Cmp(limit) >= 0 {
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

// ColumnType is a warehouse column's DuckDB type: what the engine reads
// the column as.
func ColumnType(c warehouse.Column) (duckdb.TypeInfo, error) {
	t := duckdb.TYPE_VARCHAR
	switch c.Type.Kind {
	case format.KindBoolean:
		t = duckdb.TYPE_BOOLEAN
	case format.KindTinyint, format.KindSmallint:
		t = duckdb.TYPE_SMALLINT
	case format.KindInt:
		t = duckdb.TYPE_INTEGER
	case format.KindBigint:
		t = duckdb.TYPE_BIGINT
	case format.KindFloat:
		t = duckdb.TYPE_FLOAT
	case format.KindDouble:
		t = duckdb.TYPE_DOUBLE
	case format.KindDecimal:
		return duckdb.NewDecimalInfo(uint8(c.Type.Precision), uint8(c.Type.Scale))
	case format.KindDate:
		t = duckdb.TYPE_DATE
	case format.KindTimestamp:
		t = duckdb.TYPE_TIMESTAMP
		if c.TZ {
			t = duckdb.TYPE_TIMESTAMP_TZ
		}
	case format.KindBinary:
		t = duckdb.TYPE_BLOB
	}
	return duckdb.NewTypeInfo(t)
}

// result gives DuckDB's rows as the seam's Go values.
type result struct {
	rows *sql.Rows
	cols []warehouse.Column
	text []int // columns of types the seam has not: given as text
	vals []any
	ptrs []any
}

func (r *result) Columns() []warehouse.Column { return r.cols }
func (r *result) Next() bool                  { return r.rows.Next() }
func (r *result) Err() error                  { return wrap(r.rows.Err()) }
func (r *result) Close() error                { return r.rows.Close() }

func (r *result) Values() ([]any, error) {
	if err := r.rows.Scan(r.ptrs...); err != nil {
		return nil, err
	}
	out := make([]any, len(r.vals))
	for i, v := range r.vals {
		switch x := v.(type) {
		case duckdb.Decimal:
			out[i] = warehouse.FormatDecimal(x.Value, int(x.Scale))
		case int8:
			out[i] = int16(x)
		default:
			out[i] = v
		}
	}
	for _, i := range r.text {
		if out[i] != nil {
			out[i] = fmt.Sprint(out[i])
		}
	}
	return out, nil
}
