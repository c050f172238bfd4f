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
	"github.com/duckdb/duckdb-go/v2"

	"github.com/tarnlake/tarn/internal/query/sqltext"
	"github.com/tarnlake/tarn/internal/warehouse"
)

// A load reaches its table as the Arrow record batches it comes in:
// DuckDB's arrow scan takes whole columns at a time (INSERT INTO … SELECT
// * FROM a view over the batches), its threads writing row groups straight
// to the file. Setting values one by one through a table function or the
// appender cost about three times as much per row.

// batches is one load's batches on their way into DuckDB, as an
// array.RecordReader DuckDB's arrow scan pulls from (one call at a time:
// the scan holds a lock around it).
type batches struct {
	ctx    context.Context // the load's: a cancelled load stops waiting
	cols   []warehouse.Column
	schema *arrow.Schema
	ch     <-chan arrow.RecordBatch
	cur    arrow.RecordBatch
	err    atomic.Pointer[error]
}

func (b *batches) fail(err error) error {
	b.err.CompareAndSwap(nil, &err)
	return err
}

// failed is the load's first error: the batches' own, or one of the
// wrong shape.
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
	select {
	case rec, ok := <-b.ch:
		if !ok {
			return false
		}
		b.cur = rec
		return true
	case <-b.ctx.Done():
		b.fail(b.ctx.Err())
		return false
	}
}

// insertBatches runs INSERT … SELECT from the batches on conn, in its
// transaction, and says how many rows it inserted.
func (s *Store) insertBatches(ctx context.Context, conn *sql.Conn, schema, table string, cols []warehouse.Column, in iter.Seq2[arrow.RecordBatch, error]) (int64, error) {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = sqltext.QuoteIdent(c.Name)
	}
	ch := make(chan arrow.RecordBatch, 2)
	b := &batches{ctx: ctx, cols: cols, schema: warehouse.Schema(cols), ch: ch}
	done := make(chan struct{})
	produced := make(chan struct{})
	go func() {
		defer close(produced)
		defer close(ch)
		for rec, err := range in {
			if err == nil {
				if err = warehouse.CheckSchema(rec.Schema(), cols); err != nil {
					rec.Release()
				}
			}
			if err != nil {
				b.fail(err)
				return
			}
			select {
			case ch <- rec:
			case <-done:
				rec.Release()
				return
			}
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
	for rec := range ch { // let the producer end
		rec.Release()
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

// Read runs SELECT cols FROM the table and hands its result over as
// DuckDB makes it in Arrow.
func (s *Store) Read(ctx context.Context, schema, table string, cols []string) iter.Seq2[arrow.RecordBatch, error] {
	return func(yield func(arrow.RecordBatch, error) bool) {
		names := make([]string, len(cols))
		for i, c := range cols {
			names[i] = sqltext.QuoteIdent(c)
		}
		q := fmt.Sprintf("SELECT %s FROM %s.%s", strings.Join(names, ", "), sqltext.QuoteIdent(schema), sqltext.QuoteIdent(table))
		conn, err := s.db.Conn(ctx)
		if err != nil {
			yield(nil, err)
			return
		}
		defer conn.Close()
		stopped := false
		err = conn.Raw(func(dc any) error {
			ar, err := duckdb.NewArrowFromConn(dc.(driver.Conn))
			if err != nil {
				return err
			}
			rr, err := ar.QueryContext(ctx, q)
			if err != nil {
				return err
			}
			defer rr.Release()
			for rr.Next() {
				rec := rr.RecordBatch()
				rec.Retain()
				if !yield(rec, nil) {
					stopped = true
					return nil
				}
			}
			return rr.Err()
		})
		if err != nil && !stopped {
			yield(nil, wrap(err))
		}
	}
}
