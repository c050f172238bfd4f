package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/query"
	"github.com/tarnlake/tarn/internal/query/sqltext"
	"github.com/tarnlake/tarn/internal/warehouse"
	"github.com/tarnlake/tarn/internal/warehouse/redshift"
)

// External schemas are Redshift Spectrum's: CREATE EXTERNAL SCHEMA s FROM
// DATA CATALOG DATABASE 'db' makes the catalog database's lake tables
// queryable as s.<table> beside warehouse tables. The warehouse keeps the
// list (every tarn process sharing it sees the same); each view is its
// lake table's own, so it needs the same grants.

const externalSchemas = warehouse.System + ".external_schemas"

// createExternal runs CREATE EXTERNAL SCHEMA.
func (s *session) createExternal(ctx context.Context, x *redshift.ExternalSchema) (query.Result, error) {
	if err := s.needWrite(access.Resource{Kind: access.Warehouse, Name: x.Name}, "warehouse schema "+x.Name); err != nil {
		return query.Result{}, err
	}
	switch strings.ToLower(x.Name) {
	case PendingSchema, StreamsSchema, "main", "public", "temp", "pg_catalog", "information_schema", warehouse.System:
		return query.Result{}, &query.Error{Code: "42939", Message: fmt.Sprintf("schema name %q is reserved", x.Name)}
	}
	if s.isCatalogDB(ctx, x.Name) || s.e.isWarehouseSchema(x.Name) {
		return query.Result{}, &query.Error{Code: "42P06", Message: fmt.Sprintf("schema %q already exists", x.Name)}
	}
	if !s.isCatalogDB(ctx, x.Database) {
		return query.Result{}, &query.Error{Code: "3F000", Message: fmt.Sprintf("catalog database %q does not exist: create it (Glue CreateDatabase, or CREATE DATABASE) or crawl into it first", x.Database)}
	}
	wh := s.e.opts.Warehouse
	if _, err := wh.Exec(ctx, `CREATE SCHEMA IF NOT EXISTS `+warehouse.System); err != nil {
		return query.Result{}, whError(err)
	}
	if _, err := wh.Exec(ctx, `CREATE TABLE IF NOT EXISTS `+externalSchemas+` (name varchar(127) PRIMARY KEY, catalog_database varchar(255))`); err != nil {
		return query.Result{}, whError(err)
	}
	if exists, err := s.e.externalSchemas(ctx); err == nil && exists[x.Name] != "" {
		if x.IfNotExists {
			return query.Result{Rows: emptyRows{}, Tag: "CREATE SCHEMA"}, nil
		}
		return query.Result{}, &query.Error{Code: "42P06", Message: fmt.Sprintf("schema %q already exists", x.Name)}
	}
	if _, err := wh.Exec(ctx, `INSERT INTO `+externalSchemas+` VALUES ($1, $2)`, x.Name, x.Database); err != nil {
		return query.Result{}, whError(err)
	}
	s.e.forceSync()
	return query.Result{Rows: emptyRows{}, Tag: "CREATE SCHEMA"}, nil
}

// dropExternal runs DROP SCHEMA [IF EXISTS] s for an external schema;
// handled is false for any other schema (a catalog database's DROP).
func (s *session) dropExternal(ctx context.Context, st sqltext.Statement) (query.Result, bool, error) {
	toks := st.Tokens
	if s.e.opts.Warehouse == nil || len(toks) < 3 || !toks[0].Is("DROP") || !toks[1].Is("SCHEMA") {
		return query.Result{}, false, nil
	}
	i := 2
	if i+1 < len(toks) && toks[i].Is("IF") && toks[i+1].Is("EXISTS") {
		i += 2
	}
	if i >= len(toks) || !isName(toks[i]) {
		return query.Result{}, false, nil
	}
	name := toks[i].Name()
	ext, err := s.e.externalSchemas(ctx)
	if err != nil || ext[name] == "" {
		return query.Result{}, false, nil
	}
	if err := s.needWrite(access.Resource{Kind: access.Warehouse, Name: name}, "warehouse schema "+name); err != nil {
		return query.Result{}, true, err
	}
	if _, err := s.e.opts.Warehouse.Exec(ctx, `DELETE FROM `+externalSchemas+` WHERE name = $1`, name); err != nil {
		return query.Result{}, true, whError(err)
	}
	s.e.forceSync()
	return query.Result{Rows: emptyRows{}, Tag: "DROP SCHEMA"}, true, nil
}

// externalSchemas reads the warehouse's external schemas: name → catalog
// database.
func (e *Engine) externalSchemas(ctx context.Context) (map[string]string, error) {
	out := map[string]string{}
	rows, err := e.opts.Warehouse.Query(ctx, `SELECT name, catalog_database FROM `+externalSchemas)
	if errors.Is(err, warehouse.ErrNoTable) || errors.Is(err, warehouse.ErrNoSchema) {
		return out, nil // none made yet
	}
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		v, err := rows.Values()
		if err != nil {
			return nil, err
		}
		name, _ := v[0].(string)
		db, _ := v[1].(string)
		out[name] = db
	}
	return out, rows.Err()
}

// syncExternal keeps a view per table of each external schema's catalog
// database: the table's own view, in the external schema.
func (e *Engine) syncExternal(ctx context.Context) error {
	ext, err := e.externalSchemas(ctx)
	if err != nil {
		return fmt.Errorf("external schemas: %w", err)
	}
	want := map[[2]string]string{}
	var errs []error
	for name, db := range ext {
		if err := e.defineSchema(ctx, name); err != nil {
			return err
		}
		tables, err := e.opts.Catalog.ListTables(ctx, db, "")
		if err != nil {
			errs = append(errs, fmt.Errorf("external schema %s: tables of %s: %w", name, db, err))
			continue
		}
		for _, t := range tables {
			k := [2]string{name, t.Name}
			sig := fmt.Sprintf("%s.%s@%d/%s", db, t.Name, t.Version, t.Updated)
			want[k] = sig
			if e.extViews[k] == sig {
				continue
			}
			if err := e.createView(ctx, name, t.Name, t); err != nil {
				e.log.Warn("external table not queryable", "table", name+"."+t.Name, "err", firstLine(err.Error()))
				continue
			}
			e.extViews[k] = sig
		}
	}
	dropUnwanted(ctx, e, e.extViews, want)
	return errors.Join(errs...)
}
