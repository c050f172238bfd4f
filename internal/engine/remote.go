package engine

import (
	"context"
	"fmt"
	"strings"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/catalog"
	"github.com/tarnlake/tarn/internal/format"
	"github.com/tarnlake/tarn/internal/query"
	"github.com/tarnlake/tarn/internal/query/sqltext"
	"github.com/tarnlake/tarn/internal/warehouse"
)

// A lake that is not on this machine is read through local copies that
// Options.Prepare brings up to date before each statement, for the tables
// the statement names. Until a table is first read its copy may not exist,
// and DuckDB checks a view's files when the view is made: so its view
// starts as a stand-in with the table's columns and no rows (which
// PostgreSQL clients list and describe like any table) and becomes the
// view over the files after the first Prepare.

// remoteView is a view whose files Prepare fetches.
type remoteView struct {
	bucket, prefix string
	keys           []string // partition keys, in folder order
	hive           bool     // folders are named key=value
	body           string   // the SELECT over the local copies
	made           bool     // the view is body, not the stand-in
}

// createView makes the view db.name over t's files, or its stand-in when
// the files come through Prepare.
func (e *Engine) createView(ctx context.Context, db, name string, t catalog.Table) error {
	key := db + "." + name
	delete(e.remote, key)
	if t.Parameters["classification"] == warehouse.Classification {
		// A warehouse table a crawler registered: read from the warehouse.
		loc := strings.Split(t.Storage.Location, ".")
		if e.opts.Warehouse == nil || len(loc) != 3 {
			return fmt.Errorf("warehouse table %s (location %q): no warehouse here, or not database.schema.table", key, t.Storage.Location)
		}
		body := fmt.Sprintf("SELECT * FROM tarn_warehouse('%s', '%s')", quoteString(loc[1]), quoteString(loc[2]))
		return e.defineView(ctx, db, name, body, access.Resource{Kind: access.Warehouse, Name: loc[1]})
	}
	body, err := viewSQL(t, e.opts.Files)
	if err != nil {
		return err
	}
	if e.opts.Prepare != nil {
		bucket, prefix, _ := strings.Cut(strings.TrimPrefix(t.Storage.Location, "s3://"), "/")
		stub, err := standIn(t)
		if err != nil {
			return err
		}
		rv := remoteView{bucket: bucket, prefix: prefix, body: body, hive: len(t.PartitionKeys) > 0}
		if len(t.PartitionKeys) > 0 && !strings.HasSuffix(prefix, "/") && prefix != "" {
			rv.prefix += "/" // a folder of partitions
		}
		for i, k := range t.PartitionKeys {
			rv.keys = append(rv.keys, k.Name)
			if k.Name == fmt.Sprintf("partition_%d", i) {
				rv.hive = false
			}
		}
		if strings.EqualFold(t.Parameters["projection.enabled"], "true") {
			rv.keys = nil // the template, not the keys, names the folders
		}
		e.remote[key] = rv
		body = stub
	}
	return e.defineView(ctx, db, name, body, locationResource(t.Storage.Location))
}

// standIn is a SELECT of no rows with the columns, and types, of t's view.
func standIn(t catalog.Table) (string, error) {
	var cols []string
	for _, c := range t.Storage.Columns {
		ft, err := format.ParseType(c.Type)
		if err != nil {
			return "", fmt.Errorf("column %s: %w", c.Name, err)
		}
		cols = append(cols, fmt.Sprintf("CAST(NULL AS %s) AS %s", duckType(ft).String(), quoteIdent(c.Name)))
	}
	for _, k := range t.PartitionKeys { // read from folder names: text
		cols = append(cols, "CAST(NULL AS VARCHAR) AS "+quoteIdent(k.Name))
	}
	return "SELECT " + strings.Join(cols, ", ") + " WHERE false", nil
}

// prepare runs Options.Prepare for every lake table text may read, then
// turns their stand-ins into views over the files. The tables are found
// by name among the statement's identifiers: a name that is not a table
// there (a column, an alias) costs one listing, a statement that cannot
// be split into tokens prepares nothing and DuckDB reports what is missing.
// Views made from other views are not followed.
func (e *Engine) prepare(ctx context.Context, text string) error {
	if e.opts.Prepare == nil {
		return nil
	}
	names, ok := identifiers(text)
	if !ok || len(names) == 0 {
		return nil
	}
	type location struct{ bucket, prefix string }
	var keys []string
	var locs []location
	seen := map[location]bool{}
	add := func(l location) {
		if !seen[l] {
			seen[l] = true
			locs = append(locs, l)
		}
	}
	var filter *partitionFilter
	e.syncMu.Lock()
	views := map[string]remoteView{}
	for db := range e.schemas {
		for n := range names {
			if v, ok := e.remote[db+"."+n]; ok {
				views[db+"."+n] = v
				keys = append(keys, db+"."+n)
			}
		}
	}
	e.syncMu.Unlock()
	if len(views) == 1 {
		for key, v := range views {
			if len(v.keys) > 0 {
				if f, ok := e.filterOf(ctx, text); ok && f.names(key) {
					filter = &f
				}
			}
		}
	}
	for _, v := range views {
		if filter != nil {
			prefixes, err := e.prunedPrefixes(ctx, v, *filter)
			if err != nil {
				return &query.Error{Code: "58030", Message: fmt.Sprintf("read the lake's files at s3://%s/%s: %v", v.bucket, v.prefix, err)}
			}
			if prefixes != nil {
				for _, p := range prefixes {
					add(location{v.bucket, p})
				}
				continue
			}
		}
		add(location{v.bucket, v.prefix})
	}
	for _, l := range locs {
		if err := e.opts.Prepare(ctx, l.bucket, l.prefix); err != nil {
			if ctx.Err() != nil {
				return sqlError(ctx, err, text)
			}
			return &query.Error{Code: "58030", Message: fmt.Sprintf("read the lake's files at s3://%s/%s: %v", l.bucket, l.prefix, err)}
		}
	}

	e.syncMu.Lock()
	defer e.syncMu.Unlock()
	for _, key := range keys {
		v, ok := e.remote[key]
		if !ok || v.made {
			continue
		}
		db, name, _ := strings.Cut(key, ".")
		if err := e.defineView(ctx, db, name, v.body, access.Bucket(v.bucket)); err != nil {
			// As on a local lake, a table that cannot be read is no view;
			// unlike there, the next statement naming it tries again, since
			// its files may change without the catalog.
			e.log.Warn("table not queryable", "table", key, "err", firstLine(err.Error()))
			e.dropView(ctx, db, name)
			continue
		}
		v.made = true
		e.remote[key] = v
	}
	return nil
}

// identifiers returns the identifiers of a SQL text, lower case, quoted
// ones unquoted; ok is false when text does not scan.
func identifiers(text string) (map[string]bool, bool) {
	toks, err := sqltext.Lex(text)
	if err != nil {
		return nil, false
	}
	ids := map[string]bool{}
	for _, t := range toks {
		if t.Kind == sqltext.Word || t.Kind == sqltext.Ident {
			ids[strings.ToLower(t.Text)] = true
		}
	}
	return ids, true
}

// locationResource is the bucket a table's files are in.
func locationResource(loc string) access.Resource {
	bucket, _, _ := strings.Cut(strings.TrimPrefix(loc, "s3://"), "/")
	return access.Bucket(bucket)
}
