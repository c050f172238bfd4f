package redshiftdata

import (
	"context"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tarnlake/tarn/internal/query"
)

// fakeEngine answers fixed statements with fixed results and records what
// it was asked, by session.
type fakeEngine struct {
	noTx     bool // BEGIN fails, as an engine without transactions would
	slowMeta bool // catalog queries wait for their context to end
	noCommit bool // COMMIT fails

	mu       sync.Mutex
	calls    []fakeCall
	sessions atomic.Int64
}

type fakeCall struct {
	session int64
	user    string
	sql     string
	args    []any
}

func (f *fakeEngine) Session(ctx context.Context, user string) (query.Session, error) {
	if user == "nobody" {
		return nil, &query.Error{Code: query.CodeInvalidAuth, Message: "no such key"}
	}
	return &fakeSession{f: f, user: user, id: f.sessions.Add(1)}, nil
}

func (f *fakeEngine) recorded() []fakeCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeCall(nil), f.calls...)
}

// sqls are the statements run so far, in order.
func (f *fakeEngine) sqls() []string {
	var out []string
	for _, c := range f.recorded() {
		out = append(out, c.sql)
	}
	return out
}

type fakeSession struct {
	f    *fakeEngine
	user string
	id   int64
}

func (s *fakeSession) Close() error { return nil }

func (s *fakeSession) Describe(ctx context.Context, sql string) (int, []query.Column, error) {
	return 0, nil, nil
}

var (
	typesCols = []query.Column{
		col("b", "BOOLEAN"), col("i", "BIGINT"), col("d", "DOUBLE"), col("s", "VARCHAR"), col("day", "DATE"),
		col("ts", "TIMESTAMP"), col("tz", "TIMESTAMP WITH TIME ZONE"), col("dec", "DECIMAL(10,2)"), col("bin", "BLOB"),
		col("list", "INTEGER[]"), col("st", `STRUCT("a" INTEGER, "b c" VARCHAR)`), col("m", "MAP(VARCHAR, INTEGER)"),
		col("u", "UUID"), col("h", "HUGEINT"), col("iv", "INTERVAL"), col("f", "FLOAT"), col("t", "TIME"), col("ub", "UBIGINT"),
	}
	typesRow = []any{true, int64(-7), 1.5, "say \"hi\"\n\x01", time.Date(2024, 1, 31, 0, 0, 0, 0, time.UTC),
		time.Date(2024, 1, 31, 13, 4, 5, 123456000, time.UTC), time.Date(2024, 1, 31, 13, 4, 5, 0, time.FixedZone("x", 3600)),
		query.Decimal{Value: "-1205", Scale: 2}, []byte("hi"), []any{int32(1), nil, int32(3)},
		map[string]any{"a": int32(1), "b c": "x"}, query.Map{Keys: []any{"k"}, Values: []any{int32(2)}},
		[16]byte{0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 1, 2, 3, 4, 5, 6, 7, 8}, new(big.Int).Lsh(big.NewInt(1), 70),
		query.Interval{Months: 14, Days: 3, Micros: 4*3600e6 + 5*60e6 + 6e6}, float32(0.25), time.Date(1, 1, 1, 8, 30, 0, 0, time.UTC),
		uint64(1 << 63)}
)

// bigRows is how many rows "SELECT big" returns.
const bigRows = 2500

// The engine's information_schema, as the fake answers it.
var (
	fakeSchemas = []string{"information_schema", "main", "pg_catalog", "sales", "sales_2024", "salesX2024"}
	fakeTables  = [][]any{
		{"main", "scratch", "LOCAL TEMPORARY"}, {"sales", "orders", "BASE TABLE"}, {"sales", "order_view", "VIEW"},
		{"sales_2024", "orders", "BASE TABLE"},
	}
	fakeColumns = [][]any{ // schema, table, name, type, nullable, default, length, precision, scale
		{"sales", "orders", "id", "BIGINT", "NO", nil, nil, int32(64), int32(0)},
		{"sales", "orders", "amount", "DECIMAL(12,2)", "YES", "0", nil, int32(12), int32(2)},
		{"sales", "orders", "note", "VARCHAR", "YES", nil, int64(200), nil, nil},
		{"sales_2024", "orders", "id", "BIGINT", "NO", nil, nil, int32(64), int32(0)},
	}
)

func (s *fakeSession) Query(ctx context.Context, sql string, args ...any) (query.Result, error) {
	s.f.mu.Lock()
	s.f.calls = append(s.f.calls, fakeCall{s.id, s.user, sql, args})
	s.f.mu.Unlock()
	switch {
	case sql == "SELECT 1":
		return rows("SELECT", []query.Column{col("?column?", "INTEGER")}, []any{int32(1)}), nil
	case sql == "SELECT types":
		return rows("SELECT", typesCols, typesRow, make([]any, len(typesCols))), nil
	case sql == "SELECT big":
		data := make([][]any, bigRows)
		for i := range data {
			data[i] = []any{int64(i), fmt.Sprintf("row %d", i)}
		}
		return rows("SELECT", []query.Column{col("n", "BIGINT"), col("label", "VARCHAR")}, data...), nil
	case sql == "SELECT empty":
		return rows("SELECT", []query.Column{col("n", "BIGINT")}), nil
	case strings.HasPrefix(sql, "SELECT echo "):
		return rows("SELECT", []query.Column{col("sql", "VARCHAR")}, []any{strings.TrimPrefix(sql, "SELECT echo ")}), nil
	case sql == "SELEC 1":
		return query.Result{}, &query.Error{Code: query.CodeSyntax, Position: 1, Message: `syntax error at or near "SELEC"`}
	case sql == "SELECT denied":
		return query.Result{}, &query.Error{Code: "42501", Message: "permission denied for table secret"}
	case sql == "SELECT sleep" || s.f.slowMeta && strings.Contains(sql, "information_schema"):
		<-ctx.Done()
		return query.Result{}, &query.Error{Code: query.CodeQueryCanceled, Message: "canceling statement due to user request"}
	case strings.HasPrefix(sql, "INSERT"):
		return query.Result{Tag: "INSERT 0 2", Rows: &fakeRows{i: -1}}, nil
	case strings.HasPrefix(sql, "CREATE"):
		return query.Result{Tag: "CREATE TABLE"}, nil
	case sql == "BEGIN" && s.f.noTx:
		return query.Result{}, &query.Error{Code: query.CodeFeature, Message: "transactions are not supported"}
	case sql == "COMMIT" && s.f.noCommit:
		return query.Result{}, &query.Error{Code: "40001", Message: "could not serialize access"}
	case sql == "BEGIN" || sql == "COMMIT" || sql == "ROLLBACK":
		return query.Result{Tag: sql}, nil
	case strings.Contains(sql, "information_schema.schemata"):
		var data [][]any
		for _, n := range fakeSchemas {
			data = append(data, []any{n})
		}
		return rows("SELECT", []query.Column{col("schema_name", "VARCHAR")}, data...), nil
	case strings.Contains(sql, "information_schema.tables"):
		return rows("SELECT", []query.Column{col("table_schema", "VARCHAR"), col("table_name", "VARCHAR"), col("table_type", "VARCHAR")}, fakeTables...), nil
	case strings.Contains(sql, "information_schema.columns"):
		var data [][]any
		for _, c := range fakeColumns {
			if matchArgs(sql, args, c) {
				data = append(data, c)
			}
		}
		cols := []query.Column{col("table_schema", "VARCHAR"), col("table_name", "VARCHAR"), col("column_name", "VARCHAR"),
			col("data_type", "VARCHAR"), col("is_nullable", "VARCHAR"), col("column_default", "VARCHAR"),
			col("character_maximum_length", "INTEGER"), col("numeric_precision", "INTEGER"), col("numeric_scale", "INTEGER")}
		return rows("SELECT", cols, data...), nil
	}
	return query.Result{}, &query.Error{Code: query.CodeUndefinedTable, Message: "no answer for " + sql}
}

// matchArgs applies the table_schema = $n and table_name = $n conditions.
func matchArgs(sql string, args []any, row []any) bool {
	for i, arg := range args {
		p := fmt.Sprintf("$%d", i+1)
		switch {
		case strings.Contains(sql, "table_schema = "+p) && row[0] != arg:
			return false
		case strings.Contains(sql, "table_name = "+p) && row[1] != arg:
			return false
		}
	}
	return true
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
