//go:build duckdb_arrow

package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"iter"
	"strings"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/duckdb/duckdb-go/v2"

	"github.com/tarnlake/tarn/internal/query/sqltext"
	"github.com/tarnlake/tarn/internal/warehouse"
)

// A load reaches its table as Arrow record batches: the rows are put in
// columns here in Go, and DuckDB's arrow scan takes whole columns at a
// time (INSERT INTO … SELECT * FROM a view over the batches), its threads
// writing row groups straight to the file. Setting values one by one
// through a table function or the appender costs about three times as
// much per row (BenchmarkLoad).

// batchRows rows make one record batch.
const batchRows = 8192

// batches is one load's rows on their way into DuckDB, as an
// array.RecordReader DuckDB's arrow scan pulls from (one call at a time:
// the scan holds a lock around it).
type batches struct {
	ctx    context.Context // the load's: a cancelled load stops waiting for rows
	cols   []warehouse.Column
	schema *arrow.Schema
	bld    *array.RecordBuilder
	add    []appendFunc
	ch     <-chan [][]any
	cur    arrow.RecordBatch
	next   int64 // rows handed out, for the row numbers of errors
	err    atomic.Pointer[error]
}

func newBatches(ctx context.Context, cols []warehouse.Column, ch <-chan [][]any) *batches {
	fields := make([]arrow.Field, len(cols))
	add := make([]appendFunc, len(cols))
	for i, c := range cols {
		var t arrow.DataType
		t, add[i] = arrowType(c)
		fields[i] = arrow.Field{Name: c.Name, Type: t, Nullable: true}
	}
	schema := arrow.NewSchema(fields, nil)
	return &batches{ctx: ctx, cols: cols, schema: schema, add: add, ch: ch,
		bld: array.NewRecordBuilder(memory.DefaultAllocator, schema)}
}

func (b *batches) fail(err error) error {
	b.err.CompareAndSwap(nil, &err)
	return err
}

// failed is the load's first error: the rows' own, or a value that would
// not convert.
func (b *batches) failed() error {
	if p := b.err.Load(); p != nil {
		return *p
	}
	return nil
}

// The reader's lifetime is the load's: Retain and Release have nothing
// to count.
func (b *batches) Retain()                        {}
func (b *batches) Release()                       {}
func (b *batches) Schema() *arrow.Schema          { return b.schema }
func (b *batches) Record() arrow.RecordBatch      { return b.cur }
func (b *batches) RecordBatch() arrow.RecordBatch { return b.cur }
func (b *batches) Err() error                     { return b.failed() }

func (b *batches) Next() bool {
	if b.cur != nil {
		b.cur.Release()
		b.cur = nil
	}
	if b.failed() != nil {
		return false
	}
	var rows [][]any
	var ok bool
	select {
	case rows, ok = <-b.ch:
	case <-b.ctx.Done():
		b.fail(b.ctx.Err())
		return false
	}
	if !ok {
		return false
	}
	for r, vals := range rows {
		if len(vals) != len(b.cols) {
			b.fail(fmt.Errorf("row %d has %d values for %d columns", b.next+int64(r)+1, len(vals), len(b.cols)))
			return false
		}
		for i, v := range vals {
			fb := b.bld.Field(i)
			if v == nil {
				fb.AppendNull()
				continue
			}
			if err := b.add[i](fb, v); err != nil {
				b.fail(fmt.Errorf("row %d column %s: %w", b.next+int64(r)+1, b.cols[i].Name, err))
				return false
			}
		}
	}
	b.next += int64(len(rows))
	b.cur = b.bld.NewRecordBatch()
	return true
}

// insertRows runs INSERT … SELECT from the rows, as Arrow batches, on
// conn, in its transaction, and says how many rows it inserted.
func (s *Store) insertRows(ctx context.Context, conn *sql.Conn, schema, table string, cols []warehouse.Column, rows iter.Seq2[[]any, error]) (int64, error) {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = sqltext.QuoteIdent(c.Name)
	}
	ch := make(chan [][]any, 2)
	b := newBatches(ctx, cols, ch)
	defer b.bld.Release()
	done := make(chan struct{})
	produced := make(chan struct{})
	go func() {
		defer close(produced)
		defer close(ch)
		batch := make([][]any, 0, batchRows)
		send := func() bool {
			select {
			case ch <- batch:
				batch = make([][]any, 0, batchRows)
				return true
			case <-done:
				return false
			}
		}
		for vals, err := range rows {
			if err != nil {
				b.fail(err)
				return
			}
			if batch = append(batch, vals); len(batch) == batchRows && !send() {
				return
			}
		}
		if len(batch) > 0 {
			send()
		}
	}()
	// duckdb-go makes the view in the connection's schema, public: a name
	// no table of the user's has.
	view := fmt.Sprintf("tarn_load_%s_%d", s.nonce, s.loads.Add(1))
	var res sql.Result
	release := func() {}
	err := conn.Raw(func(dc any) error {
		ar, err := duckdb.NewArrowFromConn(dc.(driver.Conn))
		if err == nil {
			release, err = ar.RegisterView(b, view)
		}
		return err
	})
	if err == nil {
		// The view is the transaction's: dropped before it commits, and
		// gone with it when it rolls back (a failed INSERT leaves the
		// DROP to the rollback).
		res, err = conn.ExecContext(ctx, fmt.Sprintf("INSERT INTO %s.%s (%s) SELECT * FROM %s", sqltext.QuoteIdent(schema), sqltext.QuoteIdent(table), strings.Join(names, ", "), view))
		if err == nil {
			_, err = conn.ExecContext(ctx, "DROP VIEW "+view)
		}
		release()
	}
	close(done)
	for range ch { // let the producer end
	}
	<-produced
	if b.cur != nil {
		b.cur.Release()
	}
	if ferr := b.failed(); ferr != nil {
		return 0, ferr
	}
	if err != nil {
		return 0, wrap(err)
	}
	if ctx.Err() != nil {
		return 0, ctx.Err()
	}
	return res.RowsAffected()
}
