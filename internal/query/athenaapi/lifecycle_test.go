package athenaapi

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/athena/types"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/awsapi"
)

// A new API on the same stores answers for the queries of the old one.
func TestRestart(t *testing.T) {
	e := newEnv(t, Options{})
	c := e.client(e.api, nil)
	id := start(t, c, &athena.StartQueryExecutionInput{QueryString: aws.String("SELECT big")})
	waitState(t, c, id, types.QueryExecutionStateSucceeded)
	e.api.Close()

	c2, ctx := e.client(e.open(Options{Exclusive: true}), nil), ctxT(t)
	if qe := waitState(t, c2, id, finishedStates()...); qe.Status.State != types.QueryExecutionStateSucceeded {
		t.Fatalf("after restart: %+v", qe.Status)
	}
	out, err := c2.GetQueryResults(ctx, &athena.GetQueryResultsInput{QueryExecutionId: &id, MaxResults: aws.Int32(3)})
	if err != nil || len(out.ResultSet.Rows) != 3 || aws.ToString(out.ResultSet.Rows[2].Data[1].VarCharValue) != "row 1" || out.NextToken == nil {
		t.Fatalf("results after restart: %+v %v", out, err)
	}
}

// An exclusive API fails what a dead process left running; a shared one
// leaves it to the process that may still run it.
func TestOrphans(t *testing.T) {
	e := newEnv(t, Options{})
	c := e.client(e.api, nil)
	id := start(t, c, &athena.StartQueryExecutionInput{QueryString: aws.String("SELECT 1")})
	waitState(t, c, id, types.QueryExecutionStateSucceeded)
	// Pretend a process died running these.
	ctx := context.Background()
	orphan, queued := awsapi.NewUUID(), awsapi.NewUUID()
	for _, o := range []struct{ id, state string }{{orphan, stateRunning}, {queued, stateQueued}} {
		err := e.api.createExec(ctx, execution{ID: o.id, Query: "SELECT sleep", StatementType: typeDML, WorkGroup: primary,
			Catalog: dataCatalog, Output: "s3://results/", State: o.state, Submitted: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
	}
	shared := e.client(e.open(Options{}), nil)
	if qe := waitState(t, shared, orphan, types.QueryExecutionStateRunning); qe.Status.CompletionDateTime != nil {
		t.Fatalf("shared: %+v", qe.Status)
	}
	excl := e.client(e.open(Options{Exclusive: true}), nil)
	for _, id := range []string{orphan, queued} {
		qe := waitState(t, excl, id, finishedStates()...)
		if qe.Status.State != types.QueryExecutionStateFailed || aws.ToString(qe.Status.StateChangeReason) != "tarn stopped while the query ran" {
			t.Fatalf("orphan: %+v", qe.Status)
		}
	}
	if qe := waitState(t, excl, id, finishedStates()...); qe.Status.State != types.QueryExecutionStateSucceeded {
		t.Fatalf("finished query touched: %+v", qe.Status)
	}
}

// Close cancels running and queued queries; a full queue refuses more.
func TestCloseAndQueue(t *testing.T) {
	e := newEnv(t, Options{MaxConcurrent: 1})
	c, ctx := e.client(e.api, nil), ctxT(t)
	running := start(t, c, &athena.StartQueryExecutionInput{QueryString: aws.String("SELECT sleep")})
	waitState(t, c, running, types.QueryExecutionStateRunning)
	var queued []string
	for range 16 {
		queued = append(queued, start(t, c, &athena.StartQueryExecutionInput{QueryString: aws.String("SELECT sleep")}))
	}
	waitState(t, c, queued[15], types.QueryExecutionStateQueued)
	_, err := c.StartQueryExecution(ctx, &athena.StartQueryExecutionInput{QueryString: aws.String("SELECT 1")})
	var tmr *types.TooManyRequestsException
	if !errors.As(err, &tmr) || tmr.Reason != types.ThrottleReasonConcurrentQueryLimitExceeded {
		t.Fatalf("queue full: %v", err)
	}
	e.api.Close()
	for _, id := range append(queued, running) {
		if qe := waitState(t, c, id, finishedStates()...); qe.Status.State != types.QueryExecutionStateCancelled {
			t.Fatalf("after close %s: %+v", id, qe.Status)
		}
	}
}

func TestQueryTimeout(t *testing.T) {
	e := newEnv(t, Options{QueryTimeout: 50 * time.Millisecond})
	c := e.client(e.api, nil)
	id := start(t, c, &athena.StartQueryExecutionInput{QueryString: aws.String("SELECT sleep")})
	st := waitState(t, c, id, finishedStates()...).Status
	if st.State != types.QueryExecutionStateFailed || aws.ToString(st.StateChangeReason) != "Query timeout" || st.AthenaError == nil || !st.AthenaError.Retryable {
		t.Fatalf("timed out: %+v", st)
	}
}

// A query stopped through another process sharing the store ends too.
func TestStopFromAnotherProcess(t *testing.T) {
	e := newEnv(t, Options{})
	c := e.client(e.api, nil)
	other := e.client(e.open(Options{}), nil)
	id := start(t, c, &athena.StartQueryExecutionInput{QueryString: aws.String("SELECT sleep")})
	waitState(t, other, id, types.QueryExecutionStateRunning)
	if _, err := other.StopQueryExecution(ctxT(t), &athena.StopQueryExecutionInput{QueryExecutionId: &id}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		e.api.mu.Lock()
		n := len(e.api.running)
		e.api.mu.Unlock()
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the running process did not notice the stop")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if qe := waitState(t, c, id, finishedStates()...); qe.Status.State != types.QueryExecutionStateCancelled {
		t.Fatalf("stopped elsewhere: %+v", qe.Status)
	}
}

func TestParametersAndStatementTypes(t *testing.T) {
	reg := prometheus.NewRegistry()
	e := newEnv(t, Options{Registerer: reg})
	c, ctx := e.client(e.api, nil), ctxT(t)
	id := start(t, c, &athena.StartQueryExecutionInput{QueryString: aws.String("SELECT * FROM t WHERE a = ? AND b = '?' AND c = ? AND d = ?"),
		ExecutionParameters: []string{"'it''s'", "42", "DATE '2024-01-31'"}})
	waitState(t, c, id, types.QueryExecutionStateSucceeded)
	calls := e.engine.recorded()
	last := calls[len(calls)-1]
	if last.sql != "SELECT * FROM t WHERE a = $1 AND b = '?' AND c = $2 AND d = CAST($3 AS DATE)" || len(last.args) != 3 ||
		last.args[0] != "it's" || last.args[1] != int64(42) || last.args[2] != "2024-01-31" {
		t.Fatalf("bound %+v", last)
	}
	// UTILITY results are text, without a header row.
	id = start(t, c, &athena.StartQueryExecutionInput{QueryString: aws.String("SHOW TABLES"), ResultConfiguration: &types.ResultConfiguration{OutputLocation: aws.String("s3://results/")}})
	qe := waitState(t, c, id, types.QueryExecutionStateSucceeded)
	if qe.StatementType != types.StatementTypeUtility || aws.ToString(qe.ResultConfiguration.OutputLocation) != "s3://results/"+id+".txt" {
		t.Fatalf("utility: %+v", qe)
	}
	if got := e.readObject("results", id+".txt"); got != "orders\nodd\\tname\\\\\n\\N\n" {
		t.Fatalf("txt %q", got)
	}
	out, err := c.GetQueryResults(ctx, &athena.GetQueryResultsInput{QueryExecutionId: &id})
	if err != nil || len(out.ResultSet.Rows) != 3 || aws.ToString(out.ResultSet.Rows[1].Data[0].VarCharValue) != "odd\tname\\" ||
		out.ResultSet.Rows[2].Data[0].VarCharValue != nil || aws.ToString(out.ResultSet.ResultSetMetadata.ColumnInfo[0].Name) != "tab_name" {
		t.Fatalf("utility results %+v %v", out, err)
	}
	id = start(t, c, &athena.StartQueryExecutionInput{QueryString: aws.String("CREATE TABLE t (x INT)")})
	if qe := waitState(t, c, id, types.QueryExecutionStateSucceeded); qe.StatementType != types.StatementTypeDdl {
		t.Fatalf("ddl: %+v", qe)
	}
	id = start(t, c, &athena.StartQueryExecutionInput{QueryString: aws.String("INSERT INTO t VALUES (1), (2)")})
	waitState(t, c, id, types.QueryExecutionStateSucceeded)
	out, err = c.GetQueryResults(ctx, &athena.GetQueryResultsInput{QueryExecutionId: &id})
	if err != nil || aws.ToInt64(out.UpdateCount) != 2 || len(out.ResultSet.Rows) != 0 {
		t.Fatalf("insert results %+v %v", out, err)
	}
	e.api.Close() // metrics count a query once it has recorded its end
	mfs, _ := reg.Gather()
	counted := 0.0
	for _, mf := range mfs {
		if mf.GetName() == "tarn_athena_queries_total" {
			for _, m := range mf.GetMetric() {
				counted += m.GetCounter().GetValue()
			}
		}
	}
	if counted != 4 {
		t.Fatalf("queries counted: %v", counted)
	}
}

func TestAccess(t *testing.T) {
	e := newEnv(t, Options{})
	key := &access.Key{ID: "TKUSER", Grants: []access.Grant{{Resource: "s3:results", Read: true, Write: true}}}
	c, ctx := e.client(e.api, key), ctxT(t)
	_, err := c.StartQueryExecution(ctx, &athena.StartQueryExecutionInput{QueryString: aws.String("SELECT 1")})
	if err == nil || !strings.Contains(err.Error(), "AccessDeniedException") || !strings.Contains(err.Error(), "arn:aws:s3:::tarn-athena-results") {
		t.Fatalf("default output: %v", err)
	}
	id := start(t, c, &athena.StartQueryExecutionInput{QueryString: aws.String("SELECT 1"), ResultConfiguration: &types.ResultConfiguration{OutputLocation: aws.String("s3://results/")}})
	waitState(t, c, id, types.QueryExecutionStateSucceeded)
	if calls := e.engine.recorded(); calls[0].user != "TKUSER" {
		t.Fatalf("ran as %q", calls[0].user)
	}
	if _, err := c.CreateWorkGroup(ctx, &athena.CreateWorkGroupInput{Name: aws.String("w")}); err == nil || !strings.Contains(err.Error(), "AccessDeniedException") {
		t.Fatalf("create workgroup: %v", err)
	}

	// Executions and named queries belong to the key that made them: another
	// key finds none of them; root sees all.
	nq, err := c.CreateNamedQuery(ctx, &athena.CreateNamedQueryInput{Name: aws.String("n"), Database: aws.String("d"), QueryString: aws.String("SELECT 1")})
	if err != nil {
		t.Fatal(err)
	}
	other := e.client(e.api, &access.Key{ID: "TKOTHER", Grants: []access.Grant{{Resource: "s3:*", Read: true, Write: true}}})
	if _, err := other.GetQueryExecution(ctx, &athena.GetQueryExecutionInput{QueryExecutionId: aws.String(id)}); err == nil || !strings.Contains(err.Error(), "was not found") {
		t.Errorf("another key's execution: %v", err)
	}
	if _, err := other.GetQueryResults(ctx, &athena.GetQueryResultsInput{QueryExecutionId: aws.String(id)}); err == nil {
		t.Error("another key read the results")
	}
	if _, err := other.StopQueryExecution(ctx, &athena.StopQueryExecutionInput{QueryExecutionId: aws.String(id)}); err == nil {
		t.Error("another key stopped the execution")
	}
	if l, err := other.ListQueryExecutions(ctx, &athena.ListQueryExecutionsInput{}); err != nil || len(l.QueryExecutionIds) != 0 {
		t.Errorf("another key lists %v, %v", l, err)
	}
	if _, err := other.GetNamedQuery(ctx, &athena.GetNamedQueryInput{NamedQueryId: nq.NamedQueryId}); err == nil {
		t.Error("another key read the named query")
	}
	if _, err := other.DeleteNamedQuery(ctx, &athena.DeleteNamedQueryInput{NamedQueryId: nq.NamedQueryId}); err == nil {
		t.Error("another key deleted the named query")
	}
	if l, err := other.ListNamedQueries(ctx, &athena.ListNamedQueriesInput{}); err != nil || len(l.NamedQueryIds) != 0 {
		t.Errorf("another key lists named queries %v, %v", l, err)
	}
	root := e.client(e.api, &access.Key{ID: "ROOT", Root: true})
	if l, err := root.ListQueryExecutions(ctx, &athena.ListQueryExecutionsInput{}); err != nil || len(l.QueryExecutionIds) != 1 {
		t.Errorf("root lists %v, %v", l, err)
	}
	if _, err := root.GetNamedQuery(ctx, &athena.GetNamedQueryInput{NamedQueryId: nq.NamedQueryId}); err != nil {
		t.Errorf("root reads the named query: %v", err)
	}
	if got, err := c.GetNamedQuery(ctx, &athena.GetNamedQueryInput{NamedQueryId: nq.NamedQueryId}); err != nil || aws.ToString(got.NamedQuery.QueryString) != "SELECT 1" {
		t.Errorf("owner reads the named query: %v %v", got, err)
	}
}
