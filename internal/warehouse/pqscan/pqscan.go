//go:build duckdb_arrow

// Package pqscan reads Parquet files into Arrow record batches with an
// in-memory DuckDB of its own: DuckDB's Parquet reader is several times
// faster than one in Go. That DuckDB runs only this package's statement,
// and reads files only in a folder of its own, where COPY spools the
// objects it loads. It is driven through duckdb-go's C bindings, whose
// streaming results hand out rows while the file is still being read
// (database/sql's results are whole before the first row).
package pqscan

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	bindings "github.com/duckdb/duckdb-go-bindings"

	"github.com/tarnlake/tarn/internal/warehouse"
	"github.com/tarnlake/tarn/internal/warehouse/spool"
)

// Scanner reads spooled Parquet files. Its DuckDB and folder are made on
// first use.
type Scanner struct {
	once   sync.Once
	err    error
	dir    spool.Dir
	db     bindings.Database
	opened bool
}

// New returns a Scanner; it does no I/O.
func New() *Scanner { return &Scanner{} }

func (s *Scanner) open() error {
	s.once.Do(func() {
		var dir string
		if dir, s.err = os.MkdirTemp("", "tarn-parquet-"); s.err != nil {
			return
		}
		s.dir = spool.Dir(dir)
		var errMsg string
		var cfg bindings.Config
		bindings.CreateConfig(&cfg)
		defer bindings.DestroyConfig(&cfg)
		for _, kv := range [][2]string{{"autoinstall_known_extensions", "false"}, {"autoload_known_extensions", "false"}} {
			bindings.SetConfig(cfg, kv[0], kv[1])
		}
		if bindings.OpenExt(":memory:", &s.db, cfg, &errMsg) != bindings.StateSuccess {
			s.err = fmt.Errorf("parquet reader: %s", errMsg)
			return
		}
		s.opened = true
		s.err = s.run(func(conn bindings.Connection) error {
			for _, q := range append([]string{"SET memory_limit = '1GB'", "SET preserve_insertion_order = false", "SET threads = 1"}, s.dir.Seal()...) {
				var res bindings.Result
				state := bindings.Query(conn, q, &res)
				msg := bindings.ResultError(&res)
				bindings.DestroyResult(&res)
				if state != bindings.StateSuccess {
					return fmt.Errorf("parquet reader: %s: %s", q, msg)
				}
			}
			return nil
		})
	})
	return s.err
}

// run runs fn on a new connection.
func (s *Scanner) run(fn func(bindings.Connection) error) error {
	var conn bindings.Connection
	if bindings.Connect(s.db, &conn) != bindings.StateSuccess {
		return errors.New("parquet reader: cannot connect")
	}
	defer bindings.Disconnect(&conn)
	return fn(conn)
}

// Spool makes a file in the scanner's folder for a Parquet object; the
// caller writes it, scans it, and closes and removes it.
func (s *Scanner) Spool() (*os.File, error) {
	if err := s.open(); err != nil {
		return nil, err
	}
	return s.dir.File()
}

// Scan reads a spooled file's columns, by position, as cols (cast to the
// columns' types, as warehouse.ArrowType gives them) and hands each batch
// to emit, which releases it. It says how many rows it read.
func (s *Scanner) Scan(ctx context.Context, path string, cols []warehouse.Column, emit func(arrow.RecordBatch) error) (int64, error) {
	if err := s.open(); err != nil {
		return 0, err
	}
	q, err := s.dir.Select(path, cols)
	if err != nil {
		return 0, fmt.Errorf("parquet reader: %w", err)
	}
	var n int64
	err = s.run(func(conn bindings.Connection) error {
		// The interrupter is waited for: the connection is freed after.
		done := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() {
			select {
			case <-ctx.Done():
				bindings.Interrupt(conn)
			case <-done:
			}
		})
		defer func() {
			close(done)
			wg.Wait()
		}()
		var stmt bindings.PreparedStatement
		if bindings.Prepare(conn, q, &stmt) != bindings.StateSuccess {
			defer bindings.DestroyPrepare(&stmt)
			return fmt.Errorf("parquet reader: %s", bindings.PrepareError(stmt))
		}
		defer bindings.DestroyPrepare(&stmt)
		var res bindings.Result
		state := bindings.ExecutePreparedStreaming(stmt, &res)
		defer bindings.DestroyResult(&res)
		if state != bindings.StateSuccess {
			return fmt.Errorf("parquet reader: %s", bindings.ResultError(&res))
		}
		opts := bindings.ResultGetArrowOptions(&res)
		defer bindings.DestroyArrowOptions(&opts)
		cc := bindings.ColumnCount(&res)
		types := make([]bindings.LogicalType, cc)
		colNames := make([]string, cc)
		for i := range cc {
			colNames[i] = bindings.ColumnName(&res, i)
			types[i] = bindings.ColumnLogicalType(&res, i)
		}
		schema, ed := bindings.NewArrowSchema(opts, types, colNames)
		for i := range types {
			bindings.DestroyLogicalType(&types[i])
		}
		if err := errorData(ed); err != nil {
			return err
		}
		for {
			chunk := bindings.FetchChunk(res)
			if chunk.Ptr == nil {
				if msg := bindings.ResultError(&res); msg != "" {
					return fmt.Errorf("parquet reader: %s", msg)
				}
				return ctx.Err()
			}
			rec, ed := bindings.DataChunkToArrowArray(opts, schema, chunk)
			bindings.DestroyDataChunk(&chunk)
			if err := errorData(ed); err != nil {
				return err
			}
			n += rec.NumRows()
			if err := emit(rec); err != nil {
				return err
			}
		}
	})
	return n, err
}

func errorData(ed bindings.ErrorData) error {
	defer bindings.DestroyErrorData(&ed)
	if bindings.ErrorDataHasError(ed) {
		return fmt.Errorf("parquet reader: %s", bindings.ErrorDataMessage(ed))
	}
	return nil
}

// Close closes the DuckDB and removes the folder.
func (s *Scanner) Close() error {
	if s.opened {
		bindings.Close(&s.db)
	}
	if s.dir != "" {
		os.RemoveAll(string(s.dir))
	}
	return nil
}
