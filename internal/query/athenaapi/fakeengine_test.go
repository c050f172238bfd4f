package athenaapi

import (
	"context"
	"fmt"
	"math/big"
	"sync"
	"time"

	"github.com/tarnlake/tarn/internal/query"
)

// fakeEngine answers fixed statements with fixed results and records
// what it was asked.
type fakeEngine struct {
	mu    sync.Mutex
	calls []fakeCall
}

type fakeCall struct {
	user, sql string
	args      []any
}

func (f *fakeEngine) Session(ctx context.Context, user string) (query.Session, error) {
	return &fakeSession{f: f, user: user}, nil
}

func (f *fakeEngine) recorded() []fakeCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeCall(nil), f.calls...)
}

type fakeSession struct {
	f    *fakeEngine
	user string
}

func (s *fakeSession) Close() error { return nil }

func (s *fakeSession) Describe(ctx context.Context, sql string) (int, []query.Column, error) {
	return 0, nil, nil
}

var (
	typesCols = []query.Column{
		col("b", "BOOLEAN"), col("i", "BIGINT"), col("d", "DOUBLE"), col("s", "VARCHAR"), col("day", "DATE"),
		col("ts", "TIMESTAMP"), col("dec", "DECIMAL(10,2)"), col("bin", "BLOB"), col("list", "INTEGER[]"),
		col("st", "STRUCT(a INTEGER, \"b c\" VARCHAR)"), col("m", "MAP(VARCHAR, INTEGER)"), col("u", "UUID"), col("h", "HUGEINT"),
	}
	typesRow = []any{true, int64(-7), 1.5, "say \"hi\", then\nbye", time.Date(2024, 1, 31, 0, 0, 0, 0, time.UTC),
		time.Date(2024, 1, 31, 13, 4, 5, 123456789, time.UTC), query.Decimal{Value: "-1205", Scale: 2}, []byte("hi"),
		[]any{int32(1), nil, int32(3)}, map[string]any{"a": int32(1), "b c": "x"}, query.Map{Keys: []any{"k"}, Values: []any{int32(2)}},
		[16]byte{0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 1, 2, 3, 4, 5, 6, 7, 8}, new(big.Int).Lsh(big.NewInt(1), 70)}
)

// bigRows is how many rows "SELECT big" returns.
const bigRows = 2500

func (s *fakeSession) Query(ctx context.Context, sql string, args ...any) (query.Result, error) {
	s.f.mu.Lock()
	s.f.calls = append(s.f.calls, fakeCall{s.user, sql, args})
	s.f.mu.Unlock()
	switch {
	case sql == "SELECT 1":
		return rows("SELECT", []query.Column{col("_col0", "INTEGER")}, []any{int32(1)}), nil
	case sql == "SELECT types":
		return rows("SELECT", typesCols, typesRow, make([]any, len(typesCols))), nil
	case sql == "SELECT big":
		data := make([][]any, bigRows)
		for i := range data {
			data[i] = []any{int64(i), fmt.Sprintf("row %d", i)}
		}
		return rows("SELECT", []query.Column{col("n", "BIGINT"), col("label", "VARCHAR")}, data...), nil
	case sql == "SELEC 1":
		return query.Result{}, &query.Error{Code: "42601", Position: 8, Message: `syntax error at or near "SELEC"`}
	case sql == "SELECT sleep":
		<-ctx.Done()
		return query.Result{}, &query.Error{Code: query.CodeQueryCanceled, Message: "canceling statement"}
	case sql == "SHOW TABLES":
		return rows("SHOW", []query.Column{col("tab_name", "VARCHAR")}, []any{"orders"}, []any{"odd\tname\\"}, []any{nil}), nil
	case sql == "INSERT INTO t VALUES (1), (2)":
		return query.Result{Tag: "INSERT 0 2"}, nil
	case len(sql) > 4 && sql[:4] == "USE ":
		return query.Result{Tag: "SET"}, nil
	case sql == "CREATE TABLE t (x INT)":
		return query.Result{Tag: "CREATE TABLE"}, nil
	case len(args) > 0:
		r := make([]any, len(args))
		cols := make([]query.Column, len(args))
		for i := range args {
			cols[i] = col(fmt.Sprintf("p%d", i+1), "VARCHAR")
			r[i] = fmt.Sprint(args[i])
		}
		return rows("SELECT", cols, r), nil
	}
	return query.Result{}, &query.Error{Code: query.CodeUndefinedTable, Message: "no answer for " + sql}
}

func col(name, typ string) query.Column {
	return query.Column{Name: name, Type: query.MustParseType(typ)}
}

func rows(tag string, cols []query.Column, data ...[]any) query.Result {
	return query.Result{Tag: tag, Rows: &fakeRows{cols: cols, data: data, i: -1}}
}

type fakeRows struct {
	cols []query.Column
	data [][]any
	i    int
}

func (r *fakeRows) Columns() []query.Column { return r.cols }
func (r *fakeRows) Next() bool              { r.i++; return r.i < len(r.data) }
func (r *fakeRows) Values() []any           { return r.data[r.i] }
func (r *fakeRows) Err() error              { return nil }
func (r *fakeRows) Close() error            { return nil }
