package pgwire

import (
	"context"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tarnlake/tarn/internal/query"
)

// fakeEngine answers a fixed set of statements with fixed rows.
type fakeEngine struct {
	mu        sync.Mutex
	open      int         // sessions not yet closed
	args      []any       // of the last statement
	stmts     []string    // every statement run, in order
	cancelled chan string // statements that saw their context end
}

func newFakeEngine() *fakeEngine {
	return &fakeEngine{cancelled: make(chan string, 16)}
}

func (e *fakeEngine) Session(ctx context.Context, user string) (query.Session, error) {
	if user == "nosession" {
		return nil, &query.Error{Code: "XX000", Message: "no session for you"}
	}
	e.mu.Lock()
	e.open++
	e.mu.Unlock()
	return &fakeSession{e: e}, nil
}

func (e *fakeEngine) noteCancel(sql string) {
	select {
	case e.cancelled <- sql:
	default:
	}
}

func (e *fakeEngine) openSessions() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.open
}

func (e *fakeEngine) lastArgs() []any {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.args
}

type fakeSession struct {
	e      *fakeEngine
	closed bool
}

func (s *fakeSession) Close() error {
	if !s.closed {
		s.closed = true
		s.e.mu.Lock()
		s.e.open--
		s.e.mu.Unlock()
	}
	return nil
}

var (
	tstzZone = time.FixedZone("x", 2*3600)
	testUUID = [16]byte{0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0}
	hugeInt  = func() *big.Int {
		n, _ := new(big.Int).SetString("170141183460469231731687303715884105727", 10)
		return n
	}()
)

// col is a result column of the engine type typ.
func col(name, typ string) query.Column {
	return query.Column{Name: name, Type: query.MustParseType(typ)}
}

// typeCols and typeRow hold one value of every type the server maps.
var typeCols = []query.Column{
	col("b", "BOOLEAN"), col("i2", "SMALLINT"), col("i4", "INTEGER"), col("i8", "BIGINT"),
	col("f4", "FLOAT"), col("f8", "DOUBLE"), col("dec", "DECIMAL(10,2)"), col("huge", "HUGEINT"),
	col("s", "VARCHAR"), col("by", "BLOB"), col("d", "DATE"), col("t", "TIME"), col("ts", "TIMESTAMP"),
	col("tstz", "TIMESTAMP WITH TIME ZONE"), col("iv", "INTERVAL"), col("u", "UUID"), col("j", "JSON"),
	col("li", "BIGINT[]"), col("ls", "VARCHAR[]"), col("st", "STRUCT(y VARCHAR, x INTEGER)"),
	col("m", "MAP(VARCHAR, INTEGER)"), col("ub", "UBIGINT"), col("ut", "UTINYINT"),
}

var typeRow = []any{
	true, int16(-2), int32(4), int64(1 << 40),
	float32(1.5), 3.25, query.Decimal{Value: "-12345", Scale: 2}, hugeInt,
	`hello, "world"`, []byte{0xde, 0xad, 0xbe, 0xef}, time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC),
	time.Date(1, 1, 1, 13, 14, 15, 500000000, time.UTC), time.Date(2024, 2, 29, 13, 14, 15, 123456000, time.UTC),
	time.Date(2024, 2, 29, 13, 14, 15, 0, tstzZone), query.Interval{Months: 14, Days: 3, Micros: (4*3600 + 5*60 + 6) * 1e6},
	testUUID, `{"a":1}`,
	[]any{int64(1), nil, int64(3)}, []any{"a", "b c", nil, ""}, map[string]any{"x": int32(1), "y": "z"},
	query.Map{Keys: []any{"k"}, Values: []any{int32(7)}}, uint64(18446744073709551615), uint8(255),
}

// typeText is typeRow in PostgreSQL's text format.
var typeText = []string{
	"t", "-2", "4", "1099511627776", "1.5", "3.25", "-123.45", "170141183460469231731687303715884105727",
	`hello, "world"`, `\xdeadbeef`, "2024-02-29", "13:14:15.5", "2024-02-29 13:14:15.123456",
	"2024-02-29 11:14:15+00", "1 year 2 mons 3 days 04:05:06", "12345678-9abc-def0-1234-56789abcdef0", `{"a":1}`,
	"{1,NULL,3}", `{a,"b c",NULL,""}`, `{"y": "z", "x": 1}`, `{"k": 7}`, "18446744073709551615", "255",
}

type fakeResult struct {
	cols  []query.Column
	rows  [][]any
	tag   string
	err   error
	gen   bool  // endless rows until the context ends
	block bool  // the statement waits for its context
	fail  error // returned by Rows.Err after the rows
}

var castRe = regexp.MustCompile(`\$(\d+)::([a-z0-9_]+(?:\[\])?)`)

func (s *fakeSession) lookup(sql string, args []any) fakeResult {
	q := strings.ToLower(strings.Join(strings.Fields(sql), " "))
	switch q {
	case "select 1":
		return fakeResult{cols: []query.Column{col("?column?", "INTEGER")}, rows: [][]any{{int32(1)}}}
	case "select * from types":
		nulls := make([]any, len(typeRow))
		return fakeResult{cols: typeCols, rows: [][]any{typeRow, nulls}}
	case "selec 1":
		return fakeResult{err: &query.Error{Code: query.CodeSyntax, Message: `syntax error at or near "selec"`, Position: 1}}
	case "select pg_sleep(10)":
		return fakeResult{cols: []query.Column{col("pg_sleep", "VARCHAR")}, block: true}
	case "select * from big":
		return fakeResult{cols: []query.Column{col("n", "BIGINT"), col("pad", "VARCHAR")}, gen: true}
	case "select n from series":
		return fakeResult{cols: []query.Column{col("n", "BIGINT")}, rows: [][]any{{int64(1)}, {int64(2)}, {int64(3)}, {int64(4)}, {int64(5)}}}
	case "select fail":
		return fakeResult{cols: []query.Column{col("n", "BIGINT")}, rows: [][]any{{int64(1)}},
			fail: &query.Error{Code: query.CodeDivisionByZero, Message: "division by zero"}}
	case "select * from t", "select a, b from t":
		return fakeResult{cols: []query.Column{col("a", "INTEGER"), col("b", "VARCHAR")},
			rows: [][]any{{int32(1), "x,y"}, {int32(2), "say \"hi\"\tnow\nok"}, {nil, ""}, {int32(4), nil}}}
	case "begin", "commit", "rollback", "set x = 'y'":
		return fakeResult{tag: strings.ToUpper(strings.Fields(q)[0])}
	case "insert into t values (1)":
		return fakeResult{tag: "INSERT 0 1"}
	case "create table t (a int)":
		return fakeResult{tag: "CREATE TABLE"}
	}
	if strings.HasPrefix(q, "set ") {
		return fakeResult{err: &query.Error{Code: "42704", Message: "unrecognized configuration parameter: " + q}}
	}
	if m := castRe.FindAllStringSubmatch(q, -1); m != nil { // select $1::int8, $2::text …
		var cols []query.Column
		row := make([]any, len(m))
		for i, g := range m {
			typ, _ := query.ParseType(g[2]) // what the engine cannot name goes as text
			cols = append(cols, query.Column{Name: "v" + g[1], Type: typ})
			if i < len(args) {
				row[i] = args[i]
			}
		}
		return fakeResult{cols: cols, rows: [][]any{row}}
	}
	return fakeResult{err: &query.Error{Code: query.CodeUndefinedTable, Message: "relation does not exist: " + q}}
}

func (s *fakeSession) Query(ctx context.Context, sql string, args ...any) (query.Result, error) {
	s.e.mu.Lock()
	s.e.args = args
	s.e.stmts = append(s.e.stmts, sql)
	s.e.mu.Unlock()
	r := s.lookup(sql, args)
	if r.err != nil {
		return query.Result{}, r.err
	}
	if r.block {
		<-ctx.Done()
		s.e.noteCancel(sql)
		return query.Result{}, ctx.Err()
	}
	if r.cols == nil {
		return query.Result{Tag: r.tag}, nil
	}
	return query.Result{Rows: &fakeRows{ctx: ctx, r: r, sql: sql, e: s.e, i: -1}, Tag: r.tag}, nil
}

func (s *fakeSession) Describe(ctx context.Context, sql string) (int, []query.Column, error) {
	r := s.lookup(sql, nil)
	n := 0
	for _, m := range regexp.MustCompile(`\$(\d+)`).FindAllStringSubmatch(sql, -1) {
		i, _ := strconv.Atoi(m[1])
		n = max(n, i)
	}
	return n, r.cols, r.err
}

type fakeRows struct {
	ctx context.Context
	e   *fakeEngine
	sql string
	r   fakeResult
	i   int
	cur []any
	err error
}

func (r *fakeRows) Columns() []query.Column { return r.r.cols }
func (r *fakeRows) Values() []any           { return r.cur }
func (r *fakeRows) Err() error              { return r.err }

// Close notes rows abandoned because their context ended.
func (r *fakeRows) Close() error {
	if r.ctx.Err() != nil && r.err == nil {
		r.err = r.ctx.Err()
		r.e.noteCancel(r.sql)
	}
	return nil
}

func (r *fakeRows) Next() bool {
	if r.err != nil {
		return false
	}
	if err := r.ctx.Err(); err != nil {
		r.err = err
		r.e.noteCancel(r.sql)
		return false
	}
	r.i++
	if r.r.gen {
		r.cur = []any{int64(r.i), strings.Repeat("x", 100)}
		return true
	}
	if r.i >= len(r.r.rows) {
		r.err = r.r.fail
		return false
	}
	r.cur = r.r.rows[r.i]
	return true
}
