// Package hiveddl runs the Hive DDL that Athena users type (CREATE
// EXTERNAL TABLE, MSCK REPAIR TABLE, ALTER TABLE ... PARTITION, SHOW ...,
// DESCRIBE) against tarn's catalog and lake, since DuckDB reads none of it.
// Every other statement is left to DuckDB.
package hiveddl

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/tarnlake/tarn/internal/catalog"
	"github.com/tarnlake/tarn/internal/lake"
	"github.com/tarnlake/tarn/internal/query"
)

// Result is what a statement produced.
type Result struct {
	Columns []string   // for SHOW/DESCRIBE: column names; nil for DDL
	Rows    [][]string // values as text
	Tag     string     // "CREATE TABLE", "MSCK REPAIR TABLE", "ALTER TABLE", "DROP TABLE", "SHOW", "DESCRIBE", ...
}

// SQLSTATE codes beyond those package query names.
const (
	invalidValue       = "22023"
	undefinedDatabase  = "3F000"
	duplicateTable     = "42P07"
	duplicateDatabase  = "42P04"
	duplicateColumn    = "42701"
	duplicatePartition = "42710"
	undefinedObject    = "42704"
	notEmpty           = "2BP01"
)

// Exec runs stmt if it is one of the Hive DDL statements this package
// knows, in database db (the session's current schema; "" = "default"),
// and reports handled=false for any other statement, which the caller
// hands to DuckDB. DROP TABLE and DESCRIBE are DuckDB's too: they are
// handled only for tables of the catalog, or when written with backticks
// (which DuckDB cannot read).
func Exec(ctx context.Context, cat catalog.Metadata, objs lake.Objects, db, stmt string) (res Result, handled bool, err error) {
	pd, perr := parse(stmt)
	if !pd.mine {
		return Result{}, false, nil
	}
	if db == "" {
		db = "default"
	}
	e := &env{cat: cat, objs: objs, db: strings.ToLower(db)}
	if pd.tentative && !pd.hive {
		if pd.probe == nil {
			return Result{}, false, nil
		}
		_, err := cat.GetTable(ctx, e.dbOf(*pd.probe), pd.probe.name)
		switch {
		case errors.Is(err, catalog.ErrNotFound), errors.Is(err, catalog.ErrInvalid):
			return Result{}, false, nil
		case err != nil:
			return Result{}, true, e.fail(ctx, err)
		}
	}
	if perr != nil {
		return Result{}, true, perr
	}
	res, err = pd.cmd.run(ctx, e)
	return res, true, err
}

// command is a parsed statement, ready to run.
type command interface {
	run(ctx context.Context, e *env) (Result, error)
}

type env struct {
	cat  catalog.Metadata
	objs lake.Objects
	db   string
}

func (e *env) dbOf(r tableRef) string {
	if r.db != "" {
		return r.db
	}
	return e.db
}

// table returns the table r names, or 42P01 / 3F000.
func (e *env) table(ctx context.Context, r tableRef) (catalog.Table, error) {
	db := e.dbOf(r)
	t, err := e.cat.GetTable(ctx, db, r.name)
	if err != nil {
		err = at(e.tableErr(ctx, err, db, r.name), r.pos)
	}
	return t, err
}

// tableErr explains a catalog error about table db.name: a missing table
// may really be a missing database.
func (e *env) tableErr(ctx context.Context, err error, db, name string) error {
	if !errors.Is(err, catalog.ErrNotFound) {
		return e.fail(ctx, err)
	}
	if derr := e.database(ctx, db); derr != nil {
		return derr
	}
	return &query.Error{Code: query.CodeUndefinedTable, Message: fmt.Sprintf("table %s.%s does not exist", db, name)}
}

// database checks that db exists (3F000 if not).
func (e *env) database(ctx context.Context, db string) error {
	_, err := e.cat.GetDatabase(ctx, db)
	if errors.Is(err, catalog.ErrNotFound) {
		return &query.Error{Code: undefinedDatabase, Message: fmt.Sprintf("database %s does not exist", db)}
	}
	if err != nil {
		return e.fail(ctx, err)
	}
	return nil
}

// fail turns an error without a more specific meaning into a query.Error.
func (e *env) fail(ctx context.Context, err error) error {
	var qe *query.Error
	switch {
	case errors.As(err, &qe):
		return err
	case ctx.Err() != nil:
		return &query.Error{Code: query.CodeQueryCanceled, Message: "canceling statement: " + ctx.Err().Error()}
	case errors.Is(err, catalog.ErrInvalid):
		return &query.Error{Code: invalidValue, Message: err.Error()}
	case errors.Is(err, catalog.ErrConflict):
		return &query.Error{Code: "40001", Message: err.Error()}
	}
	return &query.Error{Code: query.CodeInternal, Message: err.Error()}
}

// at points an error about a name at where the name is written.
func at(err error, pos int) error {
	var qe *query.Error
	if errors.As(err, &qe) && qe.Position == 0 && qe.Code != query.CodeQueryCanceled && qe.Code != query.CodeInternal {
		qe.Position = pos
	}
	return err
}

func errorf(code, format string, a ...any) error {
	return &query.Error{Code: code, Message: fmt.Sprintf(format, a...)}
}
