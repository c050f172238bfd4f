package redshiftdata

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tarnlake/tarn/internal/awsapi"
	"github.com/tarnlake/tarn/internal/catalog"
)

func TestCancel(t *testing.T) {
	e := newEnv(t, Options{Exclusive: true})
	id := e.run("SELECT sleep")
	e.wait(id, statusStarted)
	e.key = bob
	e.wantErr("CancelStatement", map[string]any{"Id": id}, codeNotFound, "Query does not exist.")
	e.key = alice
	if out := e.ok("CancelStatement", map[string]any{"Id": id}); out["Status"] != true {
		t.Fatalf("%v", out)
	}
	d := e.wait(id)
	if d["Status"] != "ABORTED" || d["Error"] != nil {
		t.Fatalf("%v", d)
	}
	e.wantErr("CancelStatement", map[string]any{"Id": id}, codeValidation, "already in ABORTED state")
	done := e.run("SELECT 1")
	e.wait(done)
	e.wantErr("CancelStatement", map[string]any{"Id": done}, codeValidation, "already in FINISHED state")
	e.wantErr("GetStatementResult", map[string]any{"Id": id}, codeValidation, "ABORTED")
	// Its run recorded nothing over the cancellation.
	time.Sleep(20 * time.Millisecond)
	if d := e.ok("DescribeStatement", map[string]any{"Id": id}); d["Status"] != "ABORTED" {
		t.Fatalf("%v", d)
	}
}

// A statement waiting for a place is canceled before it runs; a batch
// canceled midway aborts the rest and rolls back.
func TestCancelQueuedAndBatch(t *testing.T) {
	e := newEnv(t, Options{MaxConcurrent: 1, Exclusive: true})
	running := e.run("SELECT sleep")
	e.wait(running, statusStarted)
	queued := e.run("SELECT 1")
	if d := e.ok("DescribeStatement", map[string]any{"Id": queued}); d["Status"] != "SUBMITTED" {
		t.Fatalf("%v", d)
	}
	e.ok("CancelStatement", map[string]any{"Id": queued})
	e.ok("CancelStatement", map[string]any{"Id": running})
	if d := e.wait(queued); d["Status"] != "ABORTED" {
		t.Fatalf("%v", d)
	}
	batch := e.ok("BatchExecuteStatement", map[string]any{"Sqls": []string{"SELECT 1", "SELECT sleep", "SELECT 1"}})["Id"].(string)
	e.waitAt(e.api, alice, batch+":2", statusStarted)
	e.ok("CancelStatement", map[string]any{"Id": batch})
	d := e.wait(batch)
	var states []string
	for _, s := range d["SubStatements"].([]any) {
		states = append(states, s.(map[string]any)["Status"].(string))
	}
	if d["Status"] != "ABORTED" || strings.Join(states, " ") != "FINISHED ABORTED ABORTED" {
		t.Fatalf("%v", d)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.HasSuffix(strings.Join(e.engine.sqls(), "; "), "SELECT sleep; ROLLBACK") {
		if time.Now().After(deadline) {
			t.Fatalf("ran %v", e.engine.sqls())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A statement canceled through another process sharing the store stops
// where it runs.
func TestCancelFromAnotherProcess(t *testing.T) {
	e := newEnv(t, Options{})
	other := e.open(Options{})
	id := e.run("SELECT sleep")
	e.wait(id, statusStarted)
	e.okAt(other, alice, "CancelStatement", map[string]any{"Id": id})
	deadline := time.Now().Add(5 * time.Second)
	for {
		e.api.mu.Lock()
		_, running := e.api.running[id]
		e.api.mu.Unlock()
		if !running {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the statement still runs")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if d := e.wait(id); d["Status"] != "ABORTED" {
		t.Fatalf("%v", d)
	}
}

// Another API on the same store answers for the statements of the first,
// results included.
func TestPersistence(t *testing.T) {
	e := newEnv(t, Options{})
	id := e.run("SELECT big")
	first := e.wait(id, statusFinished)
	e.api.Close()
	second := e.open(Options{Exclusive: true})
	d := e.okAt(second, alice, "DescribeStatement", map[string]any{"Id": id})
	if js(d) != js(first) {
		t.Fatalf("after restart\n got %v\nwant %v", d, first)
	}
	rows, req := 0, map[string]any{"Id": id}
	for {
		r := e.okAt(second, alice, "GetStatementResult", req)
		rows += len(r["Records"].([]any))
		if r["NextToken"] == nil {
			break
		}
		req["NextToken"] = r["NextToken"]
	}
	if rows != bigRows {
		t.Fatalf("%d rows after restart", rows)
	}
	list := e.okAt(second, alice, "ListStatements", map[string]any{})["Statements"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["Id"] != id {
		t.Fatalf("%v", list)
	}
}

// Statements and their results are forgotten a day after they end.
func TestExpiry(t *testing.T) {
	e := newEnv(t, Options{})
	id := e.ok("ExecuteStatement", map[string]any{"Sql": "SELECT big", "ClientToken": "t1"})["Id"].(string)
	e.wait(id, statusFinished)
	failed := e.run("SELEC 1")
	e.wait(failed)
	early := e.ok("ExecuteStatement", map[string]any{"Sql": "SELECT 1", "ClientToken": "t2"})["Id"].(string)
	e.wait(early)
	e.clock.advance(23 * time.Hour)
	e.ok("GetStatementResult", map[string]any{"Id": id})
	if err := e.api.sweep(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(e.docNames(kindResult)) != 4 {
		t.Fatalf("swept early: %v", e.docNames(kindResult))
	}
	e.clock.advance(time.Hour + time.Second)
	e.wantErr("DescribeStatement", map[string]any{"Id": id}, codeNotFound, "Query does not exist.")
	e.wantErr("GetStatementResult", map[string]any{"Id": id}, codeNotFound, "Query does not exist.")
	if list := e.ok("ListStatements", map[string]any{"Status": "ALL"})["Statements"].([]any); len(list) != 0 {
		t.Fatalf("expired statements listed: %v", list)
	}
	// A token whose statement expired makes a new one, swept or not.
	again := e.ok("ExecuteStatement", map[string]any{"Sql": "SELECT 1", "ClientToken": "t2"})["Id"].(string)
	if again == early {
		t.Fatal("an expired token still names its statement")
	}
	if d := e.wait(again); d["Status"] != "FINISHED" {
		t.Fatalf("%v", d)
	}
	e.clock.advance(25 * time.Hour)
	if err := e.api.sweep(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{kindStatement, kindIndex, kindResult, kindToken} {
		if names := e.docNames(kind); len(names) != 0 {
			t.Errorf("%s left: %v", kind, names)
		}
	}
	// The token is free again.
	if again := e.ok("ExecuteStatement", map[string]any{"Sql": "SELECT 1", "ClientToken": "t1"})["Id"]; again == id {
		t.Fatal("an expired token still names its statement")
	}
}

// An exclusive API fails what a dead process left unfinished; a shared
// one leaves it be, until it is past any timeout.
func TestOrphans(t *testing.T) {
	e := newEnv(t, Options{})
	ctx := context.Background()
	now := e.clock.Now()
	orphan := &statement{ID: awsapi.NewUUID(), User: "AKALICE", Database: "tarn", Status: statusStarted, Created: now, Updated: now,
		Subs: []sub{{SQL: "SELECT sleep", Status: statusStarted, Rows: -1, Size: -1}, {SQL: "SELECT 1", Status: statusSubmitted, Rows: -1, Size: -1}}, Batch: true}
	if err := e.api.createStatement(ctx, orphan); err != nil {
		t.Fatal(err)
	}
	shared := e.open(Options{})
	if d := e.okAt(shared, alice, "DescribeStatement", map[string]any{"Id": orphan.ID}); d["Status"] != "STARTED" {
		t.Fatalf("shared: %v", d)
	}
	excl := e.open(Options{Exclusive: true})
	d := e.okAt(excl, alice, "DescribeStatement", map[string]any{"Id": orphan.ID})
	subs := d["SubStatements"].([]any)
	if d["Status"] != "FAILED" || d["Error"] != "tarn stopped while the statement ran" ||
		subs[0].(map[string]any)["Status"] != "FAILED" || subs[1].(map[string]any)["Status"] != "ABORTED" {
		t.Fatalf("exclusive: %v", d)
	}
	// Left unfinished past its timeout, a statement is forgotten anyway.
	stale := &statement{ID: awsapi.NewUUID(), User: "AKALICE", Status: statusStarted, Created: now, Updated: now, Subs: []sub{{SQL: "x", Status: statusStarted}}}
	if err := e.api.createStatement(ctx, stale); err != nil {
		t.Fatal(err)
	}
	e.clock.advance(48*time.Hour + time.Minute)
	e.wantErr("DescribeStatement", map[string]any{"Id": stale.ID}, codeNotFound, "")
}

// Close fails the statements this process runs or has queued.
func TestClose(t *testing.T) {
	e := newEnv(t, Options{MaxConcurrent: 1})
	running := e.run("SELECT sleep")
	e.wait(running, statusStarted)
	queued := e.run("SELECT 1")
	e.api.Close()
	other := e.open(Options{})
	for _, id := range []string{running, queued} {
		d := e.okAt(other, alice, "DescribeStatement", map[string]any{"Id": id})
		if d["Status"] != "FAILED" || d["Error"] != "tarn stopped while the statement ran" {
			t.Fatalf("%s: %v", id, d)
		}
	}
	if status, out := e.do("ExecuteStatement", map[string]any{"Sql": "SELECT 1"}); status != 500 || out["__type"] != codeInternal {
		t.Fatalf("after Close: %d %v", status, out)
	}
}

func TestActiveLimit(t *testing.T) {
	e := newEnv(t, Options{MaxConcurrent: 1, MaxActive: 2, MaxActivePerKey: 2})
	a := e.run("SELECT sleep")
	b := e.run("SELECT sleep")
	e.wantErr("ExecuteStatement", map[string]any{"Sql": "SELECT 1"}, codeActive, "at most 2")
	e.ok("CancelStatement", map[string]any{"Id": a})
	e.ok("CancelStatement", map[string]any{"Id": b})
	e.wait(a)
	e.wait(b)
	deadline := time.Now().Add(5 * time.Second)
	for e.api.activeCount() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d still active", e.api.activeCount())
		}
		time.Sleep(5 * time.Millisecond)
	}
	e.wait(e.run("SELECT 1"), statusFinished)
}

func (a *API) activeCount() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.active
}

// One key cannot take the API from the others: neither all of its places
// for statements nor all of its running ones.
func TestActiveLimitPerKey(t *testing.T) {
	e := newEnv(t, Options{MaxConcurrent: 2, MaxActive: 8, MaxActivePerKey: 2})
	withToken := map[string]any{"Sql": "SELECT sleep", "Database": "tarn", "ClientToken": "tok-a"}
	a := e.ok("ExecuteStatement", withToken)["Id"].(string)
	b := e.run("SELECT sleep")
	e.wantErr("ExecuteStatement", map[string]any{"Sql": "SELECT 1"}, codeActive, "of this key are active; at most 2")
	// A retry of a request taken already answers as the first did.
	if again := e.ok("ExecuteStatement", withToken)["Id"]; again != a {
		t.Fatalf("a retry at the limit: %v, want %s", again, a)
	}
	e.wait(a, statusStarted)
	e.key = bob
	e.wait(e.run("SELECT 1"), statusFinished) // alice runs one at a time: a place is left
	if d := e.okAt(e.api, alice, "DescribeStatement", map[string]any{"Id": b}); d["Status"] != statusSubmitted {
		t.Fatalf("alice's second statement: %v", d["Status"])
	}
	e.key = alice
	e.ok("CancelStatement", map[string]any{"Id": a})
	e.wait(b, statusStarted)
	e.ok("CancelStatement", map[string]any{"Id": b})
	e.wait(b)
}

// failingDocs fails puts of one kind of document, as a catalog store
// that has gone away would.
type failingDocs struct {
	catalog.Store
	kind string
}

func (f failingDocs) PutDoc(ctx context.Context, d catalog.Doc, rev int64) (catalog.Doc, error) {
	if d.Kind == f.kind {
		return catalog.Doc{}, errors.New("store unavailable")
	}
	return f.Store.PutDoc(ctx, d, rev)
}

// A statement whose id is known but that could not be recorded is an
// ExecuteStatementException naming it.
func TestExecuteStatementException(t *testing.T) {
	e := newEnv(t, Options{})
	api := New(e.engine, failingDocs{e.store, kindIndex}, testLog, Options{})
	t.Cleanup(func() { api.Close() })
	for _, tc := range []struct {
		op, code string
		body     map[string]any
	}{
		{"ExecuteStatement", codeExecute, map[string]any{"Sql": "SELECT 1"}},
		{"BatchExecuteStatement", codeBatch, map[string]any{"Sqls": []string{"SELECT 1"}}},
	} {
		status, out := e.doAt(api, alice, tc.op, tc.body)
		id, _ := out["StatementId"].(string)
		if status != 500 || out["__type"] != tc.code || !idPattern.MatchString(id) || !strings.Contains(out["message"].(string), "store unavailable") {
			t.Fatalf("%s: %d %v", tc.op, status, out)
		}
		if d := e.okAt(api, alice, "DescribeStatement", map[string]any{"Id": id}); d["Status"] != "FAILED" || !strings.Contains(d["Error"].(string), "store unavailable") {
			t.Fatalf("%s: %v", tc.op, d)
		}
	}
}
