// Package warehouse is the warehouse seam: SQL tables in schemas, as
// Redshift keeps them, in an embedded DuckDB file by default (duckdb/) and
// in PostgreSQL at scale (postgres/). Both take the statements tarn sends
// in PostgreSQL's dialect, which they share for DDL, INSERT, UPDATE,
// DELETE and SELECT over warehouse tables; Redshift's own syntax (COPY,
// UNLOAD, DISTKEY…) is tarn's to translate above the seam. warehousetest
// is the conformance suite both pass.
package warehouse

import (
	"context"
	"errors"
	"iter"
	"math/big"
	"os"

	"github.com/apache/arrow-go/v18/arrow"
)

// Errors every backend returns, wrapped with context; check with errors.Is.
var (
	ErrNoTable  = errors.New("warehouse table not found")
	ErrNoSchema = errors.New("warehouse schema not found")
	// ErrLoaded: a Load whose Once key was loaded before; nothing is
	// loaded again.
	ErrLoaded = errors.New("loaded before")
)

// Target is where a Load goes.
type Target struct {
	Schema, Table string
	Columns       []string // the values' columns, in order
	// Once, when set, names the load (a file's bucket, key and ETag):
	// the store records it in the load's transaction, and a second Load of
	// the same name loads nothing and returns ErrLoaded.
	Once string
}

// Classification marks catalog tables that are warehouse tables (a
// crawler's JDBC targets make them): Location is database.schema.table.
const Classification = "warehouse"

// System is the schema that holds the store's own tables (the ledger of
// loads); Tables does not list it.
const System = "tarn_system"

// Table is a warehouse table and its columns, in order.
type Table struct {
	Schema, Name string
	Columns      []Column
}

// FileLoader is a Store that reads Parquet files itself (the embedded
// one: its DuckDB reads a file faster than any hand-over of its rows). It
// may read only the files Spool makes, in a folder of its own.
type FileLoader interface {
	// Spool makes a file for LoadParquet to read; the caller writes and
	// closes it, and removes it after the load.
	Spool() (*os.File, error)
	// LoadParquet inserts the rows of each spooled file, its columns by
	// position as t.Columns, in one transaction as Load does. The caller
	// has checked that their values load as they are into cols
	// (load.ParquetExact), which must still be t's columns: the store
	// casts nothing a COPY would check.
	LoadParquet(ctx context.Context, t Target, cols []Column, files iter.Seq2[string, error]) (int64, error)
}

// Store is the seam.
type Store interface {
	// Exec runs one statement that returns no rows and says how many rows
	// it changed. It commits before it returns: a crash after loses nothing.
	Exec(ctx context.Context, stmt string, args ...any) (int64, error)
	// Tx runs fn in one transaction, committed if fn returns nil and rolled
	// back otherwise (or if tarn dies first).
	Tx(ctx context.Context, fn func(tx Execer) error) error
	// Query runs one statement that returns rows; the caller closes them.
	Query(ctx context.Context, stmt string, args ...any) (Rows, error)
	// Tables lists the tables of a schema ("": of every schema), with their
	// columns, ordered by schema and name.
	Tables(ctx context.Context, schema string) ([]Table, error)
	// Load appends record batches to a table in one transaction: every
	// row or none; an error from batches ends it with nothing loaded.
	// Their columns are t.Columns', typed as ArrowType gives them
	// (RowBatches and LoadRows make such batches from rows of Go values).
	// ErrNoTable if there is no such table. Stores range batches on a
	// goroutine of their own, so that producing rows and storing them
	// use two cores; batches must not share state with the caller
	// meanwhile.
	Load(ctx context.Context, t Target, batches iter.Seq2[arrow.RecordBatch, error]) (int64, error)
	// Read gives the columns cols (at least one) of a table as record
	// batches, typed as ArrowType gives them (a TIMESTAMPTZ in any zone).
	// Ranging over them runs one statement; stopping early ends it.
	Read(ctx context.Context, schema, table string, cols []string) iter.Seq2[arrow.RecordBatch, error]
	Close() error
}

// Execer runs statements in a transaction; Exec says how many rows each
// changed.
type Execer interface {
	Exec(ctx context.Context, stmt string, args ...any) (int64, error)
}

// Decimal is an exact number: Unscaled × 10^-Scale, or Small × 10^-Scale
// when Unscaled is nil (most values fit 64 bits, and a load makes one per
// row). Load takes it (as well as a decimal's text) without going through
// text.
type Decimal struct {
	Unscaled *big.Int
	Small    int64
	Scale    int
}

// Int is the unscaled value.
func (d Decimal) Int() *big.Int {
	if d.Unscaled == nil {
		return big.NewInt(d.Small)
	}
	return d.Unscaled
}

// Int64 is the unscaled value if it fits 64 bits.
func (d Decimal) Int64() (int64, bool) {
	if d.Unscaled == nil {
		return d.Small, true
	}
	return d.Unscaled.Int64(), d.Unscaled.IsInt64()
}

func (d Decimal) String() string { return FormatDecimal(d.Int(), d.Scale) }

// Rows is a statement's result.
type Rows interface {
	Columns() []Column
	Next() bool
	// Values are the current row's: nil, bool, int16, int32, int64,
	// float32, float64, string, []byte, time.Time, or a decimal as string.
	Values() ([]any, error)
	Err() error
	Close() error
}
