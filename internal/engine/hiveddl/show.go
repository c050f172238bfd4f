package hiveddl

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/tarnlake/tarn/internal/catalog"
	"github.com/tarnlake/tarn/internal/query"
)

// show parses the SHOW statements answered from the catalog; other SHOWs
// (SHOW ALL TABLES, SHOW tbl, settings) are DuckDB's.
func (p *parser) show(pd parsed) (parsed, error) {
	p.next()
	var err error
	switch {
	case p.kw("TABLES"):
		c := &showTables{}
		if p.kw("IN") || p.kw("FROM") {
			var name string
			name, _, err = p.ident("a database name")
			c.db = strings.ToLower(name)
		}
		if err == nil {
			c.pattern, c.filter, err = p.pattern()
		}
		pd.cmd = c
	case p.kw("DATABASES") || p.kw("SCHEMAS"):
		c := &showDatabases{}
		c.pattern, c.filter, err = p.pattern()
		pd.cmd = c
	case p.kw("PARTITIONS"):
		c := &showPartitions{}
		if c.ref, err = p.tableName(); err == nil && isKw(p.peek(), "PARTITION") {
			c.spec, err = p.partSpec()
		}
		pd.cmd = c
	case p.kw("CREATE", "TABLE"):
		c := &showCreate{}
		c.ref, err = p.tableName()
		pd.cmd = c
	case p.kw("COLUMNS"):
		c := &showColumns{}
		if !p.kw("IN") && !p.kw("FROM") {
			return pd, p.errorf(p.peek(), "expected IN or FROM")
		}
		if c.ref, err = p.tableName(); err == nil && (p.kw("IN") || p.kw("FROM")) {
			t := p.peek()
			var db string
			if db, _, err = p.ident("a database name"); err == nil && c.ref.db != "" {
				err = p.errorf(t, "the database is already given as %s", c.ref.db)
			}
			c.ref.db = strings.ToLower(db)
		}
		pd.cmd = c
	case p.kw("TBLPROPERTIES"):
		c := &showTblProps{}
		if c.ref, err = p.tableName(); err == nil && p.sym("(") {
			if c.key, _, err = p.str("a property name"); err == nil {
				err = p.expectSym(")")
			}
		}
		pd.cmd = c
	default:
		return parsed{}, nil
	}
	if err != nil {
		return pd, err
	}
	return pd, p.end()
}

// hiveMatch matches name against a SHOW pattern as Hive does: '*' is any
// run of characters, '|' separates alternatives, case is ignored.
func hiveMatch(pattern, name string) bool {
	for _, alt := range strings.Split(strings.ToLower(pattern), "|") {
		if glob(strings.TrimSpace(alt), strings.ToLower(name)) {
			return true
		}
	}
	return false
}

// glob matches with '*' only, backtracking to the last star: linear enough
// that hostile patterns cannot stall a statement.
func glob(pat, s string) bool {
	pi, si, star, mark := 0, 0, -1, 0
	for si < len(s) {
		switch {
		case pi < len(pat) && pat[pi] == '*':
			star, mark = pi, si
			pi++
		case pi < len(pat) && pat[pi] == s[si]:
			pi++
			si++
		case star >= 0:
			mark++
			pi, si = star+1, mark
		default:
			return false
		}
	}
	for pi < len(pat) && pat[pi] == '*' {
		pi++
	}
	return pi == len(pat)
}

type showTables struct {
	db      string
	pattern string
	filter  bool
}

func (c *showTables) run(ctx context.Context, e *env) (Result, error) {
	res := Result{Tag: "SHOW", Columns: []string{"tab_name"}, Rows: [][]string{}}
	db := c.db
	if db == "" {
		db = e.db
	}
	tables, err := e.cat.ListTables(ctx, db, "")
	if errors.Is(err, catalog.ErrNotFound) {
		return res, errorf(undefinedDatabase, "database %s does not exist", db)
	} else if err != nil {
		return res, e.fail(ctx, err)
	}
	for _, t := range tables {
		if !c.filter || hiveMatch(c.pattern, t.Name) {
			res.Rows = append(res.Rows, []string{t.Name})
		}
	}
	return res, nil
}

type showDatabases struct {
	pattern string
	filter  bool
}

func (c *showDatabases) run(ctx context.Context, e *env) (Result, error) {
	res := Result{Tag: "SHOW", Columns: []string{"database_name"}, Rows: [][]string{}}
	dbs, err := e.cat.ListDatabases(ctx)
	if err != nil {
		return res, e.fail(ctx, err)
	}
	for _, d := range dbs {
		if !c.filter || hiveMatch(c.pattern, d.Name) {
			res.Rows = append(res.Rows, []string{d.Name})
		}
	}
	return res, nil
}

type showPartitions struct {
	ref  tableRef
	spec []partKV
}

func (c *showPartitions) run(ctx context.Context, e *env) (Result, error) {
	res := Result{Tag: "SHOW", Columns: []string{"partition"}, Rows: [][]string{}}
	t, err := e.table(ctx, c.ref)
	if err != nil {
		return res, err
	}
	vals, set, err := specValues(t, c.spec, false)
	if err != nil {
		return res, err
	}
	parts, err := e.cat.GetPartitions(ctx, t.Database, t.Name)
	if err != nil {
		return res, e.tableErr(ctx, err, t.Database, t.Name)
	}
	for _, pt := range parts {
		if matches(pt.Values, vals, set) {
			res.Rows = append(res.Rows, []string{partName(t.PartitionKeys, pt.Values)})
		}
	}
	return res, nil
}

type showCreate struct{ ref tableRef }

func (c *showCreate) run(ctx context.Context, e *env) (Result, error) {
	t, err := e.table(ctx, c.ref)
	if err != nil {
		return Result{Tag: "SHOW"}, err
	}
	return Result{Tag: "SHOW", Columns: []string{"createtab_stmt"}, Rows: [][]string{{createStatement(t)}}}, nil
}

// showColumns lists columns then partition keys, as Hive does.
type showColumns struct{ ref tableRef }

func (c *showColumns) run(ctx context.Context, e *env) (Result, error) {
	res := Result{Tag: "SHOW", Columns: []string{"field"}, Rows: [][]string{}}
	t, err := e.table(ctx, c.ref)
	for _, col := range slices.Concat(t.Storage.Columns, t.PartitionKeys) {
		res.Rows = append(res.Rows, []string{col.Name})
	}
	return res, err
}

type showTblProps struct {
	ref tableRef
	key string
}

func (c *showTblProps) run(ctx context.Context, e *env) (Result, error) {
	res := Result{Tag: "SHOW", Columns: []string{"prpt_name", "prpt_value"}, Rows: [][]string{}}
	t, err := e.table(ctx, c.ref)
	for _, k := range sortedKeys(t.Parameters) {
		if c.key == "" || c.key == k {
			res.Rows = append(res.Rows, []string{k, t.Parameters[k]})
		}
	}
	return res, err
}

// describe parses DESCRIBE [EXTENDED|FORMATTED] [db.]table [column]. It is
// tentative: DESCRIBE of a DuckDB table or of a query is DuckDB's.
func (p *parser) describe(pd parsed) (parsed, error) {
	p.next()
	switch t := p.peek(); {
	case t.kind != tkWord && t.kind != tkBacktick && t.kind != tkDQuoted:
		return parsed{}, nil
	case t.kind == tkWord && slices.Contains([]string{"SELECT", "WITH", "FROM", "VALUES", "TABLE", "PIVOT", "UNPIVOT",
		"SUMMARIZE", "INSERT", "UPDATE", "DELETE", "SHOW", "DESCRIBE", "EXPLAIN", "CALL"}, strings.ToUpper(t.text)):
		return parsed{}, nil
	}
	if (isKw(p.peek(), "EXTENDED") || isKw(p.peek(), "FORMATTED")) && p.at(1).kind != tkEOF && !isSym(p.at(1), ";") {
		p.next()
	}
	pd.tentative = true
	c := &describeCmd{}
	var err error
	if c.ref, err = p.tableName(); err != nil {
		return pd, err
	}
	pd.probe, pd.cmd = &c.ref, c
	if !p.atEnd() {
		if c.column, _, err = p.ident("a column name"); err != nil {
			return pd, err
		}
		c.column = strings.ToLower(c.column)
	}
	return pd, p.end()
}

type describeCmd struct {
	ref    tableRef
	column string
}

// run lists columns and partition keys, then the partition keys again
// under "# Partition Information", as Hive and Athena print them.
func (c *describeCmd) run(ctx context.Context, e *env) (Result, error) {
	res := Result{Tag: "DESCRIBE", Columns: []string{"col_name", "data_type", "comment"}, Rows: [][]string{}}
	t, err := e.table(ctx, c.ref)
	if err != nil {
		return res, err
	}
	for _, col := range slices.Concat(t.Storage.Columns, t.PartitionKeys) {
		if c.column == "" || c.column == col.Name {
			res.Rows = append(res.Rows, []string{col.Name, col.Type, col.Comment})
		}
	}
	switch {
	case c.column != "" && len(res.Rows) == 0:
		return res, &query.Error{Code: query.CodeUndefinedColumn, Message: "table " + t.Database + "." + t.Name + " has no column " + c.column}
	case c.column != "" || len(t.PartitionKeys) == 0:
		return res, nil
	}
	res.Rows = append(res.Rows, []string{"", "", ""}, []string{"# Partition Information", "", ""}, []string{"# col_name", "data_type", "comment"})
	for _, k := range t.PartitionKeys {
		res.Rows = append(res.Rows, []string{k.Name, k.Type, k.Comment})
	}
	return res, nil
}
