package duckdb

import (
	"database/sql"
	"fmt"
	"math/big"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/tarnlake/tarn/internal/format"
	"github.com/tarnlake/tarn/internal/warehouse"
)

// value converts a seam value into the Go type DuckDB's appender takes
// for the column.
func value(c warehouse.Column, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch c.Type.Kind {
	case format.KindDecimal:
		var s string
		switch x := v.(type) {
		case warehouse.Decimal:
			return scaled(x, c.Type.Scale, c.Type.Precision), nil
		case string:
			s = x
		default:
			s = fmt.Sprint(x)
		}
		return decimal(s, c.Type.Scale, c.Type.Precision)
	case format.KindTinyint, format.KindSmallint:
		return toInt[int16](v)
	case format.KindInt:
		return toInt[int32](v)
	case format.KindBigint:
		return toInt[int64](v)
	case format.KindFloat:
		if f, ok := v.(float64); ok {
			return float32(f), nil
		}
	case format.KindDouble:
		if f, ok := v.(float32); ok {
			return float64(f), nil
		}
	}
	return v, nil
}

func toInt[T int16 | int32 | int64](v any) (any, error) {
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
	default:
		return v, nil
	}
	if int64(T(n)) != n {
		return nil, fmt.Errorf("%d is out of range", n)
	}
	return T(n), nil
}

// scaled is d at the column's scale (more digits are cut, as a load does).
func scaled(d warehouse.Decimal, scale, width int) duckdb.Decimal {
	v := d.Int()
	if d.Scale != scale {
		v = new(big.Int).Set(v)
		ten := big.NewInt(10)
		for s := d.Scale; s < scale; s++ {
			v.Mul(v, ten)
		}
		for s := d.Scale; s > scale; s-- {
			v.Quo(v, ten)
		}
	}
	return duckdb.Decimal{Width: uint8(width), Scale: uint8(scale), Value: v}
}

// decimal reads "-123.45" into DuckDB's decimal of the column's scale.
func decimal(s string, scale, width int) (duckdb.Decimal, error) {
	v, err := warehouse.ParseDecimal(s, scale)
	if err != nil {
		return duckdb.Decimal{}, err
	}
	return duckdb.Decimal{Width: uint8(width), Scale: uint8(scale), Value: v}, nil
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
