package pipeline

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/tarnlake/tarn/internal/engine/hiveddl"
)

// CatalogTable is a table of a catalog database over files of the lake,
// declared where no crawler makes it (a delivery converts records by it,
// say). Tables a config does not declare are never deleted: crawlers make
// them.
type CatalogTable struct {
	Name          string   `yaml:"name"`
	Location      string   `yaml:"location"` // s3://bucket/prefix/
	Format        string   `yaml:"format"`   // parquet, json, csv, avro, orc
	Columns       []Column `yaml:"columns"`  // Hive types: string, bigint, double, timestamp, decimal(10,2) …
	PartitionKeys []Column `yaml:"partition_keys,omitempty"`
	// Delimiter and Header are a csv table's: its field delimiter
	// (default ",") and whether each file begins with a header row
	// (default yes), which is skipped.
	Delimiter string `yaml:"delimiter,omitempty"`
	Header    *bool  `yaml:"header,omitempty"`
	Line      int    `yaml:"-"`
}

// csv is c's delimiter and whether its files have a header row.
func (c CatalogTable) csv() (delim string, header bool) {
	delim, header = c.Delimiter, c.Header == nil || *c.Header
	if delim == "" {
		delim = ","
	}
	return delim, header
}

func (c *CatalogTable) UnmarshalYAML(n *yaml.Node) error {
	type plain CatalogTable
	return decodeAt(n, (*plain)(c), &c.Line)
}

var catalogFormats = map[string]string{"parquet": "PARQUET", "json": "JSON", "csv": "TEXTFILE", "avro": "AVRO", "orc": "ORC"}

// input is Glue's TableInput for c.
func (c CatalogTable) input() map[string]any {
	serde, in, out, _ := hiveddl.Storage(catalogFormats[c.Format])
	sp := map[string]string{"serialization.format": "1"}
	params := map[string]string{"EXTERNAL": "TRUE", "classification": c.Format}
	if c.Format == "csv" {
		delim, header := c.csv()
		sp["field.delim"], sp["serialization.format"] = delim, delim
		params["delimiter"] = delim
		if header {
			params["skip.header.line.count"] = "1"
		}
	}
	loc := c.Location
	if !strings.HasSuffix(loc, "/") {
		loc += "/"
	}
	return map[string]any{"Name": c.Name, "TableType": "EXTERNAL_TABLE", "Parameters": params,
		"PartitionKeys": glueColumns(c.PartitionKeys),
		"StorageDescriptor": map[string]any{"Location": loc, "InputFormat": in, "OutputFormat": out,
			"Columns": glueColumns(c.Columns), "SerdeInfo": map[string]any{"SerializationLibrary": serde, "Parameters": sp}}}
}

func glueColumns(cols []Column) []map[string]string {
	out := make([]map[string]string, len(cols))
	for i, c := range cols {
		out[i] = map[string]string{"Name": c.Name, "Type": c.Type}
	}
	return out
}

// glueTable is a table as GetTable gives it.
type glueTable struct {
	StorageDescriptor struct {
		Location string
		Columns  []Column
	}
	PartitionKeys []Column
	Parameters    map[string]string
}

func columnText(cols []Column) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = strings.ToLower(c.Name + " " + c.Type)
	}
	return strings.Join(parts, ", ")
}

type catalogTableKind struct{}

func (catalogTableKind) plan(ctx context.Context, t Target, s Spec) ([]Change, int, error) {
	var out []Change
	n := 0
	for _, db := range s.Databases {
		for _, c := range db.Tables {
			name := db.Name + "." + c.Name
			var res struct{ Table glueTable }
			err := t.Glue.Call(ctx, "GetTable", map[string]any{"DatabaseName": db.Name, "Name": c.Name}, &res)
			var ae interface{ ErrorCode() string }
			if errors.As(err, &ae) && ae.ErrorCode() == "EntityNotFoundException" {
				in := map[string]any{"DatabaseName": db.Name, "TableInput": c.input()}
				out = append(out, Change{Op: Create, Kind: "catalog table", Name: name,
					do: func(ctx context.Context) error { return t.Glue.Call(ctx, "CreateTable", in, nil) }})
				continue
			}
			if err != nil {
				return nil, 0, err
			}
			was := res.Table
			loc := strings.TrimSuffix(c.Location, "/") + "/"
			var d diff
			d.field("location", was.StorageDescriptor.Location, loc)
			d.field("format", was.Parameters["classification"], c.Format)
			d.field("columns", quoted(columnText(was.StorageDescriptor.Columns)), quoted(columnText(c.Columns)))
			d.field("partition_keys", quoted(columnText(was.PartitionKeys)), quoted(columnText(c.PartitionKeys)))
			if c.Format == "csv" {
				delim, header := c.csv()
				d.field("delimiter", quoted(was.Parameters["delimiter"]), quoted(delim))
				d.field("header", was.Parameters["skip.header.line.count"] == "1", header)
			}
			if len(d) == 0 {
				n++
				continue
			}
			in := c.input()
			// Table properties the config does not declare (a crawler's
			// counts, say) are kept; those of a format it declares are its.
			params := maps.Clone(was.Parameters)
			delete(params, "skip.header.line.count")
			delete(params, "delimiter")
			maps.Copy(params, in["Parameters"].(map[string]string))
			in["Parameters"] = params
			out = append(out, Change{Op: Update, Kind: "catalog table", Name: name, What: d.String(), do: func(ctx context.Context) error {
				return t.Glue.Call(ctx, "UpdateTable", map[string]any{"DatabaseName": db.Name, "TableInput": in}, nil)
			}})
		}
	}
	return out, n, nil
}

func (c CatalogTable) validate(add func(int, string, string, ...any), f string) {
	if !glueName.MatchString(c.Name) {
		add(c.Line, f+".name", "%q is not a table name: 1 to 255 lowercase letters, digits, _ . -", c.Name)
	}
	if b, _, _ := strings.Cut(strings.TrimPrefix(c.Location, "s3://"), "/"); !strings.HasPrefix(c.Location, "s3://") || b == "" {
		add(c.Line, f+".location", "%q is not an s3://bucket/prefix/ path", c.Location)
	}
	if _, ok := catalogFormats[c.Format]; !ok {
		add(c.Line, f+".format", "%q is not one of parquet, json, csv, avro, orc", c.Format)
	}
	if (c.Delimiter != "" || c.Header != nil) && c.Format != "csv" {
		add(c.Line, f+".delimiter", "delimiter and header are a csv table's")
	}
	if len(c.Delimiter) > 1 {
		add(c.Line, f+".delimiter", "%q: one character", c.Delimiter)
	}
	if len(c.Columns) == 0 {
		add(c.Line, f+".columns", "a table needs columns")
	}
	for j, col := range append(append([]Column(nil), c.Columns...), c.PartitionKeys...) {
		field := fmt.Sprintf("%s.columns[%d]", f, j)
		if j >= len(c.Columns) {
			field = fmt.Sprintf("%s.partition_keys[%d]", f, j-len(c.Columns))
		}
		if !identifier.MatchString(col.Name) {
			add(col.Line, field+".name", "%q is not a column name: a letter or _, then letters, digits, _", col.Name)
		}
		if !hiveType.MatchString(col.Type) {
			add(col.Line, field+".type", "%q is not a type: string, bigint, int, double, boolean, date, timestamp, decimal(P,S) …", col.Type)
		}
	}
}

// exportCatalogTables lists the tables of a database no crawler made, in
// a format the config declares.
func exportCatalogTables(ctx context.Context, t Target, db string) ([]CatalogTable, error) {
	var out []CatalogTable
	err := pages(ctx, t.Glue, "GetTables", func(res struct {
		TableList []struct {
			Name string
			glueTable
		}
		NextToken string
	}) string {
		for _, g := range res.TableList {
			format := g.Parameters["classification"]
			if _, ok := catalogFormats[format]; !ok || g.Parameters["UPDATED_BY_CRAWLER"] != "" {
				continue
			}
			c := CatalogTable{Name: g.Name, Location: g.StorageDescriptor.Location, Format: format}
			if format == "csv" {
				if d := g.Parameters["delimiter"]; d != "" && d != "," {
					c.Delimiter = d
				}
				if g.Parameters["skip.header.line.count"] != "1" {
					no := false
					c.Header = &no
				}
			}
			c.Columns, c.PartitionKeys = g.StorageDescriptor.Columns, g.PartitionKeys
			out = append(out, c)
		}
		return res.NextToken
	}, "DatabaseName", db)
	return out, err
}
