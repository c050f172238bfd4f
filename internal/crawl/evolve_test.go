package crawl

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tarnlake/tarn/internal/lake"
)

func TestSchemaEvolution(t *testing.T) {
	for _, store := range []string{"embedded", "postgres"} {
		t.Run(store, func(t *testing.T) { schemaEvolution(t, newEnvOn(t, store)) })
	}
}

func schemaEvolution(t *testing.T, e *env) {
	ctx := context.Background()
	e.put("orders/day=1/a.json", []byte(`{"id":1,"sku":"a"}`+"\n"))
	e.put("orders/day=2/b.json", []byte(`{"id":2,"sku":"b"}`+"\n"))
	e.crawl(Crawler{Name: "c", Targets: []S3Target{{Path: "s3://lake/orders/"}}})
	if tb := e.table("orders"); tb.Version != 1 || columns(tb) != "id:bigint,sku:string" {
		t.Fatalf("first crawl: v%d %s", tb.Version, columns(tb))
	}
	// A new partition whose files add a column and widen id.
	e.put("orders/day=3/c.json", []byte(`{"id":2.5,"sku":"c","qty":4}`+"\n"))
	run := e.crawl(Crawler{Name: "c"})
	tb := e.table("orders")
	if tb.Version != 2 || columns(tb) != "id:double,sku:string,qty:bigint" || run.Summary.TablesUpdated != 1 || run.Summary.PartitionsAdded != 1 {
		t.Fatalf("second crawl: v%d %s %+v", tb.Version, columns(tb), run.Summary)
	}
	vs, err := e.cat.GetTableVersions(ctx, "db", "orders")
	if err != nil || len(vs) != 2 || columns(vs[1]) != "id:bigint,sku:string" {
		t.Fatalf("versions: %v %v", vs, err)
	}
	// Unchanged files are not read again.
	run = e.crawl(Crawler{Name: "c"})
	if run.Summary.FilesClassified != 0 || run.Summary.TablesUpdated != 0 || e.table("orders").Version != 2 {
		t.Fatalf("third crawl changed something: %+v", run.Summary)
	}

	// Under UpdateBehavior LOG the table stays; the run says what it saw.
	if err := e.svc.UpdateCrawler(ctx, Crawler{Name: "c", DatabaseName: "db", Targets: []S3Target{{Path: "s3://lake/orders/"}},
		SchemaChangePolicy: SchemaChangePolicy{UpdateBehavior: UpdateLog, DeleteBehavior: DeleteLog}}); err != nil {
		t.Fatal(err)
	}
	e.put("orders/day=4/d.json", []byte(`{"id":4,"sku":"d","qty":1,"note":"n"}`+"\n"))
	run = e.crawl(Crawler{Name: "c"})
	if tb := e.table("orders"); tb.Version != 2 || run.Summary.TablesUpdated != 0 || !strings.Contains(strings.Join(run.Summary.Changes, "\n"), "would update table db.orders (UpdateBehavior LOG): add column note string") {
		t.Fatalf("LOG crawl: v%d %+v", tb.Version, run.Summary.Changes)
	}
	if got := len(e.partitions("orders")); got != 4 {
		t.Fatalf("partitions under LOG: %d, want 4 (new partitions are still added)", got)
	}
}

func TestDeleteBehavior(t *testing.T) {
	for _, c := range []struct {
		behavior string
		check    func(e *env)
	}{
		{DeprecateInDB, func(e *env) {
			if e.table("gone").Parameters["DEPRECATED_BY_CRAWLER"] == "" {
				t.Errorf("not deprecated: %v", e.table("gone").Parameters)
			}
		}},
		{DeleteFromDB, func(e *env) {
			if _, err := e.cat.GetTable(context.Background(), "db", "gone"); err == nil {
				t.Error("table still there")
			}
		}},
		{DeleteLog, func(e *env) {
			if tb := e.table("gone"); tb.Version != 1 {
				t.Errorf("table changed: %+v", tb)
			}
		}},
	} {
		t.Run(c.behavior, func(t *testing.T) {
			e := newEnv(t)
			e.put("t/keep/a.csv", []byte("a,b\n1,2\n3,4\n"))
			e.put("t/gone/b.json", []byte(`{"x":"y"}`))
			e.put("t/also/c.json.gz", gz(`{"q":1}`))
			cr := Crawler{Name: "c", Targets: []S3Target{{Path: "s3://lake/t/"}}, SchemaChangePolicy: SchemaChangePolicy{DeleteBehavior: c.behavior}}
			e.crawl(cr)
			e.table("gone")
			if err := e.lake.Delete(context.Background(), "lake", "t/gone/b.json"); err != nil {
				t.Fatal(err)
			}
			e.crawl(cr)
			c.check(e)
			e.table("keep")
		})
	}
}

func TestRecrawlNewFoldersOnly(t *testing.T) {
	e := newEnv(t)
	e.put("logs/dt=1/a.json", []byte(`{"a":1}`))
	cr := Crawler{Name: "c", Targets: []S3Target{{Path: "s3://lake/logs/"}}, RecrawlBehavior: RecrawlNew,
		SchemaChangePolicy: SchemaChangePolicy{UpdateBehavior: UpdateLog, DeleteBehavior: DeleteLog}}
	e.crawl(cr)
	e.put("logs/dt=1/b.json", []byte(`{"a":1,"old_folder_column":2}`)) // in a folder crawled before: not read
	e.put("logs/dt=2/c.json", []byte(`{"a":2,"b":"x"}`))
	run := e.crawl(cr)
	if run.Summary.FilesClassified != 1 || run.Summary.PartitionsAdded != 1 || e.table("logs").Version != 1 {
		t.Fatalf("incremental crawl: %+v", run.Summary)
	}
}

func TestRecrawlEventMode(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.put("ev/p=1/a.json", []byte(`{"a":1}`))
	cr := Crawler{Name: "c", Targets: []S3Target{{Path: "s3://lake/ev/"}}, RecrawlBehavior: RecrawlEvents,
		SchemaChangePolicy: SchemaChangePolicy{UpdateBehavior: UpdateLog, DeleteBehavior: DeleteLog}}
	e.crawl(cr) // the first crawl lists everything
	e.svc.events.forget()
	evLake := lake.WithEvents(e.lake, lake.NotifierFunc(func(ctx context.Context, ev lake.Event) error {
		return e.svc.AddEvents(ctx, []lake.Event{ev})
	}))
	if _, err := evLake.Put(ctx, "lake", "ev/p=2/b.json", strings.NewReader(`{"a":2}`), lake.PutOptions{Size: 7}); err != nil {
		t.Fatal(err)
	}
	// An object put without an event is not seen by an event-mode crawl.
	e.put("ev/p=3/c.json", []byte(`{"a":3}`))
	run := e.crawl(cr)
	if run.Summary.FilesClassified != 1 || run.Summary.PartitionsAdded != 1 {
		t.Fatalf("event crawl: %+v", run.Summary)
	}
	if got := len(e.partitions("ev")); got != 2 {
		t.Fatalf("partitions: %d", got)
	}
	// The events were consumed.
	if m, _ := e.svc.events.take(ctx, "c"); len(m) != 0 {
		t.Fatalf("pending after crawl: %v", m)
	}
}

func TestDissimilarFoldersMakeTables(t *testing.T) {
	// Glue's documented example: {A,B} and {C,D} under year=2017 and
	// year=2018 make two tables, or one with CombineCompatibleSchemas.
	e := newEnv(t)
	e.put("table1/year=2017/data1.json", []byte(`{"A":1,"B":2}`))
	e.put("table1/year=2018/data2.json", []byte(`{"C":3,"D":4}`))
	e.crawl(Crawler{Name: "split", Targets: []S3Target{{Path: "s3://lake/table1/"}}})
	e.table("year_2017")
	e.table("year_2018")
	e.crawl(Crawler{Name: "combine", DatabaseName: "db2", Targets: []S3Target{{Path: "s3://lake/table1/"}},
		Configuration: `{"Version":1.0,"Grouping":{"TableGroupingPolicy":"CombineCompatibleSchemas"}}`})
	tb, err := e.cat.GetTable(context.Background(), "db2", "table1")
	if err != nil || columns(tb) != "a:bigint,b:bigint,c:bigint,d:bigint" {
		t.Fatalf("combined: %s %v", columns(tb), err)
	}
}

func TestStopAndStates(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if err := e.svc.StopCrawler(ctx, "nope"); err == nil {
		t.Fatal("stop of a missing crawler")
	}
	e.put("x/a.json", []byte(`{"a":1}`))
	e.crawl(Crawler{Name: "c", Targets: []S3Target{{Path: "s3://lake/x/"}}})
	if err := e.svc.StopCrawler(ctx, "c"); err == nil || !strings.Contains(err.Error(), ErrNotRunning.Error()) {
		t.Fatalf("stop of a ready crawler: %v", err)
	}
	// A crawler left RUNNING by a dead process can be started again.
	if err := e.svc.modifyCrawler(ctx, "c", func(c *Crawler) error { c.State = StateRunning; return nil }); err != nil {
		t.Fatal(err)
	}
	// (its newest run is not RUNNING, so nobody runs it)
	e.crawl(Crawler{Name: "c"})
	m, err := e.svc.CrawlerMetrics(ctx, []string{"c"})
	if err != nil || len(m) != 1 || m[0].TablesCreated != 0 {
		t.Fatalf("metrics: %+v %v", m, err)
	}
}

func TestParseSchedule(t *testing.T) {
	for expr, want := range map[string]string{
		"cron(15 12 * * ? *)":      "2026-01-01T12:15:00Z",
		"cron(0 8 ? * 2 *)":        "2026-01-05T08:00:00Z", // Monday
		"cron(0/30 * * * ? *)":     "2026-01-01T00:30:00Z",
		"cron(0 18 ? * MON-FRI *)": "2026-01-01T18:00:00Z",
		"cron(0 0 1 JAN,JUL ? *)":  "2026-07-01T00:00:00Z",
	} {
		s, err := parseSchedule(expr)
		if err != nil {
			t.Errorf("%s: %v", expr, err)
			continue
		}
		from := time.Date(2026, 1, 1, 0, 5, 0, 0, time.UTC)
		if expr == "cron(0 0 1 JAN,JUL ? *)" {
			from = time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
		}
		if got := s.Next(from).Format(time.RFC3339); got != want {
			t.Errorf("%s: next %s, want %s", expr, got, want)
		}
	}
	for _, bad := range []string{"", "15 12 * * ? *", "cron(1 2 3)", "cron(0 0 L * ? *)", "cron(0 0 ? * 8 *)", "cron(0 0 * * ? 2030)"} {
		if _, err := parseSchedule(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestExclusions(t *testing.T) {
	for _, c := range []struct {
		glob string
		yes  []string
		no   []string
	}{
		{"**.tmp", []string{"a.tmp", "x/y/a.tmp"}, []string{"a.tmpx"}},
		{"*.csv", []string{"a.csv"}, []string{"x/a.csv"}},
		{"logs/**", []string{"logs/a", "logs/x/y"}, []string{"logsx/a"}},
		{"{a,b}/*.json", []string{"a/x.json", "b/y.json"}, []string{"c/x.json"}},
		{"data?.[!x]sv", []string{"data1.csv"}, []string{"data1.xsv", "data12.csv"}},
	} {
		re, err := compileGlob(c.glob)
		if err != nil {
			t.Fatalf("%s: %v", c.glob, err)
		}
		for _, s := range c.yes {
			if !re.MatchString(s) {
				t.Errorf("%s does not match %s", c.glob, s)
			}
		}
		for _, s := range c.no {
			if re.MatchString(s) {
				t.Errorf("%s matches %s", c.glob, s)
			}
		}
	}
	for _, bad := range []string{"", "[abc", "{a,b", "a}"} {
		if _, err := compileGlob(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// A scheduled crawler starts when its time comes (a clock running 1000x).
func TestSchedule(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.svc.Close()
	start, base := time.Now(), time.Date(2026, 1, 1, 0, 0, 30, 0, time.UTC)
	e.svc = e.run(New(Options{Catalog: e.cat, Lake: e.lake, ScheduleEvery: 5 * time.Millisecond,
		Now: func() time.Time { return base.Add(time.Since(start) * 1000) }}))
	e.put("s/a.json", []byte(`{"a":1}`))
	if err := e.svc.CreateCrawler(ctx, Crawler{Name: "sched", DatabaseName: "db", Schedule: "cron(* * * * ? *)",
		Targets: []S3Target{{Path: "s3://lake/s/"}}}); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if runs, _ := e.svc.ListCrawls(ctx, "sched"); len(runs) > 0 && runs[len(runs)-1].State == RunCompleted {
			e.table("s")
			return
		}
	}
	t.Fatal("the scheduled crawl did not run")
}
