package crawl

import (
	"context"
	"fmt"
	"path"
	"strings"

	"github.com/tarnlake/tarn/internal/catalog"
	"github.com/tarnlake/tarn/internal/format"
	"github.com/tarnlake/tarn/internal/warehouse"
)

// crawlWarehouse registers the warehouse tables the JDBC targets name, as
// Glue's JDBC crawler does: table <database>_<schema>_<table>, location
// <database>.<schema>.<table>, the columns in Glue's types.
func (r *run) crawlWarehouse(ctx context.Context) error {
	wh := r.s.opts.Warehouse
	if wh == nil {
		return fmt.Errorf("crawler %s: JDBC targets need the warehouse, which this tarn does not have", r.c.Name)
	}
	store, db := r.s.opts.Catalog, strings.ToLower(r.c.DatabaseName)
	existing, err := store.ListTables(ctx, db, "")
	if err != nil {
		return fmt.Errorf("tables of %s: %w", db, err)
	}
	byName := map[string]catalog.Table{}
	for _, t := range existing {
		byName[t.Name] = t
	}
	for _, jt := range r.c.JdbcTargets {
		parts := strings.Split(jt.Path, "/")
		if len(parts) != 3 {
			return fmt.Errorf("crawler %s: JDBC path %q is not database/schema/table (%% matches any run of characters)", r.c.Name, jt.Path)
		}
		schema := ""
		if !strings.ContainsAny(parts[1], "%_") {
			schema = parts[1]
		}
		tables, err := wh.Tables(ctx, schema)
		if err != nil {
			return fmt.Errorf("warehouse tables: %w", err)
		}
		for _, t := range tables {
			full := parts[0] + "/" + t.Schema + "/" + t.Name
			if !like(parts[1], t.Schema) || !like(parts[2], t.Name) || excluded(jt.Exclusions, full) {
				continue
			}
			r.listed.Add(1)
			want := catalog.Table{Database: db, Name: strings.ToLower(r.c.TablePrefix + parts[0] + "_" + t.Schema + "_" + t.Name),
				TableType: catalog.TableType, Parameters: map[string]string{"classification": warehouse.Classification, "connectionName": jt.ConnectionName, "typeOfData": "table"},
				Storage: catalog.StorageDescriptor{Location: parts[0] + "." + t.Schema + "." + t.Name}}
			for _, c := range t.Columns {
				want.Storage.Columns = append(want.Storage.Columns, catalog.Column{Name: c.Name, Type: glueType(c)})
			}
			if err := r.applyTable(ctx, want, byName, &tableSpec{}); err != nil {
				return err
			}
		}
	}
	return nil
}

// glueType is a warehouse column's type as Glue's JDBC crawler writes it.
func glueType(c warehouse.Column) string {
	if c.Type.Kind == format.KindString && c.MaxLen > 0 {
		if c.Char {
			return fmt.Sprintf("char(%d)", c.MaxLen)
		}
		return fmt.Sprintf("varchar(%d)", c.MaxLen)
	}
	return c.Type.String()
}

// like matches SQL LIKE's % and _.
func like(pattern, s string) bool {
	p := strings.NewReplacer("*", `\*`, "?", `\?`, "[", `\[`, "%", "*", "_", "?").Replace(pattern)
	ok, err := path.Match(p, s)
	return err == nil && ok
}

func excluded(patterns []string, name string) bool {
	for _, p := range patterns {
		if ok, _ := path.Match(p, name); ok {
			return true
		}
	}
	return false
}
