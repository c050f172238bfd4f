package engine

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/catalog"
	"github.com/tarnlake/tarn/internal/format"
	"github.com/tarnlake/tarn/internal/query"
	"github.com/tarnlake/tarn/internal/query/sqltext"
	"github.com/tarnlake/tarn/internal/warehouse"
)

// ARCHIVE moves a warehouse table's old rows into the lake, so that a row
// lives in one place:
//
//	ARCHIVE [schema.]table WHERE col < value TO 's3://bucket/prefix/' AS db.table [PARTITION BY (col, …)]
//
// Each run has an id. Its rows are written as Parquet under
// archive_id=<id>/ of the catalog table, which is made or extended; then
// one warehouse transaction deletes the same rows (as many as were
// written, or nothing) and marks the run done. The view
// <schema>.<table>_all unions the warehouse table with the archived rows
// of runs marked done, and a statement that reads it holds archives back
// until its rows are read: at every moment it can see, each row is in one
// of the two places. A run killed before its transaction leaves files no
// view shows; the next ARCHIVE removes them.

const archivesTable = warehouse.System + ".archives"

type archiveStmt struct {
	schema, table string
	col, op, val  string // the cutoff: col < val or col <= val
	to            string
	db, name      string // the catalog table
	parts         []string
}

// parseArchive reads ARCHIVE; ok is false for other statements.
func parseArchive(st sqltext.Statement) (a archiveStmt, ok bool, err error) {
	toks := st.Tokens
	at := func(i int, w string) bool { return i < len(toks) && toks[i].Is(w) }
	if !at(0, "ARCHIVE") {
		return a, false, nil
	}
	bad := func(i int, want string) (archiveStmt, bool, error) {
		near := "end of statement"
		if i < len(toks) {
			near = toks[i].Raw
		}
		return a, true, &query.Error{Code: query.CodeSyntax, Message: fmt.Sprintf("ARCHIVE: expected %s at or near %q "+
			"(ARCHIVE [schema.]table WHERE col < value TO 's3://bucket/prefix/' AS db.table [PARTITION BY (col, …)])", want, near)}
	}
	n, i := name(toks, 1)
	switch len(n) {
	case 1:
		a.schema, a.table = "public", n[0]
	case 2:
		a.schema, a.table = n[0], n[1]
	default:
		return bad(1, "a table")
	}
	if !at(i, "WHERE") || i+3 >= len(toks) || !isName(toks[i+1]) {
		return bad(i, "WHERE col < value")
	}
	a.col = toks[i+1].Name()
	if a.op = toks[i+2].Text; a.op != "<" && a.op != "<=" {
		return bad(i+2, "< or <=")
	}
	switch v := toks[i+3]; v.Kind {
	case sqltext.String:
		a.val = "'" + strings.ReplaceAll(v.Text, "'", "''") + "'"
	case sqltext.Number:
		a.val = v.Text
	default:
		return bad(i+3, "a string or number")
	}
	i += 4
	if !at(i, "TO") || i+1 >= len(toks) || toks[i+1].Kind != sqltext.String {
		return bad(i, "TO 's3://…'")
	}
	a.to = toks[i+1].Text
	if !strings.HasPrefix(a.to, "s3://") {
		return bad(i+1, "an s3:// location")
	}
	if !strings.HasSuffix(a.to, "/") {
		a.to += "/"
	}
	i += 2
	if !at(i, "AS") {
		return bad(i, "AS db.table")
	}
	if n, i = name(toks, i+1); len(n) != 2 {
		return bad(i, "a catalog table db.table")
	}
	a.db, a.name = n[0], n[1]
	if at(i, "PARTITION") && at(i+1, "BY") && at(i+2, "(") {
		close := sqltext.Closing(toks, i+2)
		if close < 0 {
			return bad(i+2, "a closed column list")
		}
		for _, t := range toks[i+3 : close] {
			if isName(t) {
				a.parts = append(a.parts, t.Name())
			}
		}
		i = close + 1
	}
	if i != len(toks) {
		return bad(i, "the end")
	}
	return a, true, nil
}

func (a archiveStmt) predicate() string { return quoteIdent(a.col) + " " + a.op + " " + a.val }

// archive runs ARCHIVE.
func (s *session) archive(ctx context.Context, a archiveStmt) (query.Result, error) {
	wh := s.e.opts.Warehouse
	for _, need := range []struct {
		r    access.Resource
		what string
	}{
		{access.Resource{Kind: access.Warehouse, Name: a.schema}, "warehouse schema " + a.schema},
		{access.Database(a.db), "database " + a.db},
		{locationResource(a.to), "the archive's location " + a.to},
	} {
		if err := s.needWrite(need.r, need.what); err != nil {
			return query.Result{}, err
		}
	}
	if !s.e.isWarehouseTable(a.schema, a.table) {
		return query.Result{}, &query.Error{Code: "42P01", Message: fmt.Sprintf("warehouse table %s.%s does not exist", a.schema, a.table)}
	}
	// The lake's copy compares the cutoff as DuckDB reads the column and
	// the warehouse's DELETE as the table keeps it: a column read as text
	// would order the two differently.
	if cols, err := warehouse.TargetColumns(ctx, wh, warehouse.Target{Schema: a.schema, Table: a.table, Columns: []string{a.col}}); err != nil {
		return query.Result{}, whError(err)
	} else if cols[0].Foreign != "" {
		return query.Result{}, &query.Error{Code: "0A000", Message: fmt.Sprintf("ARCHIVE: the cutoff column %s has type %s, which tarn's warehouse reads as text: archive by a column of a type it keeps", a.col, cols[0].Foreign)}
	}
	if err := s.e.ensureArchives(ctx); err != nil {
		return query.Result{}, whError(err)
	}
	if err := s.abandonArchives(ctx); err != nil {
		// Another key's run may be in a bucket this key cannot touch: the
		// next ARCHIVE with the grants cleans it.
		s.e.log.Warn("runs cut short not cleaned", "err", err)
	}
	id := uuid.NewString()
	if _, err := wh.Exec(ctx, `INSERT INTO `+archivesTable+` VALUES ($1, $2, $3, $4, $5, $6, 'writing', 0, $7)`,
		id, a.schema, a.table, a.predicate(), a.to, a.db+"."+a.name, time.Now().UTC()); err != nil {
		return query.Result{}, whError(err)
	}
	sel := fmt.Sprintf("SELECT *, '%s' AS archive_id FROM %s.%s WHERE %s", id, quoteIdent(a.schema), quoteIdent(a.table), a.predicate())
	parts := append([]string{"archive_id"}, a.parts...)
	n, schema, partVals, written, err := s.writeFiles(ctx, sel, lakeOutput("parquet"), parts, a.to)
	if err != nil {
		return query.Result{}, errors.Join(err, s.forget(ctx, a, id, nil))
	}
	if n == 0 {
		_, err := wh.Exec(ctx, `UPDATE `+archivesTable+` SET state = 'empty' WHERE id = $1`, id)
		return query.Result{Rows: emptyRows{}, Tag: "ARCHIVE 0"}, whError(err)
	}
	if err := s.archiveTable(ctx, a, schema, parts, partVals); err != nil {
		return query.Result{}, errors.Join(err, s.forget(ctx, a, id, written))
	}
	// The commit: rows out of the warehouse and the run marked done in one
	// transaction, while no statement reads the union.
	release, _ := s.e.archives.Write(10 * time.Second)
	defer release()
	err = wh.Tx(ctx, func(tx warehouse.Execer) error {
		deleted, err := tx.Exec(ctx, fmt.Sprintf("DELETE FROM %s.%s WHERE %s", quoteIdent(a.schema), quoteIdent(a.table), a.predicate()))
		if err != nil {
			return err
		}
		if deleted != n {
			return &query.Error{Code: "40001", Message: fmt.Sprintf("ARCHIVE: %d rows match now, %d were written: the table changed meanwhile; nothing was archived, try again", deleted, n)}
		}
		_, err = tx.Exec(ctx, `UPDATE `+archivesTable+` SET state = 'done', row_count = $2 WHERE id = $1`, id, n)
		return err
	})
	if err != nil {
		return query.Result{}, errors.Join(whError(err), s.forget(ctx, a, id, written))
	}
	s.e.forceSync()
	if err := s.e.sync(ctx); err != nil {
		s.e.log.Warn("views not refreshed after an archive", "err", err)
	}
	return query.Result{Rows: emptyRows{}, Tag: fmt.Sprintf("ARCHIVE %d", n)}, nil
}

// archiveTable makes the catalog table an archive writes into, or checks
// the one there, and adds the run's partitions.
func (s *session) archiveTable(ctx context.Context, a archiveStmt, schema format.Schema, parts []string, partVals [][]string) error {
	t, err := s.catalog().GetTable(ctx, a.db, a.name)
	if errors.Is(err, catalog.ErrNotFound) {
		t = catalog.Table{Database: a.db, Name: a.name, TableType: catalog.TableType, Parameters: map[string]string{
			"classification": "parquet", "typeOfData": "file", "created_by": "tarn ARCHIVE of " + a.schema + "." + a.table},
			Storage: catalog.StorageDescriptor{Location: a.to, InputFormat: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
				OutputFormat: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
				SerDe:        catalog.SerDeInfo{SerializationLibrary: "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"}}}
		for _, c := range schema {
			if c.Name != "archive_id" && !contains(parts, c.Name) {
				t.Storage.Columns = append(t.Storage.Columns, catalog.Column{Name: c.Name, Type: c.Type.String()})
			}
		}
		for _, k := range parts {
			t.PartitionKeys = append(t.PartitionKeys, catalog.Column{Name: k, Type: "string"})
		}
		if t, err = s.catalog().CreateTable(ctx, t); err != nil {
			return wrapInternal("register "+a.db+"."+a.name, err)
		}
	} else if err != nil {
		return wrapInternal("read "+a.db+"."+a.name, err)
	} else if t.Storage.Location != a.to || len(t.PartitionKeys) != len(parts) {
		return &query.Error{Code: "42P07", Message: fmt.Sprintf("catalog table %s.%s is at %s with partitions %v, not an archive at %s by %v", a.db, a.name, t.Storage.Location, t.PartitionKeys, a.to, parts)}
	}
	return s.addPartitions(ctx, t, partVals)
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// forget undoes a run that will not be done: its files and partitions
// go, and it is marked abandoned.
func (s *session) forget(ctx context.Context, a archiveStmt, id string, written []objectRef) error {
	ctx = context.WithoutCancel(ctx)
	errs := []error{s.unwrite(written), s.dropArchivePartitions(ctx, a.db, a.name, id)}
	_, err := s.e.opts.Warehouse.Exec(ctx, `UPDATE `+archivesTable+` SET state = 'abandoned' WHERE id = $1`, id)
	return errors.Join(append(errs, err)...)
}

// abandonArchives removes what runs killed before their transaction left:
// files under archive_id=<id>/ and their partitions.
func (s *session) abandonArchives(ctx context.Context) error {
	runs, err := s.e.archiveRuns(ctx, "writing")
	if err != nil {
		return whError(err)
	}
	for _, r := range runs {
		if time.Since(r.created) < time.Minute {
			continue // perhaps still running, in this or another process
		}
		bucket, prefix, _ := strings.Cut(strings.TrimPrefix(r.location, "s3://"), "/")
		if err := s.removeUnder(ctx, bucket, prefix+"archive_id="+r.id+"/"); err != nil {
			return err
		}
		db, name, _ := strings.Cut(r.catalogTable, ".")
		if err := s.dropArchivePartitions(ctx, db, name, r.id); err != nil {
			return err
		}
		if _, err := s.e.opts.Warehouse.Exec(ctx, `UPDATE `+archivesTable+` SET state = 'abandoned' WHERE id = $1`, r.id); err != nil {
			return whError(err)
		}
	}
	return nil
}

// dropArchivePartitions removes a run's partitions from the catalog.
func (s *session) dropArchivePartitions(ctx context.Context, db, name, id string) error {
	ps, err := s.catalog().GetPartitions(ctx, db, name)
	if errors.Is(err, catalog.ErrNotFound) {
		return nil
	}
	if err != nil {
		return wrapInternal("partitions of "+db+"."+name, err)
	}
	for _, p := range ps {
		if len(p.Values) > 0 && p.Values[0] == id {
			if err := s.catalog().DeletePartition(ctx, db, name, p.Values); err != nil && !errors.Is(err, catalog.ErrNotFound) {
				return wrapInternal("drop a partition of "+db+"."+name, err)
			}
		}
	}
	return nil
}

// archiveRun is a row of the archives table.
type archiveRun struct {
	id, schema, table, location, catalogTable string
	created                                   time.Time
}

func (e *Engine) ensureArchives(ctx context.Context) error {
	wh := e.opts.Warehouse
	if _, err := wh.Exec(ctx, `CREATE SCHEMA IF NOT EXISTS `+warehouse.System); err != nil {
		return err
	}
	_, err := wh.Exec(ctx, `CREATE TABLE IF NOT EXISTS `+archivesTable+` (id varchar(36) PRIMARY KEY, schema_name varchar(127),
		table_name varchar(127), predicate varchar(1024), location varchar(1024), catalog_table varchar(255), state varchar(16),
		row_count bigint, created timestamp)`)
	return err
}

// archiveRuns lists the runs in a state.
func (e *Engine) archiveRuns(ctx context.Context, state string) ([]archiveRun, error) {
	rows, err := e.opts.Warehouse.Query(ctx, `SELECT id, schema_name, table_name, location, catalog_table, created FROM `+archivesTable+
		` WHERE state = $1 ORDER BY created`, state)
	if errors.Is(err, warehouse.ErrNoTable) || errors.Is(err, warehouse.ErrNoSchema) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []archiveRun
	for rows.Next() {
		v, err := rows.Values()
		if err != nil {
			return nil, err
		}
		r := archiveRun{}
		r.id, _ = v[0].(string)
		r.schema, _ = v[1].(string)
		r.table, _ = v[2].(string)
		r.location, _ = v[3].(string)
		r.catalogTable, _ = v[4].(string)
		r.created, _ = v[5].(time.Time)
		out = append(out, r)
	}
	return out, rows.Err()
}

// syncArchives keeps <schema>.<table>_all for each warehouse table with
// archived rows: its rows, and those of its runs marked done.
func (e *Engine) syncArchives(ctx context.Context) error {
	runs, err := e.archiveRuns(ctx, "done")
	if err != nil {
		return fmt.Errorf("archives: %w", err)
	}
	type union struct {
		ids          []string
		catalogTable string
	}
	by := map[[2]string]*union{}
	for _, r := range runs {
		k := [2]string{r.schema, r.table + "_all"}
		if by[k] == nil {
			by[k] = &union{catalogTable: r.catalogTable}
		}
		by[k].ids = append(by[k].ids, "'"+r.id+"'")
	}
	want := map[[2]string]string{}
	for k, u := range by {
		table := strings.TrimSuffix(k[1], "_all")
		cols, ok := e.whColumns(k[0], table)
		if !ok {
			continue
		}
		db, name, _ := strings.Cut(u.catalogTable, ".")
		t, err := e.opts.Catalog.GetTable(ctx, db, name)
		if err != nil {
			e.log.Warn("archive not queryable", "table", u.catalogTable, "err", err)
			continue
		}
		lakeBody, err := viewSQL(t, e.opts.Files)
		if err != nil {
			continue
		}
		sort.Strings(u.ids)
		quoted := make([]string, len(cols))
		for i, c := range cols {
			quoted[i] = quoteIdent(c)
		}
		list := strings.Join(quoted, ", ")
		body := fmt.Sprintf("SELECT %s FROM tarn_warehouse('%s', '%s') UNION ALL SELECT %s FROM (%s) WHERE archive_id IN (%s)",
			list, quoteString(k[0]), quoteString(table), list, lakeBody, strings.Join(u.ids, ", "))
		want[k] = body
		if e.unionViews[k] == body {
			continue
		}
		if err := e.defineView(ctx, k[0], k[1], body, access.Resource{Kind: access.Warehouse, Name: k[0]}); err != nil {
			e.log.Warn("archive union not queryable", "view", k[0]+"."+k[1], "err", firstLine(err.Error()))
			continue
		}
		e.unionViews[k] = body
	}
	dropUnwanted(ctx, e, e.unionViews, want)
	return nil
}

// whColumns are a warehouse table's column names, as last synced.
func (e *Engine) whColumns(schema, table string) ([]string, bool) {
	cols, ok := e.whCols[[2]string{schema, table}]
	return cols, ok
}
