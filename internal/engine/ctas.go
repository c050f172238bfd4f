package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/catalog"
	"github.com/tarnlake/tarn/internal/format"
	"github.com/tarnlake/tarn/internal/lake"
	"github.com/tarnlake/tarn/internal/query"
	"github.com/tarnlake/tarn/internal/query/sqltext"
)

// Athena's CTAS writes a query's result as Parquet into the lake and
// registers the table; INSERT INTO a lake table appends files the same way
// (lakesql.go reads them). DuckDB writes the files into a temporary
// folder; they enter the lake through the lake's own writes (atomic, with
// metadata and events), never behind its back.

// lakeWrite runs a CTAS, an INSERT INTO a lake table or an UNLOAD;
// handled is false for other statements.
func (s *session) lakeWrite(ctx context.Context, st sqltext.Statement) (query.Result, bool, error) {
	if s.e.opts.Lake == nil || s.e.opts.Catalog == nil {
		return query.Result{}, false, nil
	}
	l, ok := parseLakeStmt(st)
	if !ok {
		return query.Result{}, false, nil
	}
	switch l.kind {
	case "CTAS":
		res, err := s.ctas(ctx, l)
		return res, true, err
	case "UNLOAD":
		res, err := s.unload(ctx, l)
		return res, true, err
	}
	db, name := s.splitName(ctx, l.target)
	t, err := s.catalog().GetTable(ctx, db, name)
	if errors.Is(err, catalog.ErrNotFound) {
		return query.Result{}, false, nil // a TEMP table of the session's
	}
	if err != nil {
		return query.Result{}, true, err
	}
	res, err := s.insert(ctx, t, l.sel)
	return res, true, err
}

// splitName reads [db.]table; a table without a database is in the
// session's current schema (Athena's QueryExecutionContext.Database), or
// "default".
func (s *session) splitName(ctx context.Context, n []string) (db, table string) {
	if len(n) >= 2 {
		return n[len(n)-2], n[len(n)-1]
	}
	return s.currentDB(ctx), n[0]
}

// currentDB is the session's current schema as a catalog database.
func (s *session) currentDB(ctx context.Context) string {
	var cur string
	if err := s.conn.QueryRowContext(ctx, "SELECT current_schema()").Scan(&cur); err == nil && cur != "main" {
		return cur
	}
	return "default"
}

func (s *session) ctas(ctx context.Context, l lakeStmt) (query.Result, error) {
	db, name := s.splitName(ctx, l.target)
	if err := s.needWrite(access.Database(db), "database "+db); err != nil {
		return query.Result{}, err
	}
	if _, err := s.e.opts.Catalog.GetTable(ctx, db, name); err == nil {
		if l.ifNotExists {
			return query.Result{Rows: emptyRows{}, Tag: "CREATE TABLE"}, nil
		}
		return query.Result{}, &query.Error{Code: "42P07", Message: fmt.Sprintf("table %s.%s already exists", db, name)}
	}
	w := l.with
	if w.format != "" && w.format != "parquet" {
		return query.Result{}, &query.Error{Code: query.CodeFeature, Message: "tarn writes CTAS results as Parquet only, not " + w.format}
	}
	loc, parts := w.location, w.parts
	if loc == "" {
		d, err := s.e.opts.Catalog.GetDatabase(ctx, db)
		if err != nil || d.LocationURI == "" {
			return query.Result{}, &query.Error{Code: "22023", Message: fmt.Sprintf("give external_location: database %s has no location", db)}
		}
		loc = strings.TrimSuffix(d.LocationURI, "/") + "/" + name + "/"
	}
	if !strings.HasSuffix(loc, "/") {
		loc += "/"
	}
	if err := s.needWrite(locationResource(loc), "the table's location "+loc); err != nil {
		return query.Result{}, err
	}
	n, schema, partVals, written, err := s.writeFiles(ctx, l.sel, lakeOutput("parquet"), parts, loc)
	if err != nil {
		return query.Result{}, err
	}
	t := catalog.Table{Database: db, Name: name, TableType: catalog.TableType, Parameters: map[string]string{
		"classification": "parquet", "compressionType": "none", "typeOfData": "file", "created_by": "tarn CTAS"},
		Storage: catalog.StorageDescriptor{Location: loc, InputFormat: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
			OutputFormat: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
			SerDe:        catalog.SerDeInfo{SerializationLibrary: "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"}}}
	for _, c := range schema {
		t.Storage.Columns = append(t.Storage.Columns, catalog.Column{Name: c.Name, Type: c.Type.String()})
	}
	for _, k := range parts {
		t.PartitionKeys = append(t.PartitionKeys, catalog.Column{Name: k, Type: "string"})
	}
	if _, err := s.catalog().CreateTable(ctx, t); err != nil {
		return query.Result{}, errors.Join(wrapInternal(fmt.Sprintf("register %s.%s", db, name), err), s.unwrite(written))
	}
	if err := s.addPartitions(ctx, t, partVals); err != nil {
		return query.Result{}, errors.Join(err, s.catalog().DeleteTable(ctx, db, name), s.unwrite(written))
	}
	s.e.forceSync()
	return query.Result{Rows: emptyRows{}, Tag: fmt.Sprintf("SELECT %d", n)}, nil
}

// unload writes a query's result under an S3 location, as Athena's UNLOAD
// does: Parquet (default), JSON or CSV (TEXTFILE), optionally partitioned;
// nothing is registered in the catalog.
func (s *session) unload(ctx context.Context, l lakeStmt) (query.Result, error) {
	loc := l.location
	if !strings.HasPrefix(loc, "s3://") {
		return query.Result{}, &query.Error{Code: "22023", Message: fmt.Sprintf("UNLOAD location %q is not s3://bucket/prefix/", loc)}
	}
	if !strings.HasSuffix(loc, "/") {
		loc += "/"
	}
	if err := s.needWrite(locationResource(loc), "UNLOAD to "+loc); err != nil {
		return query.Result{}, err
	}
	w := l.with
	kind := "parquet"
	switch w.format {
	case "", "parquet":
	case "json":
		kind = "json"
	case "textfile", "csv":
		kind = "csv"
	default:
		return query.Result{}, &query.Error{Code: query.CodeFeature, Message: "UNLOAD writes PARQUET, JSON or TEXTFILE, not " + w.format}
	}
	n, _, _, _, err := s.writeFiles(ctx, l.sel, lakeOutput(kind), w.parts, loc)
	if err != nil {
		return query.Result{}, err
	}
	return query.Result{Rows: emptyRows{}, Tag: fmt.Sprintf("UNLOAD %d", n)}, nil
}

func (s *session) insert(ctx context.Context, t catalog.Table, sel string) (query.Result, error) {
	if t.Parameters["classification"] != "parquet" || !strings.HasSuffix(t.Storage.Location, "/") {
		return query.Result{}, &query.Error{Code: query.CodeFeature, Message: fmt.Sprintf("INSERT INTO %s.%s: tarn appends to Parquet tables only", t.Database, t.Name)}
	}
	if err := s.needWrite(access.Database(t.Database), "database "+t.Database); err != nil {
		return query.Result{}, err
	}
	if err := s.needWrite(locationResource(t.Storage.Location), "the table's location "+t.Storage.Location); err != nil {
		return query.Result{}, err
	}
	var parts []string
	for _, k := range t.PartitionKeys {
		parts = append(parts, k.Name)
	}
	n, _, partVals, written, err := s.writeFiles(ctx, sel, lakeOutput("parquet"), parts, t.Storage.Location)
	if err != nil {
		return query.Result{}, err
	}
	if err := s.addPartitions(ctx, t, partVals); err != nil {
		return query.Result{}, errors.Join(err, s.unwrite(written))
	}
	s.e.forceSync()
	return query.Result{Rows: emptyRows{}, Tag: fmt.Sprintf("INSERT 0 %d", n)}, nil
}

// output is how writeFiles writes: DuckDB's COPY options (FORMAT …), and
// the key under the location of the n-th file DuckDB wrote into partition
// folder dir ("" or "k=v/…/") as base.
type output struct {
	opts string
	file string // what DuckDB names an unpartitioned output; "": it writes a folder of files
	name func(dir string, n int, base string) string
}

// lakeOutput is the output of CTAS, INSERT and Athena's UNLOAD: files of
// kind, named apart from any written before.
func lakeOutput(kind string) output {
	opts := "FORMAT " + kind
	if kind == "parquet" {
		opts += ", COMPRESSION zstd"
	} else if kind == "csv" {
		opts += ", HEADER true"
	}
	batch := uuid.NewString()[:8] // new files never replace earlier ones
	return output{opts: opts, file: "part-0." + kind, name: func(dir string, _ int, base string) string { return dir + batch + "-" + base }}
}

// writeFiles runs sel into files under loc, as out says, partitioned by
// parts, and returns the rows written, the files' schema (Parquet only),
// the partitions made and the objects written. When it fails, no object
// it wrote stays.
func (s *session) writeFiles(ctx context.Context, sel string, o output, parts []string, loc string) (n int64, schema format.Schema, partVals [][]string, written []objectRef, err error) {
	defer func() {
		if err != nil {
			err = errors.Join(err, s.unwrite(written))
			written = nil
		}
	}()
	if err := oneQuery(sel); err != nil {
		return 0, nil, nil, nil, err
	}
	tmp, err := os.MkdirTemp(s.inst.tmp, "out-")
	if err != nil {
		return 0, nil, nil, nil, err
	}
	defer os.RemoveAll(tmp)
	opts := o.opts
	parquet := strings.HasPrefix(opts, "FORMAT parquet")
	out := filepath.Join(tmp, "out")
	if len(parts) > 0 {
		quoted := make([]string, len(parts))
		for i, p := range parts {
			quoted[i] = quoteIdent(p)
		}
		opts += ", PARTITION_BY (" + strings.Join(quoted, ", ") + ")"
	} else if o.file != "" {
		os.MkdirAll(out, 0o700)
		out = filepath.Join(out, o.file)
	}
	res, err := s.query(ctx, fmt.Sprintf("COPY (%s\n) TO '%s' (%s)", sel, quoteString(out), opts), nil)
	if err != nil {
		return 0, nil, nil, nil, err
	}
	res.Rows.Close()
	fmt.Sscanf(res.Tag, "COPY %d", &n) // the rows written
	bucket, prefix, _ := strings.Cut(strings.TrimPrefix(loc, "s3://"), "/")
	seen := map[string]bool{}
	count := map[string]int{} // files per folder
	err = filepath.Walk(filepath.Join(tmp, "out"), func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(filepath.Join(tmp, "out"), p)
		rel = filepath.ToSlash(rel)
		dir, base := filepath.Split(rel)
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		if schema == nil && parquet {
			info, err := format.InferParquet(f, fi.Size())
			if err != nil {
				return err
			}
			schema = info.Schema
		}
		key := prefix + o.name(dir, count[dir], base)
		count[dir]++
		if _, err := s.lake().Put(ctx, bucket, key, f, lake.PutOptions{Size: fi.Size()}); err != nil {
			return fmt.Errorf("write s3://%s/%s: %w", bucket, key, err)
		}
		written = append(written, objectRef{bucket, key})
		if d := strings.TrimSuffix(dir, "/"); d != "" && !seen[d] {
			seen[d] = true
			var vals []string
			for _, seg := range strings.Split(d, "/") {
				_, v, _ := strings.Cut(seg, "=")
				vals = append(vals, v)
			}
			partVals = append(partVals, vals)
		}
		return nil
	})
	if err != nil {
		return 0, nil, nil, written, wrapInternal("", err)
	}
	return n, schema, partVals, written, nil
}

// unwrite deletes the objects a failed write made: a CTAS, INSERT or
// UNLOAD that fails leaves nothing in the lake.
func (s *session) unwrite(refs []objectRef) error {
	var errs []error
	for _, r := range refs {
		if err := s.e.opts.Lake.Delete(context.Background(), r.bucket, r.key); err != nil {
			errs = append(errs, fmt.Errorf("remove s3://%s/%s after the failure: %w", r.bucket, r.key, err))
		}
	}
	return errors.Join(errs...)
}

// wrapInternal keeps a query.Error (a refused grant) as it is and makes
// any other error an internal one.
func wrapInternal(what string, err error) error {
	var qe *query.Error
	if errors.As(err, &qe) {
		return err
	}
	if what != "" {
		return &query.Error{Code: query.CodeInternal, Message: what + ": " + err.Error()}
	}
	return &query.Error{Code: query.CodeInternal, Message: err.Error()}
}

func (s *session) addPartitions(ctx context.Context, t catalog.Table, vals [][]string) error {
	if len(vals) == 0 {
		return nil
	}
	var ps []catalog.Partition
	for _, v := range vals {
		sd := t.Storage
		var segs []string
		for i, k := range t.PartitionKeys {
			segs = append(segs, k.Name+"="+v[i])
		}
		sd.Location = t.Storage.Location + strings.Join(segs, "/") + "/"
		ps = append(ps, catalog.Partition{Values: v, Storage: sd})
	}
	errs, err := s.catalog().CreatePartitions(ctx, t.Database, t.Name, ps)
	if err != nil {
		return wrapInternal(fmt.Sprintf("register partitions of %s.%s", t.Database, t.Name), err)
	}
	for _, e := range errs {
		if e != nil && !errors.Is(e, catalog.ErrExists) {
			return &query.Error{Code: query.CodeInternal, Message: e.Error()}
		}
	}
	return nil
}

// forceSync makes the next statement rebuild views at once.
func (e *Engine) forceSync() {
	e.syncMu.Lock()
	e.synced = time.Time{}
	e.syncMu.Unlock()
}

// objectRef names an object a write made.
type objectRef struct{ bucket, key string }
