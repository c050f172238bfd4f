package engine

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"

	"github.com/duckdb/duckdb-go/v2"
)

// DuckDB bounds memory per database instance, not per statement. With
// Options.StatementMemoryLimit set, each session gets a DuckDB of its own,
// in memory, with that limit: a session runs one statement at a time, so
// the limit is each statement's, and a statement that needs more fails
// (53200) without taking memory from the others. The instance holds what
// the engine's own holds for reading: the schemas and views over the
// catalog (replayed from defs as they change), the pg_catalog for
// PostgreSQL clients, and the Avro and stream table functions. Tables a
// session creates in DuckDB live as long as the session.

// defs are the schemas and views every instance must hold, as the
// engine's own database holds them; gen counts their changes.
type defs struct {
	gen     uint64
	schemas map[string]bool
	views   map[[2]string]string // {schema, view} → its SELECT
}

func (e *Engine) defineSchema(ctx context.Context, name string) error {
	if _, err := e.db.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS "+quoteIdent(name)); err != nil {
		return err
	}
	e.defsMu.Lock()
	defer e.defsMu.Unlock()
	if !e.defs.schemas[name] {
		e.defs.schemas[name] = true
		e.defs.gen++
	}
	return nil
}

func (e *Engine) defineView(ctx context.Context, schema, name, body string) error {
	if _, err := e.db.ExecContext(ctx, createView(schema, name, body)); err != nil {
		return err
	}
	e.defsMu.Lock()
	defer e.defsMu.Unlock()
	e.defs.views[[2]string{schema, name}] = body
	e.defs.gen++
	return nil
}

func (e *Engine) dropView(ctx context.Context, schema, name string) {
	e.db.ExecContext(ctx, "DROP VIEW IF EXISTS "+quoteIdent(schema)+"."+quoteIdent(name))
	e.defsMu.Lock()
	defer e.defsMu.Unlock()
	if _, ok := e.defs.views[[2]string{schema, name}]; ok {
		delete(e.defs.views, [2]string{schema, name})
		e.defs.gen++
	}
}

func createView(schema, name, body string) string {
	return "CREATE OR REPLACE VIEW " + quoteIdent(schema) + "." + quoteIdent(name) + " AS " + body
}

// instance is a session's own DuckDB.
type instance struct {
	conn *duckdb.Connector
	db   *sql.DB
	held defs // what it holds of the engine's defs
	pg   bool // holds pgSchema, made for the first statement that reads it
}

// pgCatalog makes pgSchema in the instance before a statement that reads
// the catalogs (most of a new instance's cost, and most sessions never
// need it).
func (in *instance) pgCatalog(ctx context.Context) error {
	if in.pg {
		return nil
	}
	if err := createPGCatalog(ctx, in.db); err != nil {
		return err
	}
	in.pg = true
	return nil
}

func (e *Engine) newInstance(ctx context.Context) (*instance, error) {
	opts := e.opts
	opts.MemoryLimit = e.opts.StatementMemoryLimit
	conn, err := duckdb.NewConnector("", func(ex driver.ExecerContext) error { return initConn(ex, opts) })
	if err != nil {
		return nil, fmt.Errorf("open a session's duckdb: %w", err)
	}
	in := &instance{conn: conn, db: sql.OpenDB(conn), held: defs{schemas: map[string]bool{}, views: map[[2]string]string{}}}
	err = registerAvro(ctx, in.db)
	if err == nil && e.opts.Streams != nil {
		err = e.registerStreams(ctx, in.db)
	}
	if err == nil {
		err = in.refresh(ctx, e)
	}
	if err != nil {
		return nil, errors.Join(fmt.Errorf("prepare a session's duckdb: %w", err), in.close())
	}
	return in, nil
}

// refresh brings the instance's schemas and views up to the engine's. A
// view that fails here failed in the engine's database too, or reads files
// that changed since: it is left out, as there.
func (in *instance) refresh(ctx context.Context, e *Engine) error {
	e.defsMu.Lock()
	if in.held.gen == e.defs.gen {
		e.defsMu.Unlock()
		return nil
	}
	want := defs{gen: e.defs.gen, schemas: make(map[string]bool, len(e.defs.schemas)), views: make(map[[2]string]string, len(e.defs.views))}
	for k := range e.defs.schemas {
		want.schemas[k] = true
	}
	for k, v := range e.defs.views {
		want.views[k] = v
	}
	e.defsMu.Unlock()
	for s := range want.schemas {
		if !in.held.schemas[s] {
			if _, err := in.db.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS "+quoteIdent(s)); err != nil {
				return fmt.Errorf("schema %s: %w", s, err)
			}
		}
	}
	for k := range in.held.views {
		if _, ok := want.views[k]; !ok {
			in.db.ExecContext(ctx, "DROP VIEW IF EXISTS "+quoteIdent(k[0])+"."+quoteIdent(k[1]))
		}
	}
	for k, body := range want.views {
		if in.held.views[k] == body {
			continue
		}
		if _, err := in.db.ExecContext(ctx, createView(k[0], k[1], body)); err != nil {
			e.log.Debug("view not made in a session's duckdb", "view", k[0]+"."+k[1], "err", firstLine(err.Error()))
			delete(want.views, k)
		}
	}
	in.held = want
	return nil
}

func (in *instance) close() error {
	return errors.Join(in.db.Close(), in.conn.Close())
}
