package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/tarnlake/tarn/internal/catalog"
	"github.com/tarnlake/tarn/internal/format"
	"github.com/tarnlake/tarn/internal/lake"
	"github.com/tarnlake/tarn/internal/query/sqltext"
)

// viewState is what a view was made from: the table's version.
type viewState struct {
	version int
	updated time.Time
	// retry is set when the view could not be made (a table whose files
	// are not there yet): it is tried again from then on.
	retry time.Time
	empty bool // no files yet: its view has its columns and no rows
}

// viewRetry is how soon a view that could not be made is tried again.
const viewRetry = 500 * time.Millisecond

// sync makes the views match the catalog: a schema per database, a view
// per table, rebuilt when its version changes. It looks at most every
// SyncEvery; a table whose view cannot be made (no files yet, a format
// DuckDB cannot read here) is logged and left out.
func (e *Engine) sync(ctx context.Context) error {
	if e.opts.Catalog == nil {
		return nil
	}
	e.syncMu.Lock()
	defer e.syncMu.Unlock()
	if time.Since(e.synced) < e.opts.SyncEvery {
		return e.lastSync
	}
	e.synced = time.Now()
	e.lastSync = e.syncNow(ctx)
	if e.opts.Streams != nil {
		e.lastSync = errors.Join(e.lastSync, e.syncStreams(ctx))
	}
	if e.opts.Warehouse != nil {
		e.lastSync = errors.Join(e.lastSync, e.syncWarehouse(ctx), e.syncExternal(ctx), e.syncArchives(ctx))
	}
	return e.lastSync
}

// syncMissing brings the views up to the catalog at once, not SyncEvery
// later, when err says a statement named a table or schema DuckDB does
// not have: one a crawler made a moment ago is then there at once. It
// reports whether the statement is worth another try; misses sync at most
// every missSync, so statements naming nothing real cannot keep the
// catalog busy.
func (e *Engine) syncMissing(ctx context.Context, err error) bool {
	if e.opts.Catalog == nil || !strings.Contains(err.Error(), "Catalog Error: ") || !strings.Contains(err.Error(), " does not exist") {
		return false
	}
	e.syncMu.Lock()
	if time.Since(e.missSynced) < missSync {
		// Another statement's miss synced a moment ago (the lock waited
		// for it if it was under way): worth one more try.
		e.syncMu.Unlock()
		return true
	}
	e.synced, e.missSynced = time.Time{}, time.Now()
	e.syncMu.Unlock()
	e.sync(ctx) // a part that failed (one bad table) leaves the rest synced
	return true
}

const missSync = 200 * time.Millisecond

func (e *Engine) syncNow(ctx context.Context) error {
	dbs, err := e.opts.Catalog.ListDatabases(ctx)
	if err != nil {
		return fmt.Errorf("list databases: %w", err)
	}
	seen := map[string]bool{}
	var errs []error
	for _, d := range dbs {
		if d.Name == StreamsSchema {
			continue // schemas of stream records: see syncStreams
		}
		if !e.schemas[d.Name] {
			if err := e.defineSchema(ctx, d.Name); err != nil {
				errs = append(errs, fmt.Errorf("schema %s: %w", d.Name, err))
				continue
			}
			e.schemas[d.Name] = true
		}
		tables, err := e.opts.Catalog.ListTables(ctx, d.Name, "")
		if err != nil {
			errs = append(errs, fmt.Errorf("tables of %s: %w", d.Name, err))
			continue
		}
		for _, t := range tables {
			key := d.Name + "." + t.Name
			seen[key] = true
			for v := 1; v < t.Version; v++ { // its version views stay
				seen[fmt.Sprintf("%s$v%d", key, v)] = true
			}
			st := viewState{version: t.Version, updated: t.Updated}
			if old, ok := e.views[key]; ok && old.version == st.version && old.updated.Equal(st.updated) &&
				(old.retry.IsZero() || time.Now().Before(old.retry)) {
				continue
			}
			if err := e.createView(ctx, d.Name, t.Name, t); err != nil {
				// A table without files yet (a delivery's before its first
				// buffer) is empty, as in Athena, until they come.
				st.empty = noFiles(err) && e.defineEmpty(ctx, t) == nil
				if !st.empty {
					if old, ok := e.views[key]; !ok || old.retry.IsZero() || old.version != st.version {
						e.log.Warn("table not queryable", "table", key, "err", firstLine(err.Error()))
					}
					e.dropView(ctx, d.Name, t.Name)
				}
				st.retry = time.Now().Add(viewRetry) // its files may come: a delivery, a crawl's first files
			}
			e.views[key] = st
			if t.Version > 1 {
				e.versionViews(ctx, t, seen)
			}
		}
	}
	for key := range e.views {
		if !seen[key] {
			db, tb, _ := strings.Cut(key, ".")
			e.dropView(ctx, db, tb)
			delete(e.views, key)
			delete(e.remote, key)
		}
	}
	return errors.Join(errs...)
}

// fillEmpty makes the views of tables that had no files read the files
// they have now: a statement that reads a delivery's pending records,
// which holds the delivery's writes, must see every file written before.
func (e *Engine) fillEmpty(ctx context.Context) {
	e.syncMu.Lock()
	defer e.syncMu.Unlock()
	for key, st := range e.views {
		if !st.empty {
			continue
		}
		db, name, _ := strings.Cut(key, ".")
		t, err := e.opts.Catalog.GetTable(ctx, db, name)
		if err != nil || e.createView(ctx, db, name, t) != nil {
			continue
		}
		st.empty, st.retry = false, time.Time{}
		e.views[key] = st
	}
}

// noFiles reports whether err is DuckDB finding no files for a view.
func noFiles(err error) bool {
	return strings.Contains(err.Error(), "No files found that match the pattern")
}

// defineEmpty makes t's view one of its columns without rows.
func (e *Engine) defineEmpty(ctx context.Context, t catalog.Table) error {
	body, err := standIn(t)
	if err != nil {
		return err
	}
	return e.defineView(ctx, t.Database, t.Name, body, locationResource(t.Storage.Location))
}

// versionViews makes a view "<table>$v<n>" for each older version of t: the
// files as that version's schema read them. Old versions never change, so
// each view is made once.
func (e *Engine) versionViews(ctx context.Context, t catalog.Table, seen map[string]bool) {
	versions, err := e.opts.Catalog.GetTableVersions(ctx, t.Database, t.Name)
	if err != nil {
		e.log.Warn("table versions not read", "table", t.Database+"."+t.Name, "err", err)
		return
	}
	for _, v := range versions {
		if v.Version == t.Version {
			continue
		}
		name := fmt.Sprintf("%s$v%d", t.Name, v.Version)
		key := t.Database + "." + name
		seen[key] = true
		if _, ok := e.views[key]; ok {
			continue
		}
		e.views[key] = viewState{version: v.Version, updated: v.Updated}
		if err := e.createView(ctx, t.Database, name, v); err != nil {
			e.log.Warn("table version not queryable", "table", key, "err", firstLine(err.Error()))
		}
	}
}

// viewSQL is the SELECT a table's view runs: its files read in place with
// the catalog's columns, then its partition keys.
func viewSQL(t catalog.Table, files lake.LocalFiles) (string, error) {
	loc := t.Storage.Location
	rest, ok := strings.CutPrefix(loc, "s3://")
	if !ok {
		return "", fmt.Errorf("location %q is not in the lake (s3://…)", loc)
	}
	if files == nil {
		return "", fmt.Errorf("the lake is not on this machine")
	}
	bucket, key, _ := strings.Cut(rest, "/")
	path, err := files.LocalPath(bucket, key)
	if err != nil {
		return "", err
	}
	proj, err := projectionOf(t, files)
	if err != nil {
		return "", err
	}
	hive := len(t.PartitionKeys) > 0 && proj == nil
	for i, k := range t.PartitionKeys {
		if k.Name == fmt.Sprintf("partition_%d", i) {
			hive = false // folders are not k=v: values come from the path
		}
	}
	glob := path
	if strings.HasSuffix(key, "/") || key == "" {
		// One glob level per partition key: *=* where folders are named,
		// which leaves out Hadoop's _temporary and .hidden folders and keeps
		// folders whose key is spelled in another case than the catalog's.
		for range t.PartitionKeys {
			if hive {
				glob += "/*=*"
			} else {
				glob += "/*"
			}
		}
		if len(t.PartitionKeys) == 0 {
			// Files in folders below an unpartitioned table are its too, as
			// Athena reads them: a delivery's yyyy/MM/dd/HH/ folders.
			glob += "/**"
		}
		glob += "/*"
	}
	if proj != nil {
		glob = proj.glob
	}
	var cols, typed []string
	for _, c := range t.Storage.Columns {
		ft, err := format.ParseType(c.Type)
		if err != nil {
			return "", fmt.Errorf("column %s: %w", c.Name, err)
		}
		dt := duckType(ft).String()
		cols = append(cols, fmt.Sprintf("CAST(%s AS %s) AS %s", quoteIdent(c.Name), dt, quoteIdent(c.Name)))
		typed = append(typed, fmt.Sprintf("%s: '%s'", quoteString(c.Name), quoteString(dt)))
	}
	opts := fmt.Sprintf("hive_partitioning = %t, filename = true", hive)
	if hive {
		opts += ", hive_types_autocast = false"
	}
	var from string
	switch t.Parameters["classification"] {
	case "parquet":
		from = fmt.Sprintf("read_parquet('%s', union_by_name = true, %s)", quoteString(glob), opts)
	case "json":
		from = fmt.Sprintf("read_json('%s', format = 'auto', columns = {%s}, %s)", quoteString(glob), strings.Join(typed, ", "), opts)
	case "csv":
		delim := t.Parameters["delimiter"]
		if delim == "" {
			delim = ","
		}
		header := t.Parameters["skip.header.line.count"] == "1"
		from = fmt.Sprintf("read_csv('%s', delim = '%s', header = %t, columns = {%s}, %s)",
			quoteString(glob), quoteString(delim), header, strings.Join(typed, ", "), opts)
	case "avro":
		spec := make([][2]string, len(t.Storage.Columns))
		for i, c := range t.Storage.Columns {
			spec[i] = [2]string{c.Name, c.Type}
		}
		b, _ := json.Marshal(spec)
		// Decimals arrive as text; the CASTs above make them DECIMAL again.
		from = fmt.Sprintf("tarn_avro('%s', '%s')", quoteString(glob), quoteString(string(b)))
	default:
		return "", fmt.Errorf("classification %q is not readable by the engine yet", t.Parameters["classification"])
	}
	avro := t.Parameters["classification"] == "avro"
	for i, k := range t.PartitionKeys {
		if proj != nil {
			cols = append(cols, proj.cols[i])
			continue
		}
		if hive && avro {
			// tarn_avro has no hive partitioning: the value is the folder
			// named key=value (in any case) in the row's path.
			cols = append(cols, fmt.Sprintf("regexp_extract(filename, '(?i)/%s=([^/]*)/', 1) AS %s", quoteString(regexp.QuoteMeta(k.Name)), quoteIdent(k.Name)))
			continue
		}
		if hive {
			cols = append(cols, quoteIdent(k.Name))
			continue
		}
		// The i-th folder below the table's location.
		cols = append(cols, fmt.Sprintf("split_part(substr(filename, %d), '/', %d) AS %s", len(path)+2, i+1, quoteIdent(k.Name)))
	}
	if len(cols) == 0 {
		return "", fmt.Errorf("no columns")
	}
	sel := "SELECT " + strings.Join(cols, ", ") + " FROM " + from
	if proj != nil && len(proj.where) > 0 {
		// The bounds name the values as the path gives them; the view's
		// columns may be cast, so they are checked on the path itself.
		sel += " WHERE " + strings.Join(proj.where, " AND ")
	}
	return sel, nil
}

func quoteIdent(s string) string  { return sqltext.QuoteIdent(s) }
func quoteString(s string) string { return strings.ReplaceAll(s, "'", "''") }
