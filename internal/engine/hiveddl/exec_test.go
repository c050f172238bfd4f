package hiveddl

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tarnlake/tarn/internal/catalog"
	"github.com/tarnlake/tarn/internal/catalog/embedded"
	"github.com/tarnlake/tarn/internal/lake"
	"github.com/tarnlake/tarn/internal/lake/localfs"
	"github.com/tarnlake/tarn/internal/query"
)

// fixture is a real catalog and lake with database "default" and bucket
// "lake".
type fixture struct {
	t   *testing.T
	ctx context.Context
	cat *embedded.Store
	lk  *localfs.Store
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	dir := t.TempDir()
	cat, err := embedded.Open(filepath.Join(dir, "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	lk, err := localfs.Open(filepath.Join(dir, "lake"))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, ctx: t.Context(), cat: cat, lk: lk}
	if err := cat.CreateDatabase(f.ctx, catalog.Database{Name: "default"}); err != nil {
		t.Fatal(err)
	}
	if err := lk.CreateBucket(f.ctx, "lake"); err != nil {
		t.Fatal(err)
	}
	return f
}

// exec runs a statement that must be handled and succeed.
func (f *fixture) exec(stmt string) Result {
	f.t.Helper()
	res, handled, err := Exec(f.ctx, f.cat, f.lk, "", stmt)
	if err != nil || !handled {
		f.t.Fatalf("%s: handled %v, error %v", stmt, handled, err)
	}
	return res
}

// fails runs a statement that must be handled and fail with code.
func (f *fixture) fails(stmt, code string) *query.Error {
	f.t.Helper()
	_, handled, err := Exec(f.ctx, f.cat, f.lk, "", stmt)
	var qe *query.Error
	if !handled || !errors.As(err, &qe) || qe.Code != code {
		f.t.Fatalf("%s: handled %v, error %v; want SQLSTATE %s", stmt, handled, err, code)
	}
	return qe
}

func (f *fixture) table(db, name string) catalog.Table {
	f.t.Helper()
	t, err := f.cat.GetTable(f.ctx, db, name)
	if err != nil {
		f.t.Fatal(err)
	}
	return t
}

func (f *fixture) put(key string) {
	f.t.Helper()
	if _, err := f.lk.Put(f.ctx, "lake", key, strings.NewReader("x"), lake.PutOptions{Size: 1}); err != nil {
		f.t.Fatal(err)
	}
}

func TestCreateFormats(t *testing.T) {
	f := newFixture(t)
	const parquetIn = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
	cases := []struct {
		name, stmt      string
		serde, input    string
		params, sdProps map[string]string
	}{
		{"sales", `CREATE EXTERNAL TABLE IF NOT EXISTS sales (
			id bigint COMMENT 'order id',
			Amount decimal(10,2),
			items array<struct<sku:string,qty:integer>>
		) COMMENT 'orders'
		PARTITIONED BY (dt string, region varchar(8))
		STORED AS PARQUET
		LOCATION 's3://lake/sales'
		TBLPROPERTIES ('projection.enabled'='true', 'projection.dt.type'='date', 'projection.dt.range'='2024-01-01,NOW')`,
			parquetSerDe, parquetIn,
			map[string]string{"classification": "parquet", "projection.enabled": "true", "projection.dt.type": "date", "projection.dt.range": "2024-01-01,NOW"},
			map[string]string{"serialization.format": "1"}},
		{"events", `CREATE EXTERNAL TABLE events (id string, payload struct<kind:string>)
			ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe' WITH SERDEPROPERTIES ('ignore.malformed.json'='true')
			LOCATION 's3://lake/events/'`,
			openxJSON, textInput,
			map[string]string{"classification": "json"},
			map[string]string{"ignore.malformed.json": "true", "serialization.format": "1"}},
		{"hcat", `CREATE EXTERNAL TABLE hcat (id string) ROW FORMAT SERDE 'org.apache.hive.hcatalog.data.JsonSerDe'
			STORED AS TEXTFILE LOCATION 's3://lake/hcat/'`,
			"org.apache.hive.hcatalog.data.JsonSerDe", textInput,
			map[string]string{"classification": "json"}, map[string]string{"serialization.format": "1"}},
		{"stored_json", `CREATE EXTERNAL TABLE stored_json (id string) STORED AS JSON LOCATION 's3://lake/j/'`,
			openxJSON, textInput, map[string]string{"classification": "json"}, map[string]string{"serialization.format": "1"}},
		{"tsv", `CREATE EXTERNAL TABLE tsv (a int, b string)
			ROW FORMAT DELIMITED FIELDS TERMINATED BY '\t' ESCAPED BY '\\' LINES TERMINATED BY '\n'
			STORED AS TEXTFILE LOCATION 's3://lake/tsv/'
			TBLPROPERTIES ("skip.header.line.count"="1")`,
			lazySimple, textInput,
			map[string]string{"classification": "csv", "delimiter": "\t", "skip.header.line.count": "1"},
			map[string]string{"field.delim": "\t", "serialization.format": "\t", "escape.delim": `\`, "line.delim": "\n"}},
		{"plain_text", `CREATE EXTERNAL TABLE plain_text (a string) LOCATION 's3://lake/txt/'`,
			lazySimple, textInput, map[string]string{"classification": "csv", "delimiter": "\x01"}, map[string]string{"serialization.format": "1"}},
		{"opencsv", `CREATE EXTERNAL TABLE opencsv (a string) ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.OpenCSVSerde'
			WITH SERDEPROPERTIES ('separatorChar'=';', 'quoteChar'='"') STORED AS TEXTFILE LOCATION 's3://lake/ocsv/'
			TBLPROPERTIES ('skip.header.line.count'='1')`,
			openCSV, textInput,
			map[string]string{"classification": "csv", "delimiter": ";", "skip.header.line.count": "1"},
			map[string]string{"separatorChar": ";", "quoteChar": `"`, "serialization.format": "1"}},
		{"opencsv_default", `CREATE EXTERNAL TABLE opencsv_default (a string) ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.OpenCSVSerde' LOCATION 's3://lake/ocsv2/'`,
			openCSV, textInput, map[string]string{"classification": "csv", "delimiter": ","}, map[string]string{"serialization.format": "1"}},
		{"avro", `CREATE EXTERNAL TABLE avro (a bigint) PARTITIONED BY (y int) STORED AS AVRO LOCATION 's3://lake/avro/'
			TBLPROPERTIES ('avro.schema.literal'='{"type":"record","name":"r","fields":[{"name":"a","type":"long"}]}')`,
			avroSerDe, "org.apache.hadoop.hive.ql.io.avro.AvroContainerInputFormat",
			map[string]string{"classification": "avro", "avro.schema.literal": `{"type":"record","name":"r","fields":[{"name":"a","type":"long"}]}`},
			map[string]string{"serialization.format": "1"}},
		{"glue_ddl", "CREATE EXTERNAL TABLE `glue_ddl`(`a` int)\nROW FORMAT SERDE\n  'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe'\n" +
			"STORED AS INPUTFORMAT\n  'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat'\nOUTPUTFORMAT\n  'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat'\n" +
			"LOCATION\n  's3://lake/glue/'\nTBLPROPERTIES ('classification'='parquet', 'compressionType'='snappy')",
			parquetSerDe, parquetIn, map[string]string{"classification": "parquet", "compressionType": "snappy"}, map[string]string{"serialization.format": "1"}},
		{"orc_serde_only", `CREATE EXTERNAL TABLE orc_serde_only (a int) ROW FORMAT SERDE 'org.apache.hadoop.hive.ql.io.orc.OrcSerde' LOCATION 's3://lake/orc/'`,
			orcSerDe, "org.apache.hadoop.hive.ql.io.orc.OrcInputFormat", map[string]string{"classification": "orc"}, map[string]string{"serialization.format": "1"}},
	}
	for _, c := range cases {
		if res := f.exec(c.stmt); res.Tag != "CREATE TABLE" || res.Columns != nil {
			t.Errorf("%s: result %+v", c.name, res)
		}
		tab := f.table("default", c.name)
		c.params["EXTERNAL"] = "TRUE"
		if tab.TableType != catalog.TableType || tab.Storage.SerDe.SerializationLibrary != c.serde || tab.Storage.InputFormat != c.input ||
			!reflect.DeepEqual(tab.Parameters, c.params) || !reflect.DeepEqual(tab.Storage.SerDe.Parameters, c.sdProps) ||
			!strings.HasPrefix(tab.Storage.Location, "s3://lake/") || !strings.HasSuffix(tab.Storage.Location, "/") {
			t.Errorf("%s: got\n%+v\nwant serde %s input %s params %v serde params %v", c.name, tab, c.serde, c.input, c.params, c.sdProps)
		}
	}
	sales := f.table("default", "sales")
	wantCols := []catalog.Column{{Name: "id", Type: "bigint", Comment: "order id"}, {Name: "amount", Type: "decimal(10,2)"},
		{Name: "items", Type: "array<struct<sku:string,qty:int>>"}}
	wantKeys := []catalog.Column{{Name: "dt", Type: "string"}, {Name: "region", Type: "string"}}
	if !reflect.DeepEqual(sales.Storage.Columns, wantCols) || !reflect.DeepEqual(sales.PartitionKeys, wantKeys) ||
		sales.Description != "orders" || sales.Storage.Location != "s3://lake/sales/" ||
		sales.Storage.OutputFormat != "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat" {
		t.Errorf("sales: %+v", sales)
	}

	// Round trip: what SHOW CREATE TABLE prints makes the same table.
	for _, c := range cases {
		before := f.table("default", c.name)
		res := f.exec("SHOW CREATE TABLE " + c.name)
		if len(res.Rows) != 1 || !reflect.DeepEqual(res.Columns, []string{"createtab_stmt"}) {
			t.Fatalf("%s: SHOW CREATE TABLE gave %+v", c.name, res)
		}
		ddl := res.Rows[0][0]
		f.exec("DROP TABLE " + c.name)
		f.exec(ddl)
		after := f.table("default", c.name)
		if !sameTable(before, after) {
			t.Errorf("%s: round trip through\n%s\nchanged\n%+v\nto\n%+v", c.name, ddl, before, after)
		}
	}
}

// sameTable compares tables but not their version and times.
func sameTable(a, b catalog.Table) bool {
	for _, t := range []*catalog.Table{&a, &b} {
		t.Created, t.Updated, t.Version = time.Time{}, time.Time{}, 0
	}
	return reflect.DeepEqual(a, b)
}

func TestCreateErrors(t *testing.T) {
	f := newFixture(t)
	qe := f.fails("CREATE EXTERNAL TABLE nodb.t (a int) LOCATION 's3://lake/t/'", undefinedDatabase)
	if !strings.Contains(qe.Message, "nodb") || qe.Position != len("CREATE EXTERNAL TABLE ")+1 {
		t.Errorf("%q at %d: want the database named, at the table name", qe.Message, qe.Position)
	}
	f.exec("CREATE EXTERNAL TABLE t (a int) LOCATION 's3://lake/t/'")
	f.fails("CREATE EXTERNAL TABLE T (b int) LOCATION 's3://lake/t/'", duplicateTable)
	f.exec("CREATE EXTERNAL TABLE IF NOT EXISTS t (b int) LOCATION 's3://lake/t/'")
	if got := f.table("default", "t").Storage.Columns[0].Name; got != "a" {
		t.Errorf("IF NOT EXISTS replaced the table: column %s", got)
	}
	// In another session database.
	f.exec("CREATE DATABASE Other")
	if _, handled, err := Exec(f.ctx, f.cat, f.lk, "Other", "CREATE EXTERNAL TABLE u (a int) LOCATION 's3://lake/u/'"); err != nil || !handled {
		t.Fatal(handled, err)
	}
	f.table("other", "u")
}

func TestDropTable(t *testing.T) {
	f := newFixture(t)
	f.put("t/data.csv")
	f.exec("CREATE EXTERNAL TABLE t (a int) LOCATION 's3://lake/t/'")
	if res := f.exec("DROP TABLE IF EXISTS t"); res.Tag != "DROP TABLE" {
		t.Errorf("tag %q", res.Tag)
	}
	if _, err := f.cat.GetTable(f.ctx, "default", "t"); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("table still there: %v", err)
	}
	if _, err := f.lk.Head(f.ctx, "lake", "t/data.csv"); err != nil {
		t.Errorf("DROP TABLE deleted the data: %v", err)
	}
	// Tables the catalog does not know are DuckDB's, unless written the Hive way.
	for _, stmt := range []string{"DROP TABLE t", "DROP TABLE IF EXISTS t", "DROP TABLE nodb.t", "DESCRIBE t", "DROP TABLE t CASCADE"} {
		if _, handled, err := Exec(f.ctx, f.cat, f.lk, "", stmt); handled || err != nil {
			t.Errorf("%s: handled %v, error %v", stmt, handled, err)
		}
	}
	f.fails("DROP TABLE `t`", query.CodeUndefinedTable)
	f.fails("DROP TABLE `nodb`.`t`", undefinedDatabase)
	f.exec("DROP TABLE IF EXISTS `t`")
	f.exec("CREATE EXTERNAL TABLE t (a int) LOCATION 's3://lake/t/'")
	f.fails("DROP TABLE t CASCADE", "42601")
	f.exec("DROP TABLE default.t PURGE;")
}

func TestDatabases(t *testing.T) {
	f := newFixture(t)
	if res := f.exec("CREATE DATABASE Analytics COMMENT 'team' LOCATION 's3://lake/analytics/' WITH DBPROPERTIES ('owner'='ana')"); res.Tag != "CREATE DATABASE" {
		t.Errorf("tag %q", res.Tag)
	}
	d, err := f.cat.GetDatabase(f.ctx, "analytics")
	if err != nil || d.Description != "team" || d.LocationURI != "s3://lake/analytics/" || d.Parameters["owner"] != "ana" {
		t.Fatalf("%+v %v", d, err)
	}
	f.fails("CREATE SCHEMA analytics", duplicateDatabase)
	if res := f.exec("CREATE SCHEMA IF NOT EXISTS analytics"); res.Tag != "CREATE SCHEMA" {
		t.Errorf("tag %q", res.Tag)
	}
	res := f.exec("SHOW DATABASES")
	if !reflect.DeepEqual(res.Columns, []string{"database_name"}) || !reflect.DeepEqual(res.Rows, [][]string{{"analytics"}, {"default"}}) {
		t.Errorf("SHOW DATABASES: %+v", res)
	}
	if res := f.exec("SHOW SCHEMAS LIKE 'ana*'"); !reflect.DeepEqual(res.Rows, [][]string{{"analytics"}}) {
		t.Errorf("SHOW SCHEMAS LIKE: %+v", res.Rows)
	}
	f.exec("CREATE EXTERNAL TABLE analytics.t (a int) LOCATION 's3://lake/t/'")
	qe := f.fails("DROP DATABASE analytics", notEmpty)
	if !strings.Contains(qe.Message, "CASCADE") {
		t.Errorf("message %q", qe.Message)
	}
	f.exec("DROP DATABASE analytics CASCADE")
	f.fails("DROP DATABASE analytics", undefinedDatabase)
	f.exec("DROP SCHEMA IF EXISTS analytics")
	f.fails("SHOW TABLES IN analytics", undefinedDatabase)
}

func TestNotHandled(t *testing.T) {
	f := newFixture(t)
	for _, stmt := range []string{"SELECT 1", "CREATE TABLE x AS SELECT 1", "CREATE VIEW v AS SELECT 1",
		"DESCRIBE SELECT 1", "ALTER TABLE t ADD COLUMN c int", "SHOW ALL TABLES", "", "PRAGMA version"} {
		res, handled, err := Exec(f.ctx, f.cat, f.lk, "", stmt)
		if handled || err != nil || res.Tag != "" {
			t.Errorf("%q: handled %v, error %v, result %+v", stmt, handled, err, res)
		}
	}
}
