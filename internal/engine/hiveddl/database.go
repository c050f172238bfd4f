package hiveddl

import (
	"context"
	"errors"
	"strings"

	"github.com/tarnlake/tarn/internal/catalog"
)

// createDatabase is CREATE DATABASE|SCHEMA [IF NOT EXISTS] name [COMMENT
// '...'] [LOCATION '...'] [WITH DBPROPERTIES (...)].
type createDatabase struct {
	tag         string
	ifNotExists bool
	db          catalog.Database
}

func (p *parser) createDatabase() (command, error) {
	c := &createDatabase{tag: "CREATE " + strings.ToUpper(p.toks[p.i-1].text), ifNotExists: p.kw("IF", "NOT", "EXISTS")}
	name, _, err := p.ident("a database name")
	if err != nil {
		return nil, err
	}
	c.db.Name = strings.ToLower(name)
	seen := map[string]bool{}
	for p.peek().kind != tkEOF && !isSym(p.peek(), ";") {
		t := p.next()
		clause := strings.ToUpper(t.text)
		if t.kind == tkWord && seen[clause] {
			return nil, p.errorf(t, "%s is given twice", clause)
		}
		seen[clause] = true
		switch {
		case isKw(t, "COMMENT"):
			c.db.Description, _, err = p.str("the database comment")
		case isKw(t, "LOCATION"):
			c.db.LocationURI, err = p.location()
		case isKw(t, "WITH"):
			if err = p.expectKw("DBPROPERTIES"); err == nil {
				c.db.Parameters, err = p.props()
			}
		default:
			err = p.errorf(t, "expected COMMENT, LOCATION or WITH DBPROPERTIES")
		}
		if err != nil {
			return nil, err
		}
	}
	return c, p.end()
}

func (c *createDatabase) run(ctx context.Context, e *env) (Result, error) {
	err := e.cat.CreateDatabase(ctx, c.db)
	switch {
	case err == nil || errors.Is(err, catalog.ErrExists) && c.ifNotExists:
		return Result{Tag: c.tag}, nil
	case errors.Is(err, catalog.ErrExists):
		return Result{Tag: c.tag}, errorf(duplicateDatabase, "database %s already exists", c.db.Name)
	}
	return Result{Tag: c.tag}, e.fail(ctx, err)
}

// dropDatabase is DROP DATABASE|SCHEMA [IF EXISTS] name [RESTRICT|CASCADE];
// RESTRICT, the default, refuses a database that still has tables.
type dropDatabase struct {
	tag               string
	name              string
	ifExists, cascade bool
}

func (p *parser) dropDatabase() (command, error) {
	c := &dropDatabase{tag: "DROP " + strings.ToUpper(p.toks[p.i-1].text), ifExists: p.kw("IF", "EXISTS")}
	name, _, err := p.ident("a database name")
	if err != nil {
		return nil, err
	}
	c.name = strings.ToLower(name)
	if c.cascade = p.kw("CASCADE"); !c.cascade {
		p.kw("RESTRICT")
	}
	return c, p.end()
}

func (c *dropDatabase) run(ctx context.Context, e *env) (Result, error) {
	res := Result{Tag: c.tag}
	tables, err := e.cat.ListTables(ctx, c.name, "")
	switch {
	case errors.Is(err, catalog.ErrNotFound) && c.ifExists:
		return res, nil
	case errors.Is(err, catalog.ErrNotFound):
		return res, errorf(undefinedDatabase, "database %s does not exist", c.name)
	case err != nil:
		return res, e.fail(ctx, err)
	case len(tables) > 0 && !c.cascade:
		return res, errorf(notEmpty, "database %s still has %d tables (%s...): drop them first or add CASCADE", c.name, len(tables), tables[0].Name)
	}
	// Like DROP TABLE, this forgets tables but never deletes their data.
	if err := e.cat.DeleteDatabase(ctx, c.name); err != nil && !(errors.Is(err, catalog.ErrNotFound) && c.ifExists) {
		return res, e.fail(ctx, err)
	}
	return res, nil
}

// dropTable is DROP TABLE [IF EXISTS] [db.]name [PURGE]. It removes the
// table from the catalog only: Athena never deletes an external table's
// data.
type dropTable struct {
	ref      tableRef
	ifExists bool
}

func (p *parser) dropTable(pd *parsed) (command, error) {
	c := &dropTable{ifExists: p.kw("IF", "EXISTS")}
	var err error
	if c.ref, err = p.tableName(); err != nil {
		return nil, err
	}
	pd.probe = &c.ref
	p.kw("PURGE")
	return c, p.end()
}

func (c *dropTable) run(ctx context.Context, e *env) (Result, error) {
	db := e.dbOf(c.ref)
	err := e.cat.DeleteTable(ctx, db, c.ref.name)
	if err == nil || errors.Is(err, catalog.ErrNotFound) && c.ifExists {
		return Result{Tag: "DROP TABLE"}, nil
	}
	return Result{Tag: "DROP TABLE"}, at(e.tableErr(ctx, err, db, c.ref.name), c.ref.pos)
}
