package pipeline

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// WarehouseTable is a table of the warehouse, made with Redshift's CREATE
// TABLE. Tables are never dropped by a plan (their rows are data, not
// pipelines): drop one in SQL.
type WarehouseTable struct {
	Name    string   `yaml:"name"` // SCHEMA.TABLE; unqualified: public
	Columns []Column `yaml:"columns"`
	Line    int      `yaml:"-"`
}

func (w *WarehouseTable) UnmarshalYAML(n *yaml.Node) error {
	type plain WarehouseTable
	return decodeAt(n, (*plain)(w), &w.Line)
}

// Column is a column of a table: a name and a type in the table's
// dialect (Redshift's for the warehouse, Hive's for the catalog).
type Column struct {
	Name string `yaml:"name"`
	Type string `yaml:"type"`
	Line int    `yaml:"-"`
}

func (c *Column) UnmarshalYAML(n *yaml.Node) error {
	type plain Column
	return decodeAt(n, (*plain)(c), &c.Line)
}

func (w WarehouseTable) schemaTable() (string, string) {
	if s, t, ok := strings.Cut(w.Name, "."); ok {
		return s, t
	}
	return "public", w.Name
}

// warehouseAPI names tarn's one warehouse to the Redshift Data API.
var warehouseAPI = map[string]any{"Database": "dev", "WorkgroupName": "tarn"}

func dataAPI(in map[string]any) map[string]any {
	for k, v := range warehouseAPI {
		in[k] = v
	}
	return in
}

// describedColumn is a column as DescribeTable gives it.
type describedColumn struct {
	Name, TypeName   string
	Precision, Scale int
}

func describeWarehouseTable(ctx context.Context, t Target, schema, table string) ([]describedColumn, error) {
	var cols []describedColumn
	token := ""
	for {
		in := dataAPI(map[string]any{"Schema": schema, "Table": table})
		if token != "" {
			in["NextToken"] = token
		}
		var res struct {
			ColumnList []describedColumn
			NextToken  string
		}
		if err := t.Warehouse.Call(ctx, "DescribeTable", in, &res); err != nil {
			return nil, err
		}
		cols = append(cols, res.ColumnList...)
		if token = res.NextToken; token == "" {
			return cols, nil
		}
	}
}

// runSQL runs one statement through the Data API and waits for its end.
func runSQL(ctx context.Context, t Target, sql string) error {
	var res struct{ Id string }
	if err := t.Warehouse.Call(ctx, "ExecuteStatement", dataAPI(map[string]any{"Sql": sql}), &res); err != nil {
		return err
	}
	for wait := time.Millisecond; ; wait = min(2*wait, 200*time.Millisecond) {
		var st struct{ Status, Error string }
		if err := t.Warehouse.Call(ctx, "DescribeStatement", map[string]any{"Id": res.Id}, &st); err != nil {
			return err
		}
		switch st.Status {
		case "FINISHED":
			return nil
		case "FAILED", "ABORTED":
			return fmt.Errorf("%s: %s", sql, st.Error)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}

type warehouseTableKind struct{}

func (warehouseTableKind) plan(ctx context.Context, t Target, s Spec) ([]Change, int, error) {
	var out []Change
	n := 0
	for _, w := range s.WarehouseTables {
		schema, table := w.schemaTable()
		have, err := describeWarehouseTable(ctx, t, schema, table)
		if err != nil {
			return nil, 0, err
		}
		name := schema + "." + table
		if len(have) == 0 {
			sql := createTableSQL(schema, table, w.Columns)
			out = append(out, Change{Op: Create, Kind: "warehouse table", Name: name,
				do: func(ctx context.Context) error { return runSQL(ctx, t, sql) }})
			continue
		}
		byName := map[string]describedColumn{}
		for _, c := range have {
			byName[strings.ToLower(c.Name)] = c
		}
		var d diff
		var add []Column
		var refuse []string
		for _, c := range w.Columns {
			got, ok := byName[strings.ToLower(c.Name)]
			delete(byName, strings.ToLower(c.Name))
			switch {
			case !ok:
				add = append(add, c)
				d = append(d, "add column "+c.Name+" "+c.Type)
			case !sameWarehouseType(got, c.Type):
				d = append(d, fmt.Sprintf("column %s %s → %s", c.Name, got.TypeName, c.Type))
				refuse = append(refuse, c.Name)
			}
		}
		for _, c := range have {
			if _, left := byName[strings.ToLower(c.Name)]; left {
				d = append(d, "column "+c.Name+" not declared")
				refuse = append(refuse, c.Name)
			}
		}
		if len(d) == 0 {
			n++
			continue
		}
		out = append(out, Change{Op: Update, Kind: "warehouse table", Name: name, What: d.String(), do: func(ctx context.Context) error {
			if len(refuse) > 0 {
				// Retyping or dropping a column rewrites or loses rows: that
				// is a statement to run by hand, knowingly.
				return fmt.Errorf("columns %s differ from the config; tarn adds columns but does not drop or retype them: change them in SQL (ALTER TABLE %s …)",
					strings.Join(refuse, ", "), name)
			}
			for _, c := range add {
				if err := runSQL(ctx, t, fmt.Sprintf("ALTER TABLE %s.%s ADD COLUMN %s %s", quote(schema), quote(table), quote(c.Name), c.Type)); err != nil {
					return err
				}
			}
			return nil
		}})
	}
	return out, n, nil
}

// createTableSQL is the CREATE TABLE of a declared table. Names are quoted
// (a column may be named user or order); Validate keeps them lowercase,
// as the warehouse lists them.
func createTableSQL(schema, table string, cols []Column) string {
	defs := make([]string, len(cols))
	for i, c := range cols {
		defs[i] = quote(c.Name) + " " + c.Type
	}
	return fmt.Sprintf("CREATE TABLE %s.%s (%s)", quote(schema), quote(table), strings.Join(defs, ", "))
}

func quote(name string) string { return `"` + name + `"` }

// typeAlias maps Redshift's names of a type to the one DescribeTable
// gives.
var typeAlias = map[string]string{
	"smallint": "int2", "int2": "int2",
	"integer": "int4", "int": "int4", "int4": "int4",
	"bigint": "int8", "int8": "int8",
	"real": "float4", "float4": "float4",
	"double precision": "float8", "float8": "float8", "float": "float8",
	"decimal": "numeric", "numeric": "numeric",
	"boolean": "bool", "bool": "bool",
	"varchar": "varchar", "character varying": "varchar", "nvarchar": "varchar", "text": "varchar",
	"char": "varchar", "character": "varchar", "nchar": "varchar", "bpchar": "varchar",
	"date": "date", "time": "time", "timetz": "timetz",
	"timestamp": "timestamp", "timestamp without time zone": "timestamp",
	"timestamptz": "timestamptz", "timestamp with time zone": "timestamptz",
	"varbyte": "varbyte", "varbinary": "varbyte", "binary varying": "varbyte",
}

var typeParams = regexp.MustCompile(`^\s*([a-z ]+?)\s*(?:\(\s*(\w+)\s*(?:,\s*(\d+)\s*)?\))?\s*$`)

// sameWarehouseType compares a declared type with a described column;
// lengths of text are not compared (the warehouse keeps none).
func sameWarehouseType(got describedColumn, declared string) bool {
	m := typeParams.FindStringSubmatch(strings.ToLower(declared))
	if m == nil {
		return true // not ours to judge: the warehouse took it
	}
	want, ok := typeAlias[m[1]]
	if !ok {
		return true
	}
	if want != typeAlias[strings.ToLower(got.TypeName)] && want != strings.ToLower(got.TypeName) {
		return false
	}
	if want == "numeric" && m[2] != "" {
		return fmt.Sprint(got.Precision) == m[2] && fmt.Sprint(got.Scale) == defaultStr(m[3], "0")
	}
	return true
}

func defaultStr(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// notWarehouse are the schemas the Data API lists that are not the
// warehouse's: the live streams', the deliveries' pending records and the
// engine's own.
var notWarehouse = map[string]bool{"streams": true, "pending": true, "information_schema": true, "pg_catalog": true}

// exportWarehouseTables lists the warehouse's tables: those of the schemas
// that are not catalog databases (dbs) or the engine's own.
func exportWarehouseTables(ctx context.Context, t Target, dbs map[string]string) ([]WarehouseTable, error) {
	var out []WarehouseTable
	token := ""
	for {
		in := dataAPI(map[string]any{})
		if token != "" {
			in["NextToken"] = token
		}
		var res struct {
			Tables    []struct{ Schema, Name, Type string }
			NextToken string
		}
		if err := t.Warehouse.Call(ctx, "ListTables", in, &res); err != nil {
			return nil, err
		}
		listed := map[string]bool{}
		for _, tb := range res.Tables {
			listed[tb.Schema+"."+tb.Name] = true
		}
		for _, tb := range res.Tables {
			if _, lake := dbs[tb.Schema]; lake || notWarehouse[tb.Schema] || tb.Type != "TABLE" {
				continue
			}
			if base, ok := strings.CutSuffix(tb.Name, "_all"); ok && listed[tb.Schema+"."+base] {
				continue // a table's union with its archived rows (ARCHIVE), a view
			}
			cols, err := describeWarehouseTable(ctx, t, tb.Schema, tb.Name)
			if err != nil {
				return nil, err
			}
			w := WarehouseTable{Name: tb.Schema + "." + tb.Name}
			for _, c := range cols {
				typ := c.TypeName
				if typ == "numeric" {
					typ = fmt.Sprintf("numeric(%d,%d)", c.Precision, c.Scale)
				}
				w.Columns = append(w.Columns, Column{Name: c.Name, Type: typ})
			}
			out = append(out, w)
		}
		if token = res.NextToken; token == "" {
			return out, nil
		}
	}
}
