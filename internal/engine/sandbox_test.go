package engine

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/lake"
	"github.com/tarnlake/tarn/internal/query"
)

type keyring map[string]access.Key

func (k keyring) Lookup(id string) (access.Key, bool) { v, ok := k[id]; return v, ok }

// TestSandbox runs the attacks of a key that may read bucket lake only:
// each is refused with its SQLSTATE, writes nothing, and the engine goes
// on serving every key.
func TestSandbox(t *testing.T) {
	keys := keyring{
		"root":   {ID: "root", Root: true},
		"reader": {ID: "reader", Grants: []access.Grant{{Resource: "s3:lake", Read: true}}},
	}
	e := newEnvWith(t, func(o *Options) { o.Keys = keys })
	ctx := context.Background()
	if err := e.lake.CreateBucket(ctx, "secret"); err != nil {
		t.Fatal(err)
	}
	root := e.session()
	e.put("people/a.json", []byte(`{"id":1,"name":"ann"}`+"\n"))
	e.put("orders/a.json", []byte(`{"order_no":"x","total":2.5,"currency":"EUR","lines":[1,2]}`+"\n"))
	if _, err := e.lake.Put(ctx, "secret", "pay/a.json", strings.NewReader(`{"id":1,"salary":100}`+"\n"), lake.PutOptions{Size: 22}); err != nil {
		t.Fatal(err)
	}
	e.crawl()
	e.rows(root, "CREATE EXTERNAL TABLE db.pay (id bigint, salary bigint) ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe' LOCATION 's3://secret/pay/'")
	e.eng.forceSync()
	secretFile, _ := e.lake.LocalPath("secret", "pay/a.json")
	outside := filepath.Join(t.TempDir(), "out.csv")
	keysFile := filepath.Join(t.TempDir(), "keys.json")
	os.WriteFile(keysFile, []byte(`[{"id":"root"}]`), 0o600)

	s, err := e.eng.Session(ctx, "reader")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	deep := strings.Repeat("(", 5000) + "1" + strings.Repeat(")", 5000)
	for _, c := range []struct{ sql, code string }{
		{"COPY (SELECT 1) TO '" + outside + "'", CodeDenied},
		{"COPY db.people TO '" + outside + "' (FORMAT csv)", CodeDenied},
		{"EXPORT DATABASE '" + filepath.Dir(outside) + "'", CodeDenied},
		{"SELECT * FROM read_text('" + keysFile + "')", CodeDenied},
		{"SELECT * FROM read_csv('/etc/passwd')", CodeDenied},
		{"SELECT * FROM read_blob('" + secretFile + "')", CodeDenied},
		{"SELECT * FROM read_json('" + secretFile + "')", CodeDenied},
		{"SELECT * FROM '" + secretFile + "'", CodeDenied},
		{"SELECT * FROM glob('/**')", CodeDenied},
		{"SELECT * FROM tarn_avro('" + filepath.Dir(secretFile) + "/*', '[]')", CodeDenied},
		{"SELECT * FROM query('SELECT 1')", CodeDenied},
		{"ATTACH '" + outside + ".db' AS x", CodeDenied},
		{"INSTALL httpfs FROM 'http://127.0.0.1:1/'", CodeDenied},
		{"LOAD httpfs", CodeDenied},
		{"PRAGMA threads=1", CodeDenied},
		{"CALL pragma_version()", CodeDenied},
		{"SET max_expression_depth = 100000", CodeDenied},
		{"SET GLOBAL memory_limit = '1MB'", CodeDenied},
		{"SET enable_external_access = true", CodeDenied},
		{"RESET GLOBAL memory_limit", CodeDenied},
		{"SELECT 1; COPY (SELECT 1) TO '" + outside + "'", CodeDenied},
		{"EXPLAIN ANALYZE COPY (SELECT 1) TO '" + outside + "'", CodeDenied},
		{"SELECT " + deep, "54001"},
		{"CREATE OR REPLACE VIEW db.people AS SELECT 666 AS id, 'forged' AS name", CodeDenied},
		{"CREATE TABLE t (a int)", CodeDenied},
		{"CREATE MACRO m(x) AS x", CodeDenied},
		{"DROP DATABASE db", CodeDenied},
		{"DROP DATABASE db CASCADE", CodeDenied},
		{"CREATE DATABASE other", CodeDenied},
		{"DROP TABLE db.people", CodeDenied},
		{"CREATE EXTERNAL TABLE db.x (a int) LOCATION 's3://lake/x/'", CodeDenied},
		{"CREATE TABLE db.c WITH (external_location = 's3://lake/c/') AS SELECT 1 AS a", CodeDenied},
		{"UNLOAD (SELECT 1 AS a) TO 's3://lake/u/'", CodeDenied},
		{"CREATE TABLE db.c WITH (external_location = 's3://lake/c/') AS SELECT 1 AS a) TO '" + outside + "' (FORMAT csv) --", CodeDenied},
		{"SELECT * FROM db.pay", CodeDenied},
		{"SELEC 1", query.CodeSyntax},
	} {
		_, err := s.Query(ctx, c.sql)
		var qe *query.Error
		if !errors.As(err, &qe) || qe.Code != c.code {
			t.Errorf("%.80s: got %v, want SQLSTATE %s", c.sql, err, c.code)
		}
	}
	if _, err := os.Stat(outside); err == nil {
		t.Error("a refused statement wrote a file")
	}
	if list, _ := e.lake.List(ctx, "lake", lake.ListOptions{}); len(list.Objects) != 2 {
		t.Errorf("the lake holds %d objects after the attacks, want 2", len(list.Objects))
	}

	// What the key may do: read its tables, make TEMP objects of its own
	// session, set its search path and PostgreSQL's settings.
	for _, q := range []string{"SET search_path = 'db'", "SET TimeZone = 'UTC'", "SET application_name = 'x'",
		"CREATE TEMP VIEW mine AS SELECT 1 AS a", "CREATE TEMP MACRO twice(x) AS x * 2", "CREATE TEMP TABLE tt AS SELECT 1 AS a",
		"INSERT INTO tt VALUES (2)", "BEGIN", "COMMIT"} {
		e.rows(s, q)
	}
	if got := e.rows(s, "SELECT count(*), max(twice(a)) FROM tt"); got[0][0] != "2" || got[0][1] != "4" {
		t.Errorf("temp table: %v", got)
	}
	if got := e.rows(s, "SELECT name FROM db.people"); len(got) != 1 || got[0][0] != "ann" {
		t.Errorf("people as reader: %v", got)
	}
	for _, q := range []string{"SELECT table_name FROM information_schema.tables WHERE table_schema = 'db' ORDER BY 1"} {
		for _, r := range e.rows(s, q) {
			if r[0] == "pay" {
				t.Errorf("%s lists a table the key may not read", q)
			}
		}
	}
	s2, err := e.eng.Session(ctx, "reader")
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if _, err := s2.Query(ctx, "SELECT * FROM mine"); err == nil {
		t.Error("another session of the key sees a TEMP view")
	}
	// Root is untouched: its views are its own, and the server serves.
	if got := e.rows(root, "SELECT name FROM db.people"); len(got) != 1 || got[0][0] != "ann" {
		t.Errorf("people as root after the attacks: %v", got)
	}
	if got := e.rows(root, "SELECT salary FROM db.pay"); len(got) != 1 || got[0][0] != "100" {
		t.Errorf("pay as root: %v", got)
	}
	if _, err := e.eng.Session(ctx, "nobody"); err == nil {
		t.Error("a session for an unknown key opened")
	}
}

// FuzzAdmit: admit never panics, and what it lets through starts with a
// statement a session may run.
func FuzzAdmit(f *testing.F) {
	for _, s := range []string{"SELECT 1", "COPY t TO 'x'", "SET GLOBAL threads = 1", "EXPLAIN ANALYZE COPY x TO 'y'", "((SELECT 1))", "CREATE TEMP VIEW v AS SELECT 1", "SET search_path = x"} {
		f.Add(s)
	}
	s := &session{}
	f.Fuzz(func(t *testing.T, text string) {
		stmts, err := s.admit(text)
		if err != nil {
			return
		}
		for _, st := range stmts {
			if first := st.Tokens[0]; refused[first.Text] {
				t.Fatalf("%q admitted", st.Text)
			}
		}
	})
}

// A key's DuckDB is closed once idle, and the next session of the key gets
// a new one.
func TestIdleInstanceEvicted(t *testing.T) {
	keys := keyring{"a": {ID: "a", Root: true}, "b": {ID: "b", Root: true}}
	e := newEnvWith(t, func(o *Options) { o.Keys, o.IdleInstance = keys, 20*time.Millisecond })
	ctx := context.Background()
	s, err := e.eng.Session(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	e.eng.poolMu.Lock()
	first := e.eng.pool["a"]
	e.eng.poolMu.Unlock()
	if first == nil {
		t.Fatal("no instance kept for key a")
	}
	time.Sleep(50 * time.Millisecond)
	sb, err := e.eng.Session(ctx, "b") // opening b's session sweeps
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	e.eng.poolMu.Lock()
	_, kept := e.eng.pool["a"]
	e.eng.poolMu.Unlock()
	if kept {
		t.Error("key a's idle instance was kept")
	}
	s2, err := e.eng.Session(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if got := e.rows(s2, "SELECT 42"); got[0][0] != "42" {
		t.Errorf("after eviction: %v", got)
	}
}
