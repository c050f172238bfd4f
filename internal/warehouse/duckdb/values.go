package duckdb

import (
	"database/sql"
	"fmt"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/tarnlake/tarn/internal/format"
	"github.com/tarnlake/tarn/internal/warehouse"
)

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
