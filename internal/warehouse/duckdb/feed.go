package duckdb

import (
	"context"
	"database/sql"
	"fmt"
	"iter"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/tarnlake/tarn/internal/format"
	"github.com/tarnlake/tarn/internal/query/sqltext"
	"github.com/tarnlake/tarn/internal/warehouse"
)

// A load reaches the table as INSERT INTO … SELECT * FROM tarn_feed(id):
// DuckDB's threads fill vectors from the rows in parallel and each writes
// its row groups straight to the file, so the commit has little left to
// do. An appender does the same work on one thread and commits it through
// the WAL (about twice the time; measured in BenchmarkLoad).

const feedFunc = "tarn_feed"

// feedBatch rows are handed to one DuckDB vector at a time.
const feedBatch = 2048

// feed is one load's rows on their way into DuckDB.
type feed struct {
	ctx   context.Context // the load's: a cancelled load stops waiting for rows
	cols  []warehouse.Column
	infos []duckdb.ColumnInfo
	ch    <-chan [][]any
	mu    sync.Mutex
	next  int64 // rows handed out, for the row numbers of errors
	err   atomic.Pointer[error]
}

func (f *feed) fail(err error) error {
	f.err.CompareAndSwap(nil, &err)
	return err
}

// failed is the load's first error: the rows' own, or a value that would
// not convert.
func (f *feed) failed() error {
	if p := f.err.Load(); p != nil {
		return *p
	}
	return nil
}

func (f *feed) ColumnInfos() []duckdb.ColumnInfo     { return f.infos }
func (f *feed) Cardinality() *duckdb.CardinalityInfo { return nil }

// Init asks for every core: DuckDB takes a C table function's default of
// one thread otherwise.
func (f *feed) Init() duckdb.ParallelTableSourceInfo {
	return duckdb.ParallelTableSourceInfo{MaxThreads: runtime.GOMAXPROCS(0)}
}
func (f *feed) NewLocalState() any { return new(struct{}) }

func (f *feed) FillChunk(_ any, c duckdb.DataChunk) error {
	if err := f.failed(); err != nil {
		return err
	}
	f.mu.Lock()
	var rows [][]any
	var ok bool
	select {
	case rows, ok = <-f.ch:
	case <-f.ctx.Done():
		f.mu.Unlock()
		return f.fail(f.ctx.Err())
	}
	first := f.next
	f.next += int64(len(rows))
	f.mu.Unlock()
	if !ok {
		return c.SetSize(0)
	}
	for r, vals := range rows {
		if len(vals) != len(f.cols) {
			return f.fail(fmt.Errorf("row %d has %d values for %d columns", first+int64(r)+1, len(vals), len(f.cols)))
		}
		for i, v := range vals {
			if err := set(&c, i, r, f.cols[i], v); err != nil {
				return f.fail(fmt.Errorf("row %d column %s: %w", first+int64(r)+1, f.cols[i].Name, err))
			}
		}
	}
	return c.SetSize(len(rows))
}

// set writes v to row r of column i. The types loads give most are set
// as they come, boxed already (duckdb.SetChunkValue would copy the chunk
// to the heap on every call); a decimal that fits 64 bits is set as its
// unscaled integer, which is how DuckDB keeps DECIMAL(18) and narrower.
func set(c *duckdb.DataChunk, i, r int, col warehouse.Column, v any) error {
	switch x := v.(type) {
	case int64:
		if col.Type.Kind == format.KindBigint {
			return c.SetValue(i, r, v)
		}
	case string:
		if col.Type.Kind == format.KindString {
			return c.SetValue(i, r, v)
		}
	case time.Time:
		if col.Type.Kind == format.KindTimestamp || col.Type.Kind == format.KindDate {
			return c.SetValue(i, r, v)
		}
	case warehouse.Decimal:
		if u, ok := x.Int64(); ok && col.Type.Kind == format.KindDecimal && x.Scale == col.Type.Scale && col.Type.Precision <= 18 {
			// DuckDB narrows the integer without a check: a value past the
			// precision would wrap.
			if lim := pow10(col.Type.Precision); u >= lim || u <= -lim {
				return fmt.Errorf("%s is out of range for numeric(%d,%d)", x, col.Type.Precision, col.Type.Scale)
			}
			return c.SetValue(i, r, u)
		}
	}
	x, err := value(col, v)
	if err != nil {
		return err
	}
	return c.SetValue(i, r, x)
}

// feeds are the loads under way, by the id tarn_feed is called with.
type feeds struct {
	mu   sync.Mutex
	last int64
	m    map[string]*feed
}

func (fs *feeds) add(f *feed) (id string, remove func()) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.m == nil {
		fs.m = map[string]*feed{}
	}
	fs.last++
	id = strconv.FormatInt(fs.last, 10)
	fs.m[id] = f
	return id, func() {
		fs.mu.Lock()
		delete(fs.m, id)
		fs.mu.Unlock()
	}
}

func (fs *feeds) get(id string) (*feed, bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	f, ok := fs.m[id]
	return f, ok
}

// register makes tarn_feed(id) in the database: every connection sees it.
func (fs *feeds) register(conn *sql.Conn) error {
	varchar, err := duckdb.NewTypeInfo(duckdb.TYPE_VARCHAR)
	if err != nil {
		return err
	}
	return duckdb.RegisterTableUDF(conn, feedFunc, duckdb.ParallelChunkTableFunction{
		Config: duckdb.TableFunctionConfig{Arguments: []duckdb.TypeInfo{varchar}},
		BindArguments: func(_ map[string]any, args ...any) (duckdb.ParallelChunkTableSource, error) {
			id, _ := args[0].(string)
			f, ok := fs.get(id)
			if !ok {
				return nil, fmt.Errorf("%s: no load %q under way", feedFunc, id)
			}
			return f, nil
		},
	})
}

// ColumnType is a warehouse column's DuckDB type: what a feed gives the
// column as, and what the engine reads it as.
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

// insertRows runs INSERT … SELECT from a feed of rows on conn, in its
// transaction, and says how many rows it inserted.
func (s *Store) insertRows(ctx context.Context, conn *sql.Conn, schema, table string, cols []warehouse.Column, rows iter.Seq2[[]any, error]) (int64, error) {
	f := &feed{ctx: ctx, cols: cols, infos: make([]duckdb.ColumnInfo, len(cols))}
	names := make([]string, len(cols))
	for i, c := range cols {
		ti, err := ColumnType(c)
		if err != nil {
			return 0, fmt.Errorf("column %s: %w", c.Name, err)
		}
		f.infos[i] = duckdb.ColumnInfo{Name: c.Name, T: ti}
		names[i] = sqltext.QuoteIdent(c.Name)
	}
	ch := make(chan [][]any, 4)
	f.ch = ch
	done := make(chan struct{})
	produced := make(chan struct{})
	go func() {
		defer close(produced)
		defer close(ch)
		batch := make([][]any, 0, feedBatch)
		send := func() bool {
			select {
			case ch <- batch:
				batch = make([][]any, 0, feedBatch)
				return true
			case <-done:
				return false
			}
		}
		for vals, err := range rows {
			if err != nil {
				f.fail(err)
				return
			}
			if batch = append(batch, vals); len(batch) == feedBatch && !send() {
				return
			}
		}
		if len(batch) > 0 {
			send()
		}
	}()
	id, remove := s.feeds.add(f)
	defer remove()
	res, err := conn.ExecContext(ctx, fmt.Sprintf("INSERT INTO %s.%s (%s) SELECT * FROM %s('%s')", sqltext.QuoteIdent(schema), sqltext.QuoteIdent(table), strings.Join(names, ", "), feedFunc, id))
	close(done)
	for range ch { // let the producer end
	}
	<-produced
	if ferr := f.failed(); ferr != nil {
		return 0, ferr
	}
	if err != nil {
		return 0, wrap(err)
	}
	if ctx.Err() != nil {
		return 0, ctx.Err()
	}
	n, err := res.RowsAffected()
	return n, err
}

func pow10(n int) int64 {
	p := int64(1)
	for range n {
		p *= 10
	}
	return p
}
