package engine

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/catalog"
	"github.com/tarnlake/tarn/internal/query"
	"github.com/tarnlake/tarn/internal/query/sqltext"
	"github.com/tarnlake/tarn/internal/warehouse"
	"github.com/tarnlake/tarn/internal/warehouse/copyfrom"
	"github.com/tarnlake/tarn/internal/warehouse/redshift"
)

// The statements that make and change warehouse tables are the
// warehouse's: tarn finds their table, checks the key's grant on its
// schema, and runs them in the warehouse (INSERT's rows come from the
// engine, so they may read lake tables and streams). A table named
// without a schema is public's, as in Redshift.

// whStmt is a statement on a warehouse table.
type whStmt struct {
	kind          string // CREATE, DROP, INSERT, UPDATE, DELETE, TRUNCATE
	schema, table string
	cols          []string // INSERT's column list
	sel           string   // INSERT's query
	text          string   // the statement for the warehouse, its table qualified
}

// warehouseWrite runs st if it is a warehouse statement; handled is
// false for other statements.
func (s *session) warehouseWrite(ctx context.Context, st sqltext.Statement) (query.Result, bool, error) {
	if s.e.opts.Warehouse == nil {
		return query.Result{}, false, nil
	}
	if a, ok, err := parseArchive(st); ok {
		if err != nil {
			return query.Result{}, true, err
		}
		res, err := s.archive(ctx, a)
		return res, true, err
	}
	if st.Tokens[0].Is("COPY") || st.Tokens[0].Is("UNLOAD") || len(st.Tokens) > 2 && st.Tokens[0].Is("CREATE") && st.Tokens[1].Is("EXTERNAL") && st.Tokens[2].Is("SCHEMA") {
		return s.redshiftStmt(ctx, st)
	}
	w, ok := s.parseWarehouse(ctx, st)
	if !ok {
		return query.Result{}, false, nil
	}
	res := access.Resource{Kind: access.Warehouse, Name: w.schema}
	if err := s.needWrite(res, "warehouse schema "+w.schema); err != nil {
		return query.Result{}, true, err
	}
	if w.kind != "INSERT" {
		if err := whGuard(w.kind, w.table, w.text); err != nil {
			return query.Result{}, true, err
		}
	}
	if w.kind == "UPDATE" || w.kind == "DELETE" {
		// These run in the warehouse as written: every other schema they
		// read needs its grant.
		for _, sch := range s.e.whReads(st.Tokens, w.schema) {
			if !s.mayRead(access.Resource{Kind: access.Warehouse, Name: sch}) {
				return query.Result{}, true, denied("permission denied: key %s may not read warehouse schema %s; grant it read on warehouse:%s", s.user, sch, sch)
			}
		}
	}
	wh := s.e.opts.Warehouse
	var n int64
	var err error
	switch w.kind {
	case "INSERT":
		n, err = s.whInsert(ctx, w)
	case "CREATE":
		// CREATE SCHEMA makes a catalog database, as in Athena; a
		// warehouse schema comes with its first table.
		if _, err = wh.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+quoteIdent(w.schema)); err == nil {
			if n, err = wh.Exec(ctx, w.text); err == nil {
				err = keepable(ctx, wh, w)
			}
		}
	default:
		n, err = wh.Exec(ctx, w.text)
	}
	if err != nil {
		return query.Result{}, true, whError(err)
	}
	s.e.forceSync()
	tag := w.kind
	switch w.kind {
	case "INSERT":
		tag = fmt.Sprintf("INSERT 0 %d", n)
	case "UPDATE", "DELETE":
		tag = fmt.Sprintf("%s %d", w.kind, n)
	case "CREATE":
		tag = "CREATE TABLE"
	case "DROP":
		tag = "DROP TABLE"
	case "TRUNCATE":
		tag = "TRUNCATE TABLE"
	case "ALTER":
		tag = "ALTER TABLE"
	}
	return query.Result{Rows: emptyRows{}, Tag: tag}, true, nil
}

// keepable undoes a CREATE TABLE whose columns the warehouse cannot read
// back (a type it does not keep): left, it would keep every table of the
// warehouse from being listed.
func keepable(ctx context.Context, wh warehouse.Store, w whStmt) error {
	ts, err := wh.Tables(ctx, w.schema)
	for _, t := range ts {
		for _, c := range t.Columns {
			if t.Name == w.table && c.Foreign != "" && err == nil {
				// PostgreSQL lists it, but loads would refuse it.
				err = fmt.Errorf("column %s: type %s is not a warehouse type tarn keeps", c.Name, c.Foreign)
			}
		}
	}
	if err == nil {
		return nil
	}
	if _, derr := wh.Exec(ctx, "DROP TABLE "+quoteIdent(w.schema)+"."+quoteIdent(w.table)); derr != nil {
		return errors.Join(err, derr)
	}
	return &query.Error{Code: "42704", Message: "warehouse: " + err.Error() + "; the table was not made"}
}

// whError gives a warehouse's error the SQL state clients expect.
func whError(err error) error {
	var qe *query.Error
	if errors.As(err, &qe) {
		return err
	}
	if errors.Is(err, warehouse.ErrNoTable) {
		return &query.Error{Code: "42P01", Message: err.Error()}
	}
	return &query.Error{Code: "XX000", Message: "warehouse: " + err.Error()}
}

// parseWarehouse reads st as a warehouse statement.
func (s *session) parseWarehouse(ctx context.Context, st sqltext.Statement) (w whStmt, ok bool) {
	toks := st.Tokens
	at := func(i int, word string) bool { return i < len(toks) && toks[i].Is(word) }
	i := 0
	switch {
	case at(0, "CREATE") && at(1, "TABLE"):
		w.kind, i = "CREATE", 2
		if at(i, "IF") && at(i+1, "NOT") && at(i+2, "EXISTS") {
			i += 3
		}
	case at(0, "DROP") && at(1, "TABLE"):
		w.kind, i = "DROP", 2
		if at(i, "IF") && at(i+1, "EXISTS") {
			i += 2
		}
	case at(0, "INSERT") && at(1, "INTO"):
		w.kind, i = "INSERT", 2
	case at(0, "UPDATE"):
		w.kind, i = "UPDATE", 1
	case at(0, "DELETE") && at(1, "FROM"):
		w.kind, i = "DELETE", 2
	case at(0, "TRUNCATE"):
		w.kind, i = "TRUNCATE", 1
		if at(i, "TABLE") {
			i++
		}
	case at(0, "ALTER") && at(1, "TABLE"):
		w.kind, i = "ALTER", 2
	default:
		return w, false
	}
	n, end := name(toks, i)
	switch len(n) {
	case 1:
		w.schema, w.table = "public", n[0]
	case 2:
		w.schema, w.table = n[0], n[1]
	default:
		return w, false
	}
	if w.kind == "CREATE" {
		// A table of columns in a schema that is not a catalog database's:
		// CTAS and Hive DDL are the lake's.
		if !at(end, "(") || s.isCatalogDB(ctx, w.schema) {
			return w, false
		}
	} else if !s.e.isWarehouseTable(w.schema, w.table) {
		return w, false
	}
	// The table, qualified, then the rest as written.
	head := st.Text[:toks[i].Pos-st.Pos]
	rest := ""
	if end < len(toks) {
		rest = st.Text[toks[end].Pos-st.Pos:]
	}
	w.text = head + quoteIdent(w.schema) + "." + quoteIdent(w.table) + " " + rest
	if w.kind == "CREATE" || w.kind == "ALTER" {
		w.text = redshiftDDL(w.text)
	}
	if w.kind == "INSERT" {
		j := end
		if at(j, "(") && !(at(j+1, "SELECT") || at(j+1, "WITH")) {
			close := sqltext.Closing(toks, j)
			if close < 0 {
				return w, false
			}
			for _, t := range toks[j+1 : close] {
				if isName(t) {
					w.cols = append(w.cols, t.Name())
				}
			}
			j = close + 1
		}
		if j >= len(toks) {
			return w, false
		}
		w.sel = st.Text[toks[j].Pos-st.Pos:]
	}
	return w, true
}

func (s *session) isCatalogDB(ctx context.Context, name string) bool {
	if s.e.opts.Catalog == nil {
		return false
	}
	_, err := s.e.opts.Catalog.GetDatabase(ctx, name)
	return err == nil || !errors.Is(err, catalog.ErrNotFound)
}

// whReads lists the schemas other than target a statement names: a
// schema-qualified name, or a table named alone after FROM, JOIN or USING
// (public's). Qualified names of schemas that are not the warehouse's
// (pg_catalog…) count too: the warehouse's grants decide.
func (e *Engine) whReads(toks []sqltext.Token, target string) []string {
	var out []string
	add := func(s string) {
		if s != target && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if !isName(t) {
			continue
		}
		if i+2 < len(toks) && toks[i+1].Is(".") && isName(toks[i+2]) {
			if i+4 < len(toks) && toks[i+3].Is(".") && isName(toks[i+4]) { // db.schema.table
				add(toks[i+2].Name())
				i += 4
				continue
			}
			if e.isWarehouseSchema(t.Name()) || i > 0 && (toks[i-1].Is("FROM") || toks[i-1].Is("JOIN") || toks[i-1].Is("USING") || toks[i-1].Is(",")) {
				add(t.Name())
			}
			i += 2
			continue
		}
		if i > 1 && (toks[i-1].Is("FROM") || toks[i-1].Is("JOIN") || toks[i-1].Is("USING")) && !(i == 2 && toks[0].Is("DELETE")) {
			add("public")
		}
	}
	return out
}

// isWarehouseSchema reports whether the last sync found tables in it.
func (e *Engine) isWarehouseSchema(name string) bool {
	e.syncMu.Lock()
	defer e.syncMu.Unlock()
	for k := range e.whViews {
		if k[0] == name {
			return true
		}
	}
	return false
}

// isWarehouseTable reports whether the last sync found the table.
func (e *Engine) isWarehouseTable(schema, table string) bool {
	e.syncMu.Lock()
	defer e.syncMu.Unlock()
	_, ok := e.whViews[[2]string{schema, table}]
	return ok
}

// redshiftOnly are Redshift's table attributes that place and compress
// data on its nodes: meaningless here, so left out of the DDL.
var redshiftOnly = map[string]int{"ENCODE": 1, "DISTSTYLE": 1, "DISTKEY": 0, "SORTKEY": 0, "COMPOUND": 0, "INTERLEAVED": 0, "BACKUP": 1}

// redshiftDDL drops Redshift's placement and compression clauses from a
// CREATE TABLE, spells VARCHAR(MAX) as PostgreSQL can, and gives NUMERIC
// and DECIMAL without arguments Redshift's precision and scale, (18,0)
// (left bare, PostgreSQL would keep any scale and DuckDB three digits).
func redshiftDDL(text string) string {
	toks, err := sqltext.Lex(text)
	if err != nil {
		return text
	}
	var b strings.Builder
	last := 0
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		// After "(" or "," the word names a column ("encode int"), not a clause.
		if args, ok := redshiftOnly[t.Text]; ok && t.Kind == sqltext.Word && (i == 0 || !toks[i-1].Is("(") && !toks[i-1].Is(",")) {
			b.WriteString(text[last:t.Pos])
			b.WriteByte(' ') // what is left on either side never joins into a token
			j := i + 1 + args
			if j < len(toks) && toks[j].Is("(") {
				if c := sqltext.Closing(toks, j); c > 0 {
					j = c + 1
				}
			}
			if j < len(toks) {
				last = toks[j].Pos
			} else {
				last = len(text)
			}
			i = j - 1
			continue
		}
		if t.Kind == sqltext.Word && (t.Text == "NUMERIC" || t.Text == "DECIMAL") && i > 0 && !toks[i-1].Is("(") && !toks[i-1].Is(",") &&
			(i+1 == len(toks) || !toks[i+1].Is("(")) {
			b.WriteString(text[last : t.Pos+len(t.Raw)])
			b.WriteString("(18,0)")
			last = t.Pos + len(t.Raw)
		}
		if t.Kind == sqltext.Word && t.Text == "MAX" && i > 0 && toks[i-1].Is("(") {
			b.WriteString(text[last:t.Pos])
			b.WriteString(" 65535 ")
			last = t.Pos + len(t.Raw)
		}
	}
	b.WriteString(text[last:])
	return b.String()
}

// whInsert runs INSERT's query in the engine and loads its rows.
func (s *session) whInsert(ctx context.Context, w whStmt) (int64, error) {
	if err := oneQuery(w.sel); err != nil {
		return 0, err
	}
	ts, err := s.e.opts.Warehouse.Tables(ctx, w.schema)
	if err != nil {
		return 0, err
	}
	types := map[string]warehouse.Column{}
	var all []string
	for _, t := range ts {
		if t.Name == w.table {
			for _, c := range t.Columns {
				types[c.Name] = c
				all = append(all, c.Name)
			}
		}
	}
	cols := w.cols
	if len(cols) == 0 {
		cols = all
	}
	// The query's values cast to the columns' types here, as PostgreSQL
	// casts an INSERT's: '2026-12-01' into a date column is a date.
	aliases := make([]string, len(cols))
	casts := make([]string, len(cols))
	typed := make([]warehouse.Column, len(cols))
	for i, c := range cols {
		col, ok := types[c]
		if !ok {
			return 0, &query.Error{Code: "42703", Message: fmt.Sprintf("column %q of relation %s.%s does not exist", c, w.schema, w.table)}
		}
		aliases[i] = quoteIdent(fmt.Sprintf("c%d", i))
		casts[i] = fmt.Sprintf("CAST(%s AS %s)", aliases[i], col.SQL())
		typed[i] = col
	}
	if err := warehouse.Loadable(w.table, typed); err != nil {
		return 0, &query.Error{Code: "0A000", Message: err.Error()}
	}
	sel, _ := pgCompat(w.sel)
	sel = fmt.Sprintf("SELECT %s FROM (%s) AS q(%s)", strings.Join(casts, ", "), sel, strings.Join(aliases, ", "))
	rows, err := s.conn.QueryContext(ctx, s.withUser(sel))
	if err != nil {
		return 0, sqlError(ctx, err, w.sel)
	}
	defer rows.Close()
	got, err := rows.Columns()
	if err != nil {
		return 0, err
	}
	if len(got) != len(cols) {
		return 0, &query.Error{Code: "42601", Message: fmt.Sprintf("INSERT has %d target columns but its query gives %d", len(cols), len(got))}
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	seq := iter.Seq2[[]any, error](func(yield func([]any, error) bool) {
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				yield(nil, err)
				return
			}
			row := make([]any, len(vals))
			for i, v := range vals {
				if d, ok := v.(duckdb.Decimal); ok {
					v = warehouse.FormatDecimal(d.Value, int(d.Scale))
				}
				row[i] = v
			}
			if !yield(row, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(nil, err)
		}
	})
	return s.e.opts.Warehouse.Load(ctx, warehouse.Target{Schema: w.schema, Table: w.table, Columns: cols}, warehouse.RowBatches(typed, seq))
}

// redshiftStmt runs Redshift's COPY from the lake into a warehouse table,
// and its UNLOAD.
func (s *session) redshiftStmt(ctx context.Context, st sqltext.Statement) (query.Result, bool, error) {
	stmt, ok, err := redshift.Parse(st.Text)
	if !ok {
		return query.Result{}, false, nil
	}
	if err != nil {
		var pe *redshift.Error
		if errors.As(err, &pe) {
			return query.Result{}, true, &query.Error{Code: query.CodeSyntax, Message: pe.Msg, Position: len([]rune(st.Text[:min(pe.Pos, len(st.Text))])) + 1}
		}
		return query.Result{}, true, &query.Error{Code: query.CodeSyntax, Message: err.Error()}
	}
	if x, isSchema := stmt.(*redshift.ExternalSchema); isSchema {
		res, err := s.createExternal(ctx, x)
		return res, true, err
	}
	if u, isUnload := stmt.(*redshift.Unload); isUnload {
		res, err := s.redshiftUnload(ctx, u)
		return res, true, err
	}
	c, isCopy := stmt.(*redshift.Copy)
	if !isCopy || s.e.opts.Lake == nil {
		return query.Result{}, false, nil
	}
	schema := c.Schema
	if schema == "" {
		schema = "public"
	}
	if err := s.needWrite(access.Resource{Kind: access.Warehouse, Name: schema}, "warehouse schema "+schema); err != nil {
		return query.Result{}, true, err
	}
	caller := access.Key{Name: s.user, Root: true}
	if s.key != nil {
		caller = *s.key
	}
	res, err := copyfrom.Run(ctx, copyfrom.Options{Store: s.e.opts.Warehouse, Lake: s.e.opts.Lake, Parquet: s.e.opts.Parquet, Log: s.e.opts.Log}, copyfrom.Job{Copy: c, Caller: caller})
	if err != nil {
		var ce *copyfrom.Error
		switch {
		case errors.As(err, &ce) && strings.HasPrefix(ce.Msg, "permission denied"):
			return query.Result{}, true, denied("%s", ce.Msg)
		case errors.As(err, &ce):
			return query.Result{}, true, &query.Error{Code: "XX000", Message: ce.Msg}
		}
		return query.Result{}, true, whError(err)
	}
	s.e.forceSync()
	return query.Result{Rows: emptyRows{}, Tag: fmt.Sprintf("COPY %d", res.Rows)}, true, nil
}
