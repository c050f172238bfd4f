package crawl

import (
	"context"
	"errors"
	"testing"

	"github.com/tarnlake/tarn/internal/catalog"
)

func TestCustomClassifiers(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	line := `127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08"` + "\n"
	e.put("web/2026/a.log", []byte(line+line))
	e.put("semi/x.txt", []byte("a;b\n1;2\n3;4\n"))
	e.put("nested/r.json", []byte(`{"records":[{"id":1,"v":"a"},{"id":2,"v":"b"}]}`))
	for _, c := range []Classifier{
		{Name: "apache", Kind: KindGrok, Grok: &GrokClassifier{Classification: "apache-log", GrokPattern: "%{COMBINEDAPACHELOG}"}},
		{Name: "semi", Kind: KindCSV, CSV: &CSVClassifier{Delimiter: ";", ContainsHeader: ContainsHeader}},
		{Name: "records", Kind: KindJSON, JSON: &JSONClassifier{JSONPath: "$.records[*]"}},
	} {
		if err := e.svc.CreateClassifier(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	for _, bad := range []Classifier{
		{Name: "g", Kind: KindGrok, Grok: &GrokClassifier{Classification: "x", GrokPattern: "%{NOPE}"}},
		{Name: "j", Kind: KindJSON, JSON: &JSONClassifier{JSONPath: "records"}},
		{Name: "c", Kind: KindCSV, CSV: &CSVClassifier{Delimiter: ";;"}},
		{Name: "k", Kind: "xml"},
	} {
		if err := e.svc.CreateClassifier(ctx, bad); !errors.Is(err, catalog.ErrInvalid) {
			t.Errorf("%+v: %v", bad, err)
		}
	}
	if err := e.svc.CreateClassifier(ctx, Classifier{Name: "apache", Kind: KindJSON, JSON: &JSONClassifier{JSONPath: "$"}}); !errors.Is(err, catalog.ErrExists) {
		t.Errorf("duplicate: %v", err)
	}
	e.crawl(Crawler{Name: "c", Classifiers: []string{"apache", "semi", "records"}, Targets: []S3Target{{Path: "s3://lake/"}}})
	web := e.table("web")
	if web.Parameters["classification"] != "apache-log" || web.Storage.SerDe.SerializationLibrary != grokSerDe || len(web.Storage.Columns) < 5 {
		t.Fatalf("web: %s %+v", columns(web), web.Parameters)
	}
	if got := columns(e.table("semi")); got != "a:bigint,b:bigint" {
		t.Fatalf("semi: %s", got)
	}
	if got := columns(e.table("nested")); got != "id:bigint,v:string" {
		t.Fatalf("nested: %s", got)
	}
	// Changing a classifier makes the next crawl read the files again.
	if err := e.svc.UpdateClassifier(ctx, Classifier{Name: "semi", Kind: KindCSV, CSV: &CSVClassifier{Delimiter: ";", ContainsHeader: LacksHeader}}); err != nil {
		t.Fatal(err)
	}
	run := e.crawl(Crawler{Name: "c"})
	if run.Summary.FilesClassified != 3 {
		t.Fatalf("after a classifier changed: %+v", run.Summary)
	}
	if err := e.svc.DeleteClassifier(ctx, "semi"); err != nil {
		t.Fatal(err)
	}
	if cs, _ := e.svc.ListClassifiers(ctx); len(cs) != 2 {
		t.Fatalf("classifiers: %+v", cs)
	}
}

func TestTableLevelAndUnnamedPartitions(t *testing.T) {
	e := newEnv(t)
	e.put("ds/a/2026/01/x.json", []byte(`{"k":1}`))
	e.put("ds/a/2026/02/y.json", []byte(`{"z":"q"}`))
	e.put("ds/b/2026/01/x.json", []byte(`{"k":1}`))
	e.crawl(Crawler{Name: "lvl", Targets: []S3Target{{Path: "s3://lake/ds/", Exclusions: []string{"b/**"}}},
		Configuration: `{"Version":1.0,"Grouping":{"TableLevelConfiguration":2}}`})
	a := e.table("a")
	if len(a.PartitionKeys) != 2 || a.PartitionKeys[0].Name != "partition_0" || columns(a) != "k:bigint,z:string" {
		t.Fatalf("a: %s %+v", columns(a), a.PartitionKeys)
	}
	if _, err := e.cat.GetTable(context.Background(), "db", "b"); err == nil {
		t.Fatal("an excluded folder made a table")
	}
}
