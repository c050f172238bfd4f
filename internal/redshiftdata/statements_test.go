package redshiftdata

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestExecuteAndResult(t *testing.T) {
	e := newEnv(t, Options{})
	out := e.ok("ExecuteStatement", map[string]any{"Sql": "SELECT 1", "Database": "TARN", "ClusterIdentifier": "my-cluster",
		"DbUser": "awsuser", "SecretArn": "arn:aws:secretsmanager:us-east-1:1:secret:x"})
	id, _ := out["Id"].(string)
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(id) {
		t.Fatalf("Id %q", id)
	}
	if out["Database"] != "TARN" || out["DbUser"] != "AKALICE" || out["ClusterIdentifier"] != "my-cluster" || out["WorkgroupName"] != nil ||
		out["SecretArn"] == nil || out["CreatedAt"] == nil {
		t.Fatalf("ExecuteStatement: %v", out)
	}
	d := e.wait(id)
	if d["Status"] != "FINISHED" || d["HasResultSet"] != true || num(t, d["ResultRows"]) != 1 || num(t, d["ResultSize"]) <= 0 ||
		d["QueryString"] != "SELECT 1" || num(t, d["RedshiftQueryId"]) <= 0 || num(t, d["Duration"]) < 0 || d["Error"] != nil ||
		d["ResultFormat"] != "JSON" || d["SubStatements"] != nil || d["DbUser"] != "AKALICE" || d["UpdatedAt"] == nil {
		t.Fatalf("DescribeStatement: %v", d)
	}
	r := e.ok("GetStatementResult", map[string]any{"Id": id})
	if js(r["Records"]) != `[[{"longValue":1}]]` || num(t, r["TotalNumRows"]) != 1 || r["NextToken"] != nil {
		t.Fatalf("GetStatementResult: %v", r)
	}
	want := `[{"isCaseSensitive":false,"isCurrency":false,"isSigned":true,"label":"?column?","length":0,"name":"?column?","nullable":1,"precision":10,"scale":0,"schemaName":"","tableName":"","typeName":"int4"}]`
	if got := js(r["ColumnMetadata"]); got != want {
		t.Fatalf("ColumnMetadata\n got %s\nwant %s", got, want)
	}
	// Results may be read again.
	if r2 := e.ok("GetStatementResult", map[string]any{"Id": id}); js(r2) != js(r) {
		t.Fatalf("second read: %v", r2)
	}
	calls := e.engine.recorded()
	if len(calls) != 1 || calls[0].user != "AKALICE" {
		t.Fatalf("engine calls: %+v", calls)
	}
}

// Each engine value arrives as the Field the Data API uses for it.
func TestValueFields(t *testing.T) {
	e := newEnv(t, Options{})
	id := e.run("SELECT types")
	e.wait(id, statusFinished)
	r := e.ok("GetStatementResult", map[string]any{"Id": id})
	records := r["Records"].([]any)
	if len(records) != 2 {
		t.Fatalf("records: %v", records)
	}
	want := []string{
		`{"booleanValue":true}`, `{"longValue":-7}`, `{"doubleValue":1.5}`, `{"stringValue":"say \"hi\"\n\u0001"}`,
		`{"stringValue":"2024-01-31"}`, `{"stringValue":"2024-01-31 13:04:05.123456"}`, `{"stringValue":"2024-01-31 12:04:05+00"}`,
		`{"stringValue":"-12.05"}`, `{"blobValue":"aGk="}`, `{"stringValue":"[1,null,3]"}`, `{"stringValue":"{\"a\":1,\"b c\":\"x\"}"}`,
		`{"stringValue":"{\"k\":2}"}`, `{"stringValue":"12345678-9abc-def0-0102-030405060708"}`,
		`{"stringValue":"1180591620717411303424"}`, `{"stringValue":"1 year 2 mons 3 days 04:05:06"}`, `{"doubleValue":0.25}`,
		`{"stringValue":"08:30:00"}`, `{"stringValue":"9223372036854775808"}`,
	}
	first := records[0].([]any)
	for i, w := range want {
		var got strings.Builder
		enc := json.NewEncoder(&got)
		enc.SetEscapeHTML(false)
		enc.Encode(first[i])
		if g := strings.TrimSpace(got.String()); g != w && js(first[i]) != w {
			t.Errorf("column %s: got %s, want %s", typesCols[i].Name, g, w)
		}
	}
	for i, f := range records[1].([]any) {
		if js(f) != `{"isNull":true}` {
			t.Errorf("NULL in column %s: %s", typesCols[i].Name, js(f))
		}
	}
	meta := r["ColumnMetadata"].([]any)
	var names []string
	for _, m := range meta {
		names = append(names, m.(map[string]any)["typeName"].(string))
	}
	wantNames := "bool int8 float8 varchar date timestamp timestamptz numeric varbyte super super super varchar numeric interval float4 time numeric"
	if strings.Join(names, " ") != wantNames {
		t.Fatalf("typeNames %v", names)
	}
	dec := meta[7].(map[string]any)
	if num(t, dec["precision"]) != 10 || num(t, dec["scale"]) != 2 || dec["isSigned"] != true {
		t.Fatalf("decimal metadata %v", dec)
	}
	if s := meta[3].(map[string]any); s["isCaseSensitive"] != true || s["isSigned"] != false {
		t.Fatalf("varchar metadata %v", s)
	}
}

// Results come back in pages, each token leading to the next.
func TestPagination(t *testing.T) {
	e := newEnv(t, Options{})
	id := e.run("SELECT big")
	e.wait(id, statusFinished)
	var got []int64
	var token any
	pages := 0
	for {
		req := map[string]any{"Id": id}
		if token != nil {
			req["NextToken"] = token
		}
		r := e.ok("GetStatementResult", req)
		pages++
		if num(t, r["TotalNumRows"]) != bigRows || len(r["ColumnMetadata"].([]any)) != 2 {
			t.Fatalf("page %d: %v %v", pages, r["TotalNumRows"], r["ColumnMetadata"])
		}
		for _, rec := range r["Records"].([]any) {
			got = append(got, num(t, rec.([]any)[0].(map[string]any)["longValue"]))
		}
		if token = r["NextToken"]; token == nil {
			break
		}
	}
	if pages != 3 || len(got) != bigRows {
		t.Fatalf("%d pages, %d rows", pages, len(got))
	}
	for i, n := range got {
		if n != int64(i) {
			t.Fatalf("row %d is %d", i, n)
		}
	}
	// A token is the statement's own: another's, or a forged one, is refused.
	r := e.ok("GetStatementResult", map[string]any{"Id": id})
	other := e.run("SELECT big")
	e.wait(other, statusFinished)
	e.wantErr("GetStatementResult", map[string]any{"Id": other, "NextToken": r["NextToken"]}, codeValidation, "NextToken")
	e.wantErr("GetStatementResult", map[string]any{"Id": id, "NextToken": "garbage"}, codeValidation, "NextToken")
	// An empty result is one empty page.
	empty := e.run("SELECT empty")
	e.wait(empty, statusFinished)
	if r := e.ok("GetStatementResult", map[string]any{"Id": empty}); js(r["Records"]) != "[]" || num(t, r["TotalNumRows"]) != 0 {
		t.Fatalf("empty: %v", r)
	}
}

// A result past the caps fails its statement with advice to UNLOAD, and
// leaves nothing stored.
func TestResultCaps(t *testing.T) {
	for _, opts := range []Options{{MaxResultRows: 1500}, {MaxResultBytes: 30000}} {
		e := newEnv(t, opts)
		id := e.run("SELECT big")
		d := e.wait(id)
		if d["Status"] != "FAILED" || !strings.Contains(d["Error"].(string), "UNLOAD") {
			t.Fatalf("%+v: %v", opts, d)
		}
		if names := e.docNames(kindResult); len(names) != 0 {
			t.Fatalf("result pages left: %v", names)
		}
		e.wantErr("GetStatementResult", map[string]any{"Id": id}, codeValidation, "FAILED")
	}
}

// A failed statement is no API error: DescribeStatement says why.
func TestFailedStatement(t *testing.T) {
	e := newEnv(t, Options{})
	id := e.run("SELEC 1")
	d := e.wait(id)
	if d["Status"] != "FAILED" || d["Error"] != `ERROR: syntax error at or near "SELEC"` || num(t, d["ResultRows"]) != -1 {
		t.Fatalf("%v", d)
	}
	e.wantErr("GetStatementResult", map[string]any{"Id": id}, codeValidation, "did not finish")
	// A session the engine will not open fails the statement too.
	e.key = &alice2
	id = e.run("SELECT 1")
	if d := e.wait(id); d["Status"] != "FAILED" || !strings.Contains(d["Error"].(string), "no such key") {
		t.Fatalf("%v", d)
	}
}

var alice2 = *alice

func init() { alice2.ID = "nobody" }

func TestNoResultSet(t *testing.T) {
	e := newEnv(t, Options{})
	id := e.run("INSERT INTO t VALUES (1), (2)")
	d := e.wait(id)
	if d["Status"] != "FINISHED" || d["HasResultSet"] != false || num(t, d["ResultRows"]) != 2 {
		t.Fatalf("%v", d)
	}
	out := e.wantErr("GetStatementResult", map[string]any{"Id": id}, codeNotFound, "Query does not have result")
	if out["ResourceId"] != id {
		t.Fatalf("%v", out)
	}
}

func TestBatch(t *testing.T) {
	e := newEnv(t, Options{})
	out := e.ok("BatchExecuteStatement", map[string]any{"Sqls": []string{"CREATE TABLE t (x INT)", "INSERT INTO t VALUES (1), (2)", "SELECT 1"},
		"Database": "tarn", "WorkgroupName": "default-wg"})
	id := out["Id"].(string)
	if out["WorkgroupName"] != "default-wg" || out["ClusterIdentifier"] != nil {
		t.Fatalf("%v", out)
	}
	d := e.wait(id)
	subs, _ := d["SubStatements"].([]any)
	if d["Status"] != "FINISHED" || len(subs) != 3 || d["HasResultSet"] != true || d["QueryString"] != nil || num(t, d["ResultRows"]) != 3 {
		t.Fatalf("%v", d)
	}
	for i, s := range subs {
		s := s.(map[string]any)
		if s["Id"] != id+":"+string(rune('1'+i)) || s["Status"] != "FINISHED" || s["QueryString"] == "" {
			t.Fatalf("sub %d: %v", i, s)
		}
	}
	if got := strings.Join(e.engine.sqls(), "; "); got != "BEGIN; CREATE TABLE t (x INT); INSERT INTO t VALUES (1), (2); SELECT 1; COMMIT" {
		t.Fatalf("ran %s", got)
	}
	sessions := map[int64]bool{}
	for _, c := range e.engine.recorded() {
		sessions[c.session] = true
	}
	if len(sessions) != 1 {
		t.Fatalf("ran in %d sessions", len(sessions))
	}
	e.wantErr("GetStatementResult", map[string]any{"Id": id}, codeValidation, id+":1 to "+id+":3")
	if r := e.ok("GetStatementResult", map[string]any{"Id": id + ":3"}); js(r["Records"]) != `[[{"longValue":1}]]` {
		t.Fatalf("%v", r)
	}
	e.wantErr("GetStatementResult", map[string]any{"Id": id + ":2"}, codeNotFound, "does not have result")
	one := e.ok("DescribeStatement", map[string]any{"Id": id + ":2"})
	if one["Id"] != id+":2" || one["QueryString"] != "INSERT INTO t VALUES (1), (2)" || num(t, one["ResultRows"]) != 2 || one["SubStatements"] != nil {
		t.Fatalf("%v", one)
	}
	e.wantErr("DescribeStatement", map[string]any{"Id": id + ":4"}, codeNotFound, "Query does not exist.")
	list := e.ok("ListStatements", map[string]any{})["Statements"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["IsBatchStatement"] != true || len(list[0].(map[string]any)["QueryStrings"].([]any)) != 3 {
		t.Fatalf("%v", list)
	}
}

// A failing SQL statement fails its batch: the rest do not run and the
// transaction is rolled back.
func TestBatchFailure(t *testing.T) {
	for _, noTx := range []bool{false, true} {
		e := newEnv(t, Options{})
		e.engine.noTx = noTx
		id := e.ok("BatchExecuteStatement", map[string]any{"Sqls": []string{"INSERT INTO t VALUES (1), (2)", "SELEC 1", "SELECT 1"}})["Id"].(string)
		d := e.wait(id)
		var states []string
		for _, s := range d["SubStatements"].([]any) {
			states = append(states, s.(map[string]any)["Status"].(string))
		}
		if d["Status"] != "FAILED" || !strings.Contains(d["Error"].(string), "SELEC") || strings.Join(states, " ") != "FINISHED FAILED ABORTED" {
			t.Fatalf("noTx %v: %v", noTx, d)
		}
		want := "BEGIN; INSERT INTO t VALUES (1), (2); SELEC 1; ROLLBACK"
		if noTx {
			want = "BEGIN; INSERT INTO t VALUES (1), (2); SELEC 1"
		}
		if got := strings.Join(e.engine.sqls(), "; "); got != want {
			t.Fatalf("noTx %v: ran %s", noTx, got)
		}
	}
}

// A batch whose transaction does not commit fails on its last statement,
// and is rolled back (COMMIT may have failed before reaching it).
func TestBatchCommitFails(t *testing.T) {
	e := newEnv(t, Options{})
	e.engine.noCommit = true
	id := e.ok("BatchExecuteStatement", map[string]any{"Sqls": []string{"INSERT INTO t VALUES (1), (2)", "SELECT 1"}})["Id"].(string)
	d := e.wait(id)
	subs := d["SubStatements"].([]any)
	if d["Status"] != "FAILED" || !strings.Contains(d["Error"].(string), "COMMIT failed") ||
		subs[0].(map[string]any)["Status"] != "FINISHED" || subs[1].(map[string]any)["Status"] != "FAILED" {
		t.Fatalf("%v", d)
	}
	if got := strings.Join(e.engine.sqls(), "; "); got != "BEGIN; INSERT INTO t VALUES (1), (2); SELECT 1; COMMIT; ROLLBACK" {
		t.Fatalf("ran %s", got)
	}
	if names := e.docNames(kindResult); len(names) != 0 {
		t.Fatalf("result of a rolled back batch kept: %v", names)
	}
}

func TestParametersThroughAPI(t *testing.T) {
	e := newEnv(t, Options{})
	id := e.ok("ExecuteStatement", map[string]any{"Sql": "SELECT echo :name, ':name', \":name\", x::int, :n2, :missing -- :name",
		"Parameters": []map[string]string{{"name": "name", "value": "O'Brien"}, {"name": "n2", "value": "42"}}})["Id"].(string)
	e.wait(id, statusFinished)
	r := e.ok("GetStatementResult", map[string]any{"Id": id})
	want := `[[{"stringValue":" 'O''Brien' , ':name', \":name\", x::int,  '42' , :missing -- :name"}]]`
	if got := js(r["Records"]); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	d := e.ok("DescribeStatement", map[string]any{"Id": id})
	if js(d["QueryParameters"]) != `[{"name":"name","value":"O'Brien"},{"name":"n2","value":"42"}]` ||
		!strings.HasPrefix(d["QueryString"].(string), "SELECT echo :name") {
		t.Fatalf("%v", d)
	}
}

func TestSubstitute(t *testing.T) {
	params := map[string]string{"a": "x'y", "b": "\\", "c1": "1"}
	for _, tc := range []struct{ in, want string }{
		{"SELECT :a", "SELECT  'x''y' "},
		{"SELECT :a, :b", "SELECT  'x''y' ,  '\\' "},
		{"SELECT ':a', \":a\", $$ :a $$ /* :a */ -- :a", "SELECT ':a', \":a\", $$ :a $$ /* :a */ -- :a"},
		{"SELECT x::a, x:::a", "SELECT x::a, x:: 'x''y' "},
		{"SELECT e:a", "SELECT e 'x''y' "},
		{"SELECT :ab, :a1, : a, :c1", "SELECT :ab, :a1, : a,  '1' "},
		{"SELECT 'unterminated :a", "SELECT 'unterminated :a"},
		{"SELECT arr[1:c1]", "SELECT arr[1 '1' ]"},
	} {
		if got := substitute(tc.in, params); got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestClientToken(t *testing.T) {
	e := newEnv(t, Options{})
	req := map[string]any{"Sql": "SELECT 1", "ClientToken": "tok-1"}
	first := e.ok("ExecuteStatement", req)["Id"]
	e.wait(first.(string))
	if again := e.ok("ExecuteStatement", req)["Id"]; again != first {
		t.Fatalf("repeat made %v, not %v", again, first)
	}
	if n := len(e.engine.recorded()); n != 1 {
		t.Fatalf("ran %d times", n)
	}
	e.wantErr("ExecuteStatement", map[string]any{"Sql": "SELECT 2", "ClientToken": "tok-1"}, codeValidation, "different parameters")
	e.key = bob // tokens are the caller's own
	if other := e.ok("ExecuteStatement", req)["Id"]; other == first {
		t.Fatal("bob got alice's statement")
	}
}

func TestListStatements(t *testing.T) {
	e := newEnv(t, Options{})
	var ids []string
	for i, sql := range []string{"SELECT 1", "SELEC 1", "SELECT 1", "SELECT 1"} {
		id := e.ok("ExecuteStatement", map[string]any{"Sql": sql, "StatementName": []string{"daily-a", "daily-b", "weekly", "daily-c"}[i]})["Id"].(string)
		e.wait(id)
		ids = append(ids, id)
		e.clock.advance(time.Millisecond) // distinct creation times
	}
	e.key = bob
	bobs := e.run("SELECT 1")
	e.wait(bobs)
	e.key = alice
	list := func(req map[string]any) []string {
		t.Helper()
		var got []string
		for {
			out := e.ok("ListStatements", req)
			for _, s := range out["Statements"].([]any) {
				got = append(got, s.(map[string]any)["Id"].(string))
			}
			if out["NextToken"] == nil {
				return got
			}
			req["NextToken"] = out["NextToken"]
		}
	}
	newest := func(idx ...int) []string {
		var out []string
		for _, i := range idx {
			out = append(out, ids[i])
		}
		return out
	}
	for _, tc := range []struct {
		req  map[string]any
		want []string
	}{
		{map[string]any{}, newest(3, 2, 0)}, // FINISHED only by default
		{map[string]any{"Status": "ALL"}, newest(3, 2, 1, 0)},
		{map[string]any{"Status": "FAILED"}, newest(1)},
		{map[string]any{"Status": "ALL", "StatementName": "daily"}, newest(3, 1, 0)},
		{map[string]any{"Status": "ALL", "MaxResults": 1}, newest(3, 2, 1, 0)},
		{map[string]any{"Status": "ALL", "MaxResults": 3, "StatementName": "daily"}, newest(3, 1, 0)},
		{map[string]any{"Status": "ALL", "Database": "other"}, nil},
		{map[string]any{"Status": "ALL", "ClusterIdentifier": "c1"}, nil},
	} {
		if got := list(tc.req); !slices.Equal(got, tc.want) {
			t.Errorf("%v: got %v, want %v", tc.req, got, tc.want)
		}
	}
	e.key = admin
	if got := list(map[string]any{"Status": "ALL"}); !slices.Equal(got, append([]string{bobs}, newest(3, 2, 1, 0)...)) {
		t.Errorf("root lists %v", got)
	}
	e.key = bob
	if got := list(map[string]any{"Status": "ALL"}); !slices.Equal(got, []string{bobs}) {
		t.Errorf("bob lists %v", got)
	}
	e.wantErr("DescribeStatement", map[string]any{"Id": ids[0]}, codeNotFound, "Query does not exist.")
	e.wantErr("GetStatementResult", map[string]any{"Id": ids[0]}, codeNotFound, "Query does not exist.")
	e.wantErr("CancelStatement", map[string]any{"Id": ids[0]}, codeNotFound, "Query does not exist.")
	e.key = admin
	e.ok("DescribeStatement", map[string]any{"Id": ids[0]})
}
