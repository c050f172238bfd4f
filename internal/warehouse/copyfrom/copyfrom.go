// Package copyfrom carries out Redshift's COPY from the lake: the objects
// a prefix or a manifest names are read, decompressed and converted by
// package load, and loaded into a warehouse table in one transaction; bad
// rows go to the schema's stl_load_errors, and past MAXERROR of them
// nothing is loaded.
package copyfrom

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/lake"
	"github.com/tarnlake/tarn/internal/warehouse"
	"github.com/tarnlake/tarn/internal/warehouse/load"
	"github.com/tarnlake/tarn/internal/warehouse/pqscan"
	"github.com/tarnlake/tarn/internal/warehouse/redshift"
)

// Options are what a COPY reads and writes.
type Options struct {
	Store warehouse.Store
	Lake  lake.Objects
	// Parquet, when set, reads Parquet files whose values load as they
	// are (load.ParquetExact) into batches for a store that reads no
	// files itself (warehouse.FileLoader reads them in the store).
	Parquet *pqscan.Scanner
	// Log, when set, says why a COPY's Parquet files were read by tarn's
	// own reader after DuckDB's gave up (its only sign is slowness).
	Log *slog.Logger
}

// errStopped ends reading when the store stops taking batches.
var errStopped = errors.New("stopped")

// Result is what a COPY did.
type Result struct {
	Rows   int64
	Files  int
	Errors []load.LoadError // also in the schema's stl_load_errors
}

// Error is a COPY that loaded nothing, and why.
type Error struct{ Msg string }

func (e *Error) Error() string { return e.Msg }

func fail(format string, a ...any) error { return &Error{Msg: fmt.Sprintf(format, a...)} }

// Job is one COPY.
type Job struct {
	Copy   *redshift.Copy
	Caller access.Key // whose grants read the lake
	// Once, when set, makes the load happen at most once under that name
	// (warehouse.Target.Once): a rule's load of one object version.
	Once string
	// Object: FROM names one object, not every object under a prefix.
	Object bool
}

// Run loads what the job's COPY names into its table, reading the lake as
// its caller: it needs read on the source bucket (the caller checks write
// on the table's schema). A role (IAM_ROLE) may name only the caller's own
// key, or any key when the caller is root.
func Run(ctx context.Context, o Options, j Job) (Result, error) {
	res, err := run(ctx, o, j, true)
	var fast *fastFailed
	if errors.As(err, &fast) && ctx.Err() == nil {
		// Nothing was loaded: ReadParquet loads the files, or says what
		// is wrong with them as Redshift would.
		if o.Log != nil {
			o.Log.Info("copy: DuckDB's Parquet reader gave up; tarn's reads the files", "table", j.Copy.Table, "from", j.Copy.From, "why", fast.err)
		}
		return run(ctx, o, j, false)
	}
	return res, err
}

// run is one attempt at a COPY; fast lets DuckDB read Parquet files.
func run(ctx context.Context, o Options, j Job, fast bool) (Result, error) {
	c, caller, once := j.Copy, j.Caller, j.Once
	schema := c.Schema
	if schema == "" {
		schema = "public"
	}
	if name, ok := access.RoleName(c.Role); ok && name != caller.Name && !caller.Root && c.Role != "default" {
		return Result{}, fail("permission denied: key %s may not pass role %s: a key other than root may name only its own role", caller.Name, c.Role)
	}
	cols, err := columns(ctx, o.Store, schema, c)
	if err != nil {
		return Result{}, err
	}
	opts, err := options(ctx, o, c, caller)
	if err != nil {
		return Result{}, err
	}
	files, err := sources(ctx, o.Lake, c, caller, j.Object)
	if err != nil {
		return Result{}, err
	}
	names := make([]string, len(cols))
	for i, col := range cols {
		names[i] = col.Name
	}
	target := warehouse.Target{Schema: schema, Table: c.Table, Columns: names, Once: once}
	// DuckDB reads Parquet files: the store's own, else pqscan's.
	fl, own := o.Store.(warehouse.FileLoader)
	if own && fast && c.Format == "PARQUET" {
		n, err := loadFiles(ctx, o.Lake, fl, files, cols, target)
		return Result{Rows: n, Files: len(files)}, err
	}
	var sc *pqscan.Scanner
	if !own && fast {
		sc = o.Parquet
	}
	var bad []load.LoadError
	badRows := 0
	batches := iter.Seq2[arrow.RecordBatch, error](func(yield func(arrow.RecordBatch, error) bool) {
		send := func(rec arrow.RecordBatch) error {
			if !yield(rec, nil) {
				return errStopped
			}
			return nil
		}
		// Avro and Parquet readers give rows: they are put in batches here.
		bt := warehouse.NewBatcher(cols)
		emit := func(v []any) error {
			if err := bt.Append(v); err != nil {
				return err
			}
			if bt.Len() == warehouse.BatchRows {
				return send(bt.Batch())
			}
			return nil
		}
		for _, f := range files {
			plain, err := f.open(ctx, o.Lake)
			if err != nil {
				yield(nil, err)
				return
			}
			name := f.String()
			var errs []load.LoadError
			switch c.Format {
			case "PARQUET":
				errs, err = readParquet(ctx, sc, plain, name, cols, emit, send)
			case "AVRO":
				_, errs, err = load.ReadAvro(plain, name, cols, opts, emit)
			default:
				_, errs, err = load.ReadBatches(plain, name, cols, opts, send)
			}
			plain.Close()
			if errors.Is(err, errStopped) {
				return
			}
			if errors.Is(err, load.ErrLoadFailed) {
				// Columnar COPY fails as a whole at its first bad value.
				bad = append(bad, errs...)
				yield(nil, fail("Load into table '%s' failed (%v). Check 'stl_load_errors' system table for details.", c.Table, err))
				return
			}
			var fast *fastFailed
			if errors.As(err, &fast) {
				yield(nil, err)
				return
			}
			if err != nil {
				yield(nil, fail("%s: %v", name, err))
				return
			}
			bad = append(bad, errs...)
			badRows += len(errs)
			if badRows > c.MaxError {
				yield(nil, fail("Load into table '%s' failed. Check 'stl_load_errors' system table for details.", c.Table))
				return
			}
		}
		if bt.Len() > 0 {
			yield(bt.Batch(), nil)
		}
	})
	n, err := o.Store.Load(ctx, target, batches)
	if len(bad) > 0 {
		if lerr := record(ctx, o.Store, schema, c.Table, bad); lerr != nil && err == nil {
			err = lerr
		}
	}
	if err != nil {
		return Result{Errors: bad, Files: len(files)}, err
	}
	return Result{Rows: n, Files: len(files), Errors: bad}, nil
}

// columns are the COPY's target columns: those listed, else the table's.
func columns(ctx context.Context, st warehouse.Store, schema string, c *redshift.Copy) ([]load.Column, error) {
	ts, err := st.Tables(ctx, schema)
	if err != nil {
		return nil, err
	}
	var table *warehouse.Table
	for i := range ts {
		if ts[i].Name == c.Table {
			table = &ts[i]
		}
	}
	if table == nil {
		return nil, fmt.Errorf("%w: relation \"%s.%s\" does not exist", warehouse.ErrNoTable, schema, c.Table)
	}
	byName := map[string]warehouse.Column{}
	for _, col := range table.Columns {
		byName[col.Name] = col
	}
	want := c.Columns
	if len(want) == 0 {
		for _, col := range table.Columns {
			want = append(want, col.Name)
		}
	}
	out := make([]load.Column, len(want))
	for i, name := range want {
		col, ok := byName[strings.ToLower(name)]
		if !ok {
			if col, ok = byName[name]; !ok {
				return nil, fail("column \"%s\" of relation \"%s\" does not exist", name, c.Table)
			}
		}
		out[i] = col
	}
	if err := warehouse.Loadable(c.Table, out); err != nil {
		return nil, &Error{Msg: err.Error()}
	}
	return out, nil
}

// options are load's options for c; a jsonpaths file is read from the
// lake.
func options(ctx context.Context, o Options, c *redshift.Copy, caller access.Key) (load.Options, error) {
	opts := load.Options{Format: c.Format, Delimiter: c.Delimiter, Quote: c.Quote, IgnoreHeader: c.IgnoreHeader, NullAs: c.NullAs,
		EmptyAsNull: c.EmptyAsNull, BlanksAsNull: c.BlanksAsNull, TruncateColumns: c.TruncateColumns, RemoveQuotes: c.RemoveQuotes,
		Escape: c.Escape, FillRecord: c.FillRecord, TrimBlanks: c.TrimBlanks, AcceptAnyDate: c.AcceptAnyDate, IgnoreBlankLines: c.IgnoreBlankLines,
		AcceptInvChars: c.AcceptInvChars, DateFormat: c.DateFormat, TimeFormat: c.TimeFormat, MaxError: c.MaxError, RoundDec: c.RoundEC}
	switch c.Format {
	case "TEXT", "CSV", "PARQUET":
	case "AVRO":
		opts = load.Options{Format: "AVRO", JSON: strings.ToLower(c.JSONPaths), AcceptInvChars: c.AcceptInvChars,
			TruncateColumns: c.TruncateColumns, MaxError: c.MaxError}
		if opts.JSON != "auto" && opts.JSON != "auto ignorecase" {
			return opts, fail("COPY from AVRO with a jsonpaths file is not supported by tarn: use 'auto' or 'auto ignorecase'")
		}
	case "JSON":
		switch strings.ToLower(c.JSONPaths) {
		case "auto", "auto ignorecase":
			opts.JSON = strings.ToLower(c.JSONPaths)
		default:
			paths, err := jsonPaths(ctx, o.Lake, c.JSONPaths, caller)
			if err != nil {
				return opts, err
			}
			opts.JSONPaths = paths
		}
	default:
		return opts, fail("COPY from %s is not supported by tarn: load TEXT, CSV, JSON, AVRO or PARQUET, or query the files in place through the catalog", c.Format)
	}
	return opts, nil
}

// jsonPaths reads a jsonpaths file: {"jsonpaths": ["$.a", …]}.
func jsonPaths(ctx context.Context, lk lake.Objects, url string, caller access.Key) ([]string, error) {
	bucket, key, ok := splitURL(url)
	if !ok {
		return nil, fail("jsonpaths file %q is not an s3:// URL", url)
	}
	if !caller.Allowed(access.Read, access.Bucket(bucket)) {
		return nil, fail("permission denied: key %s may not read bucket %s (the jsonpaths file)", caller.Name, bucket)
	}
	b, err := readAll(ctx, lk, bucket, key, 1<<20)
	if err != nil {
		return nil, fail("jsonpaths file %s: %v", url, err)
	}
	var doc struct {
		JSONPaths []string `json:"jsonpaths"`
	}
	if err := json.Unmarshal(b, &doc); err != nil || len(doc.JSONPaths) == 0 {
		return nil, fail("jsonpaths file %s: not a JSON object with a \"jsonpaths\" array (%v)", url, err)
	}
	return doc.JSONPaths, nil
}

func readAll(ctx context.Context, lk lake.Objects, bucket, key string, limit int64) ([]byte, error) {
	r, _, err := lk.Get(ctx, bucket, key, nil)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err == nil && int64(len(b)) > limit {
		err = fmt.Errorf("larger than %d bytes", limit)
	}
	return b, err
}

func splitURL(u string) (bucket, key string, ok bool) {
	rest, ok := strings.CutPrefix(u, "s3://")
	if !ok {
		return "", "", false
	}
	bucket, key, _ = strings.Cut(rest, "/")
	return bucket, key, bucket != ""
}

// stlColumns is stl_load_errors' shape, as Redshift's columns.
const stlColumns = `(starttime timestamp, tbl varchar(256), filename varchar(256), line_number bigint, colname varchar(127),
	type varchar(10), col_length varchar(10), position integer, raw_line varchar(1024), raw_field_value varchar(1024),
	err_code integer, err_reason varchar(100))`

// record keeps a COPY's bad rows in the schema's stl_load_errors.
func record(ctx context.Context, st warehouse.Store, schema, table string, bad []load.LoadError) error {
	if _, err := st.Exec(ctx, fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s.stl_load_errors %s", quote(schema), stlColumns)); err != nil {
		return fmt.Errorf("stl_load_errors: %w", err)
	}
	// Redshift Serverless's view of the same rows, by its column names.
	if _, err := st.Exec(ctx, fmt.Sprintf(`CREATE OR REPLACE VIEW %[1]s.sys_load_error_detail AS SELECT starttime AS start_time,
		tbl AS table_name, filename AS file_name, line_number, colname AS column_name, type AS column_type, col_length AS column_length,
		position, raw_line, raw_field_value, err_code AS error_code, err_reason AS error_message FROM %[1]s.stl_load_errors`, quote(schema))); err != nil {
		return fmt.Errorf("sys_load_error_detail: %w", err)
	}
	now := time.Now().UTC()
	_, err := warehouse.LoadRows(ctx, st, warehouse.Target{Schema: schema, Table: "stl_load_errors", Columns: []string{"starttime", "tbl", "filename", "line_number", "colname", "type", "col_length",
		"position", "raw_line", "raw_field_value", "err_code", "err_reason"}}, func(yield func([]any, error) bool) {
		for _, e := range bad {
			if !yield([]any{now, table, e.Filename, e.LineNumber, e.ColName, e.Type, e.ColLength, int32(e.Position), e.RawLine,
				e.RawFieldValue, int32(e.ErrCode), e.ErrReason}, nil) {
				return
			}
		}
	})
	if err != nil {
		return fmt.Errorf("stl_load_errors: %w", err)
	}
	return nil
}

func quote(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }
