package hiveddl

import (
	"reflect"
	"testing"

	"github.com/tarnlake/tarn/internal/query"
)

const logsDDL = `CREATE EXTERNAL TABLE logs (msg string, level int)
	PARTITIONED BY (dt string, hr int)
	ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
	LOCATION 's3://lake/logs'`

func TestMSCKRepair(t *testing.T) {
	f := newFixture(t)
	f.exec(logsDDL)
	for _, key := range []string{
		"logs/dt=2024-01-01/hr=0/a.json",
		"logs/dt=2024-01-01/hr=0/b.json",
		"logs/dt=2024-01-01/hr=1/b.json",
		"logs/dt=2024-01-02/hr=0/_SUCCESS",
		"logs/dt=2024-01-02/hr=0/c.json",
		"logs/dt=a%2Fb/hr=5/d.json",            // value "a/b", escaped as Hive writes it
		"logs/_temporary/dt=2024-09-09/hr=1/e", // hidden
		"logs/dt=2024-01-03/_temporary/0/f",    // hidden below a real folder: no hr level
		"logs/dt=2024-01-03/.hr=1/f",           // hidden
		"logs/region=eu/hr=1/g.json",           // another key
		"logs/dt=2024-01-04/hr=/h.json",        // no value
		"logs/dt=2024-01-05/x.json",            // one level short
		"logs/readme.txt",
		"logsbis/dt=2024-01-01/hr=0/i.json", // a sibling prefix
	} {
		f.put(key)
	}
	// One key per page makes the listing page through every folder.
	defer func(n int) { pageSize = n }(pageSize)
	pageSize = 1

	res := f.exec("MSCK REPAIR TABLE logs")
	want := [][]string{
		{"Partitions not in metastore: logs:dt=2024-01-01/hr=0"},
		{"Partitions not in metastore: logs:dt=2024-01-01/hr=1"},
		{"Partitions not in metastore: logs:dt=2024-01-02/hr=0"},
		{"Partitions not in metastore: logs:dt=a%2Fb/hr=5"},
	}
	if res.Tag != "MSCK REPAIR TABLE" || !reflect.DeepEqual(res.Columns, []string{"result"}) || !reflect.DeepEqual(res.Rows, want) {
		t.Fatalf("first repair: %+v", res)
	}
	p, err := f.cat.GetPartition(f.ctx, "default", "logs", []string{"a/b", "5"})
	if err != nil || p.Storage.Location != "s3://lake/logs/dt=a%2Fb/hr=5/" || p.Storage.SerDe.SerializationLibrary != openxJSON {
		t.Fatalf("partition a/b: %+v %v", p, err)
	}
	if res := f.exec("MSCK REPAIR TABLE default.logs;"); len(res.Rows) != 0 {
		t.Errorf("second repair added %v", res.Rows)
	}
	// Folders added later are found; partitions added by hand are not repeated.
	f.put("logs/dt=2024-01-06/hr=2/j.json")
	f.put("logs/dt=2024-01-07/hr=3/k.json")
	f.exec("ALTER TABLE logs ADD PARTITION (dt='2024-01-07', hr=3)")
	if res := f.exec("msck repair table `logs`"); !reflect.DeepEqual(res.Rows, [][]string{{"Partitions not in metastore: logs:dt=2024-01-06/hr=2"}}) {
		t.Errorf("third repair: %v", res.Rows)
	}

	f.exec("CREATE EXTERNAL TABLE flat (a int) LOCATION 's3://lake/flat/'")
	f.fails("MSCK REPAIR TABLE flat", invalidValue)
	f.fails("MSCK REPAIR TABLE missing", query.CodeUndefinedTable)
	f.fails("MSCK REPAIR TABLE nodb.missing", undefinedDatabase)
	f.exec("CREATE EXTERNAL TABLE nobucket (a int) PARTITIONED BY (p string) LOCATION 's3://nosuchbucket/x/'")
	f.fails("MSCK REPAIR TABLE nobucket", invalidValue)
}

func TestAlterPartitions(t *testing.T) {
	f := newFixture(t)
	f.exec(logsDDL)
	if res := f.exec("ALTER TABLE logs ADD PARTITION (dt='2024-01-01', hr=0) PARTITION (hr=1, dt='2024-01-01') LOCATION 's3://lake/elsewhere/'"); res.Tag != "ALTER TABLE" {
		t.Errorf("tag %q", res.Tag)
	}
	p, err := f.cat.GetPartition(f.ctx, "default", "logs", []string{"2024-01-01", "0"})
	if err != nil || p.Storage.Location != "s3://lake/logs/dt=2024-01-01/hr=0/" || p.Storage.InputFormat != textInput {
		t.Fatalf("%+v %v", p, err)
	}
	if p, _ := f.cat.GetPartition(f.ctx, "default", "logs", []string{"2024-01-01", "1"}); p.Storage.Location != "s3://lake/elsewhere/" {
		t.Errorf("explicit location: %q", p.Storage.Location)
	}
	// All or nothing: the new partition is not added when another exists.
	f.fails("ALTER TABLE logs ADD PARTITION (dt='2024-01-02', hr=0) PARTITION (dt='2024-01-01', hr=0)", duplicatePartition)
	f.fails("ALTER TABLE logs ADD PARTITION (dt='x', hr=9) PARTITION (dt='x', hr=9)", duplicatePartition)
	f.exec("ALTER TABLE logs ADD IF NOT EXISTS PARTITION (dt='2024-01-02', hr=0) PARTITION (dt='2024-01-01', hr=0)")
	f.exec("ALTER TABLE logs ADD PARTITION (dt='a/b', hr=-1)")

	res := f.exec("SHOW PARTITIONS logs")
	want := [][]string{{"dt=2024-01-01/hr=0"}, {"dt=2024-01-01/hr=1"}, {"dt=2024-01-02/hr=0"}, {"dt=a%2Fb/hr=-1"}}
	if res.Tag != "SHOW" || !reflect.DeepEqual(res.Columns, []string{"partition"}) || !reflect.DeepEqual(res.Rows, want) {
		t.Fatalf("SHOW PARTITIONS: %+v", res)
	}
	if res := f.exec("SHOW PARTITIONS logs PARTITION (hr=0)"); !reflect.DeepEqual(res.Rows, [][]string{{"dt=2024-01-01/hr=0"}, {"dt=2024-01-02/hr=0"}}) {
		t.Errorf("SHOW PARTITIONS with a spec: %v", res.Rows)
	}

	qe := f.fails("ALTER TABLE logs ADD PARTITION (dt='1')", invalidValue)
	if qe.Position != len("ALTER TABLE logs ADD PARTITION (")+1 {
		t.Errorf("missing key: position %d", qe.Position)
	}
	f.fails("ALTER TABLE logs ADD PARTITION (dt='1', hr=1, zone='x')", query.CodeUndefinedColumn)
	f.fails("ALTER TABLE logs ADD PARTITION (dt='1', dt='2')", query.CodeSyntax)
	f.fails("ALTER TABLE logs ADD PARTITION (dt='', hr=1)", invalidValue)
	f.fails("ALTER TABLE logs ADD PARTITION (dt='1', hr=1) LOCATION '/tmp/x'", invalidValue)
	f.fails("ALTER TABLE missing ADD PARTITION (dt='1')", query.CodeUndefinedTable)

	// A spec naming some keys drops every partition it matches.
	f.exec("ALTER TABLE logs DROP PARTITION (dt='2024-01-01')")
	f.fails("ALTER TABLE logs DROP PARTITION (dt='2024-01-01')", undefinedObject)
	f.exec("ALTER TABLE logs DROP IF EXISTS PARTITION (dt='2024-01-01'), PARTITION (dt='a/b', hr=-1)")
	if res := f.exec("SHOW PARTITIONS default.logs"); !reflect.DeepEqual(res.Rows, [][]string{{"dt=2024-01-02/hr=0"}}) {
		t.Errorf("after drops: %v", res.Rows)
	}

	f.exec("CREATE EXTERNAL TABLE flat (a int) LOCATION 's3://lake/flat/'")
	f.fails("ALTER TABLE flat ADD PARTITION (a='1')", invalidValue)
	f.fails("SHOW PARTITIONS flat", invalidValue)
	f.fails("SHOW PARTITIONS missing", query.CodeUndefinedTable)
}
