package postgres

import (
	"math/big"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/tarnlake/tarn/internal/format"
	"github.com/tarnlake/tarn/internal/warehouse"
)

// typeOf is a result column's type, from its OID and modifier.
func typeOf(oid uint32, mod int32) warehouse.Column {
	c := warehouse.Column{}
	k := func(kind format.Kind) warehouse.Column { c.Type = format.Type{Kind: kind}; return c }
	switch oid {
	case pgtype.BoolOID:
		return k(format.KindBoolean)
	case pgtype.Int2OID:
		return k(format.KindSmallint)
	case pgtype.Int4OID:
		return k(format.KindInt)
	case pgtype.Int8OID:
		return k(format.KindBigint)
	case pgtype.Float4OID:
		return k(format.KindFloat)
	case pgtype.Float8OID:
		return k(format.KindDouble)
	case pgtype.NumericOID:
		c.Type = format.Type{Kind: format.KindDecimal, Precision: 38, Scale: 10}
		if mod >= 4 { // (precision << 16 | scale) + 4
			c.Type.Precision, c.Type.Scale = int((mod-4)>>16), int((mod-4)&0xffff)
		}
		return c
	case pgtype.DateOID:
		return k(format.KindDate)
	case pgtype.TimestampOID:
		return k(format.KindTimestamp)
	case pgtype.TimestamptzOID:
		c = k(format.KindTimestamp)
		c.TZ = true
		return c
	case pgtype.ByteaOID:
		return k(format.KindBinary)
	case pgtype.BPCharOID:
		c = k(format.KindString)
		c.Char = true
		if mod > 4 {
			c.MaxLen = int(mod - 4)
		}
		return c
	case pgtype.VarcharOID:
		c = k(format.KindString)
		if mod > 4 {
			c.MaxLen = int(mod - 4)
		}
		return c
	}
	return k(format.KindString)
}

// result gives PostgreSQL's rows as the seam's Go values.
type result struct {
	rows pgx.Rows
	cols []warehouse.Column
}

func (r *result) Columns() []warehouse.Column { return r.cols }
func (r *result) Next() bool                  { return r.rows.Next() }
func (r *result) Err() error                  { return wrap(r.rows.Err()) }
func (r *result) Close() error                { r.rows.Close(); return nil }

func (r *result) Values() ([]any, error) {
	vals, err := r.rows.Values()
	if err != nil {
		return nil, err
	}
	for i, v := range vals {
		switch x := v.(type) {
		case pgtype.Numeric:
			vals[i] = numericString(x)
		case time.Time:
			vals[i] = x.UTC()
		}
	}
	return vals, nil
}

// numericString spells a numeric exactly, as the seam gives decimals.
func numericString(n pgtype.Numeric) any {
	switch {
	case !n.Valid || n.NaN:
		return nil
	case n.Int == nil:
		return "0"
	case n.Exp >= 0:
		return new(big.Int).Mul(n.Int, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n.Exp)), nil)).String()
	}
	return warehouse.FormatDecimal(n.Int, int(-n.Exp))
}
