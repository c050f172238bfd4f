package pipeline

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

func TestValidateNamesLineAndField(t *testing.T) {
	const conf = `buckets:
  - landing
  - Bad_Bucket
streams:
  - name: clicks
    shards: 2
  - name: clicks
    shards: 900
databases:
  - name: analytics
crawlers:
  - name: raw
    database: nowhere
    targets: [s3://lake/raw/, "http://x"]
    schedule: hourly
    recrawl: sometimes
`
	var s Spec
	if err := yaml.Unmarshal([]byte(conf), &s); err != nil {
		t.Fatal(err)
	}
	err := s.Validate("tarn.yaml")
	if err == nil {
		t.Fatal("no problems found")
	}
	for _, want := range []string{
		`tarn.yaml:3: buckets[1]: "Bad_Bucket" is not a bucket name`,
		`tarn.yaml:7: streams[1].shards: 900 shards: want 1 to 500`,
		`tarn.yaml:7: streams[1]: stream "clicks" is declared twice (first on line 5)`,
		`tarn.yaml:12: crawlers[0].database: database "nowhere" is not declared under databases`,
		`tarn.yaml:12: crawlers[0].targets[0]: bucket "lake" is not declared under buckets`,
		`tarn.yaml:12: crawlers[0].targets[1]: "http://x" is not an s3://bucket/prefix/ path`,
		`tarn.yaml:12: crawlers[0].schedule: "hourly" is not a cron expression`,
		`tarn.yaml:12: crawlers[0].recrawl: "sometimes" is not one of everything, new_folders, events`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
}

func TestUnknownFieldNamesItsLine(t *testing.T) {
	var s Spec
	err := yaml.Unmarshal([]byte("streams:\n  - name: clicks\n    shard: 2\n"), &s)
	if err == nil || !strings.Contains(err.Error(), `line 3: unknown field "shard"`) {
		t.Fatalf("got %v", err)
	}
}

func TestRoundTrip(t *testing.T) {
	s := Spec{Buckets: []Bucket{{Name: "lake"}}, Streams: []Stream{{Name: "clicks", Shards: 2, RetentionHours: 24}},
		Databases: []Database{{Name: "analytics"}}, Crawlers: []Crawler{{Name: "raw", Database: "analytics", Targets: []string{"s3://lake/raw/"}, Recrawl: "events"}}}
	b, err := yaml.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var back Spec
	if err := yaml.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if err := back.Validate("x"); err != nil {
		t.Fatal(err)
	}
	b2, _ := yaml.Marshal(back)
	if string(b) != string(b2) {
		t.Fatalf("%s\nbecame\n%s", b, b2)
	}
}

func TestValidateKeys(t *testing.T) {
	const conf = `keys:
  - name: partner
    write: [s3:landing, "nosuch:x"]
    ssh_keys: ["ssh-ed25519 not-base64"]
  - name: root
    read: [s3:lake]
  - name: empty
  - name: envy
    read: [s3:lake]
    secret_env: TARN_TEST_UNSET_SECRET
`
	var s Spec
	if err := yaml.Unmarshal([]byte(conf), &s); err != nil {
		t.Fatal(err)
	}
	err := s.Validate("k.yaml")
	for _, want := range []string{
		`k.yaml:2: keys[0].write[1]: grant "nosuch:x": unknown kind "nosuch"`,
		`k.yaml:2: keys[0].ssh_keys[0]: not an SSH public key`,
		`k.yaml:5: keys[1].name: a key needs a name other than root`,
		`k.yaml:7: keys[2]: key "empty" has no grants`,
		`k.yaml:8: keys[3].secret_env: environment variable TARN_TEST_UNSET_SECRET is not set`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
}

func TestValidateFunctionsTablesDeliveries(t *testing.T) {
	const conf = `keys:
  - name: pipelines
    write: [s3:lake]
buckets: [lake]
streams:
  - name: clicks
databases:
  - name: analytics
    tables:
      - name: clicks
        location: lake/clicks/
        format: xml
        columns:
          - {name: "user id", type: bigint}
          - {name: ts, type: "timestamp; drop"}
functions:
  - name: tag-events
    runtime: python3.12
    handler: app.handler
    code: nowhere
    role: someone
    timeout: 901
warehouse_tables:
  - name: public.sales
    columns:
      - {name: id, type: BIGINT}
      - {name: ID, type: "INT); DROP TABLE x; --"}
      - {name: id, type: interval}
  - name: a.b.c
    columns: []
deliveries:
  - name: clicks-to-lake
    stream: taps
    role: pipelines
    bucket: landing
    format: avro
  - name: tarn-mine
    role: pipelines
    bucket: lake
    format: parquet
    table: clicks
    transform: nope
    size_mb: 5
    compression: gzip
`
	var s Spec
	if err := yaml.Unmarshal([]byte(conf), &s); err != nil {
		t.Fatal(err)
	}
	s.Dir = t.TempDir()
	err := s.Validate("p.yaml")
	for _, want := range []string{
		`p.yaml:10: databases[0].tables[0].location: "lake/clicks/" is not an s3://bucket/prefix/ path`,
		`p.yaml:10: databases[0].tables[0].format: "xml" is not one of parquet, json, csv, avro, orc`,
		`p.yaml:14: databases[0].tables[0].columns[0].name: "user id" is not a column name`,
		`p.yaml:15: databases[0].tables[0].columns[1].type: "timestamp; drop" is not a type`,
		`p.yaml:17: functions[0].code: stat ` + s.Dir + `/nowhere: no such file or directory`,
		`p.yaml:17: functions[0].role: key "someone" is not declared under keys`,
		`p.yaml:17: functions[0].timeout: 901 seconds: want 1 to 900`,
		`p.yaml:27: warehouse_tables[0].columns[1].name: "ID" is not a column name: a lowercase letter`,
		`p.yaml:27: warehouse_tables[0].columns[1].type: "INT); DROP TABLE x; --" is not a type`,
		`p.yaml:28: warehouse_tables[0].columns[2].name: column "id" is declared twice`,
		`p.yaml:28: warehouse_tables[0].columns[2].type: type "interval" is not a warehouse type tarn keeps`,
		`p.yaml:29: warehouse_tables[1].name: "a.b.c" is not a table name`,
		`p.yaml:29: warehouse_tables[1].columns: a table needs columns`,
		`p.yaml:32: deliveries[0].bucket: bucket "landing" is not declared under buckets`,
		`p.yaml:32: deliveries[0].stream: stream "taps" is not declared under streams`,
		`p.yaml:32: deliveries[0].format: "avro" is not parquet`,
		`p.yaml:37: deliveries[1].name: "tarn-mine": names beginning with tarn- are tarn's own`,
		`p.yaml:37: deliveries[1].table: "clicks": name the catalog table records are converted by as DATABASE.TABLE`,
		`p.yaml:37: deliveries[1].transform: function "nope" is not declared under functions`,
		`p.yaml:37: deliveries[1].size_mb: 5 MB: converting to Parquet wants 64 to 128`,
		`p.yaml:37: deliveries[1].compression: "gzip" is not UNCOMPRESSED, GZIP`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
}

func TestZipCodeIsStable(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{"app.py": "def handler(e, c): return e\n", "lib/util.py": "X = 1\n"} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	a, err := zipCode(dir)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().Add(time.Hour)
	os.Chtimes(filepath.Join(dir, "app.py"), now, now)
	b, _ := zipCode(dir)
	if !bytes.Equal(a, b) {
		t.Fatal("a touched file changed the zip: every apply would update the function")
	}
	os.WriteFile(filepath.Join(dir, "app.py"), []byte("def handler(e, c): return {}\n"), 0o644)
	if c, _ := zipCode(dir); bytes.Equal(a, c) {
		t.Fatal("an edited file left the zip as it was")
	}
}

func TestSameWarehouseType(t *testing.T) {
	for _, c := range []struct {
		got      describedColumn
		declared string
		same     bool
	}{
		{describedColumn{TypeName: "int8"}, "BIGINT", true},
		{describedColumn{TypeName: "int4"}, "BIGINT", false},
		{describedColumn{TypeName: "varchar"}, "VARCHAR(256)", true},
		{describedColumn{TypeName: "varchar"}, "varchar(max)", true},
		{describedColumn{TypeName: "numeric", Precision: 10, Scale: 2}, "DECIMAL(10,2)", true},
		{describedColumn{TypeName: "numeric", Precision: 10, Scale: 2}, "DECIMAL(12,2)", false},
		{describedColumn{TypeName: "timestamptz"}, "timestamp with time zone", true},
		{describedColumn{TypeName: "timestamp"}, "TIMESTAMPTZ", false},
		{describedColumn{TypeName: "float8"}, "double precision", true},
	} {
		if got := sameWarehouseType(c.got, c.declared); got != c.same {
			t.Errorf("%s vs %s: same %v", c.got.TypeName, c.declared, got)
		}
	}
}

// A csv table's header row and delimiter are what the config says: a
// headerless file loses no row.
func TestCatalogTableCSV(t *testing.T) {
	no := false
	for _, c := range []struct {
		table       CatalogTable
		delim, skip string
	}{
		{CatalogTable{Name: "a", Format: "csv"}, ",", "1"},
		{CatalogTable{Name: "b", Format: "csv", Delimiter: "|", Header: &no}, "|", ""},
	} {
		in := c.table.input()
		params := in["Parameters"].(map[string]string)
		sp := in["StorageDescriptor"].(map[string]any)["SerdeInfo"].(map[string]any)["Parameters"].(map[string]string)
		if params["delimiter"] != c.delim || sp["field.delim"] != c.delim || params["skip.header.line.count"] != c.skip {
			t.Errorf("%s: %v %v", c.table.Name, params, sp)
		}
	}
}
