package engine

import (
	"context"
	"database/sql"
	"fmt"
	"sort"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/tarnlake/tarn/internal/query"
)

// rows adapts database/sql rows to query.Rows, turning DuckDB's Go values
// into the query package's.
type rows struct {
	ctx  context.Context
	r    *sql.Rows
	text string
	cols []query.Column
	vals []any
	ptrs []any
	err  error
}

func newRows(ctx context.Context, r *sql.Rows, text string) (*rows, error) {
	types, err := r.ColumnTypes()
	if err != nil {
		return nil, sqlError(ctx, err, text)
	}
	out := &rows{ctx: ctx, r: r, text: text, cols: make([]query.Column, len(types))}
	for i, t := range types {
		out.cols[i] = query.Column{Name: t.Name(), Type: columnType(t.DatabaseTypeName())}
	}
	out.vals = make([]any, len(types))
	out.ptrs = make([]any, len(types))
	for i := range out.ptrs {
		out.ptrs[i] = &out.vals[i]
	}
	return out, nil
}

func (r *rows) Columns() []query.Column { return r.cols }

func (r *rows) Next() bool {
	if r.err != nil || !r.r.Next() {
		return false
	}
	for i := range r.vals {
		r.vals[i] = nil
	}
	if err := r.r.Scan(r.ptrs...); err != nil {
		r.err = sqlError(r.ctx, err, r.text)
		return false
	}
	for i, v := range r.vals {
		r.vals[i] = convert(v, &r.cols[i].Type)
	}
	return true
}

func (r *rows) Values() []any { return r.vals }

func (r *rows) Err() error {
	if r.err != nil {
		return r.err
	}
	if err := r.r.Err(); err != nil {
		return sqlError(r.ctx, err, r.text)
	}
	return nil
}

func (r *rows) Close() error { return r.r.Close() }

// columnType reads the driver's name of a result column's type; a type
// newer than this code is text to the front ends.
func columnType(name string) query.Type {
	t, err := query.ParseType(name)
	if err != nil {
		return query.Type{Kind: query.KindVarchar}
	}
	return t
}

var unknownType query.Type

// convert maps DuckDB's driver values of type t (nil when unknown) to
// query's.
func convert(v any, t *query.Type) any {
	if t == nil {
		t = &unknownType
	}
	switch x := v.(type) {
	case duckdb.Decimal:
		return query.Decimal{Value: x.Value.String(), Scale: int(x.Scale)}
	case duckdb.Interval:
		return query.Interval{Months: x.Months, Days: x.Days, Micros: x.Micros}
	case duckdb.OrderedMap:
		keys, vals := x.Keys(), x.Values()
		m := query.Map{Keys: make([]any, len(keys)), Values: make([]any, len(vals))}
		for i := range keys {
			m.Keys[i], m.Values[i] = convert(keys[i], t.Key), convert(vals[i], t.Value)
		}
		return m
	case duckdb.Map:
		m := query.Map{}
		keys := make([]any, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool { return fmt.Sprint(keys[i]) < fmt.Sprint(keys[j]) })
		for _, k := range keys {
			m.Keys, m.Values = append(m.Keys, convert(k, t.Key)), append(m.Values, convert(x[k], t.Value))
		}
		return m
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = convert(e, t.Elem)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for i, f := range t.Fields {
			if e, ok := x[f.Name]; ok {
				out[f.Name] = convert(e, &t.Fields[i].Type)
			}
		}
		if len(out) < len(x) { // fields the type does not name
			for k, e := range x {
				if _, ok := out[k]; !ok {
					out[k] = convert(e, nil)
				}
			}
		}
		return out
	case []byte:
		if t.Kind == query.KindUUID && len(x) == 16 {
			return [16]byte(x)
		}
		return append([]byte(nil), x...) // the driver may reuse it
	case duckdb.UUID:
		return [16]byte(x)
	case *duckdb.UUID:
		return [16]byte(*x)
	case duckdb.Union:
		return convert(x.Value, memberType(t, x.Tag))
	}
	return v
}

// memberType is the type of a union's member, nil if t has none of that
// name.
func memberType(t *query.Type, name string) *query.Type {
	for i := range t.Fields {
		if t.Fields[i].Name == name {
			return &t.Fields[i].Type
		}
	}
	return nil
}

// emptyRows is the result of a statement that returns none.
type emptyRows struct{}

func (emptyRows) Columns() []query.Column { return nil }
func (emptyRows) Next() bool              { return false }
func (emptyRows) Values() []any           { return nil }
func (emptyRows) Err() error              { return nil }
func (emptyRows) Close() error            { return nil }
