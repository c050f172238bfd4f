package athenaapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/athena/types"
)

const typesCSV = `"b","i","d","s","day","ts","dec","bin","list","st","m","u","h"
"true","-7","1.5","say ""hi"", then
bye","2024-01-31","2024-01-31 13:04:05.123","-12.05","68 69","[1, null, 3]","{a=1, b c=x}","{k=2}","12345678-9abc-def0-0102-030405060708","1180591620717411303424"
,,,,,,,,,,,,
`

func TestSDKQueryResults(t *testing.T) {
	e := newEnv(t, Options{})
	c, ctx := e.client(e.api, nil), ctxT(t)
	id := start(t, c, &athena.StartQueryExecutionInput{
		QueryString:           aws.String("SELECT types"),
		QueryExecutionContext: &types.QueryExecutionContext{Database: aws.String("Sales")},
		ResultConfiguration:   &types.ResultConfiguration{OutputLocation: aws.String("s3://results/q")},
	})
	if !isUUID(id) {
		t.Fatalf("id %q", id)
	}
	qe := waitState(t, c, id, finishedStates()...)
	st := qe.Status
	if st.State != types.QueryExecutionStateSucceeded || aws.ToString(qe.ResultConfiguration.OutputLocation) != "s3://results/q/"+id+".csv" ||
		qe.StatementType != types.StatementTypeDml || aws.ToString(qe.QueryExecutionContext.Database) != "Sales" ||
		aws.ToString(qe.QueryExecutionContext.Catalog) != "AwsDataCatalog" || aws.ToString(qe.WorkGroup) != "primary" ||
		aws.ToString(qe.EngineVersion.EffectiveEngineVersion) != "tarn (DuckDB)" || st.SubmissionDateTime == nil || st.CompletionDateTime == nil ||
		aws.ToInt64(qe.Statistics.DataScannedInBytes) != int64(len(typesCSV)) {
		t.Fatalf("execution %+v status %+v stats %+v", qe, st, qe.Statistics)
	}
	calls := e.engine.recorded()
	if len(calls) != 2 || calls[0].sql != `USE "sales"` || calls[1].sql != "SELECT types" || calls[1].user != "root" {
		t.Fatalf("engine calls %+v", calls)
	}
	if got := e.readObject("results", "q/"+id+".csv"); got != typesCSV {
		t.Fatalf("csv:\n%s\nwant:\n%s", got, typesCSV)
	}
	var meta struct {
		ColumnInfo []types.ColumnInfo
		RowCount   int
	}
	if err := json.Unmarshal([]byte(e.readObject("results", "q/"+id+".csv.metadata")), &meta); err != nil || meta.RowCount != 2 || len(meta.ColumnInfo) != len(typesCols) {
		t.Fatalf("metadata %+v %v", meta, err)
	}

	out, err := c.GetQueryResults(ctx, &athena.GetQueryResultsInput{QueryExecutionId: &id})
	if err != nil {
		t.Fatal(err)
	}
	rs := out.ResultSet
	if len(rs.Rows) != 3 || out.NextToken != nil {
		t.Fatalf("%d rows, token %v", len(rs.Rows), out.NextToken)
	}
	var header, first []string
	for i := range typesCols {
		header = append(header, aws.ToString(rs.Rows[0].Data[i].VarCharValue))
		first = append(first, aws.ToString(rs.Rows[1].Data[i].VarCharValue))
		if rs.Rows[2].Data[i].VarCharValue != nil {
			t.Fatalf("NULL column %d: %q", i, *rs.Rows[2].Data[i].VarCharValue)
		}
	}
	if strings.Join(header, ",") != "b,i,d,s,day,ts,dec,bin,list,st,m,u,h" || first[3] != "say \"hi\", then\nbye" || first[6] != "-12.05" {
		t.Fatalf("header %q first %q", header, first)
	}
	var typs []string
	for _, ci := range rs.ResultSetMetadata.ColumnInfo {
		typs = append(typs, fmt.Sprintf("%s(%d,%d)", aws.ToString(ci.Type), ci.Precision, ci.Scale))
		if aws.ToString(ci.CatalogName) != "hive" || ci.Nullable != types.ColumnNullableUnknown || aws.ToString(ci.Label) != aws.ToString(ci.Name) {
			t.Fatalf("column info %+v", ci)
		}
	}
	want := "boolean(0,0) bigint(19,0) double(17,0) varchar(2147483647,0) date(0,0) timestamp(3,0) decimal(10,2) " +
		"varbinary(1073741824,0) array(0,0) row(0,0) map(0,0) uuid(0,0) decimal(38,0)"
	if strings.Join(typs, " ") != want {
		t.Fatalf("types %s", strings.Join(typs, " "))
	}
}

func TestSDKResultPaging(t *testing.T) {
	e := newEnv(t, Options{})
	c, ctx := e.client(e.api, nil), ctxT(t)
	id := start(t, c, &athena.StartQueryExecutionInput{QueryString: aws.String("SELECT big")})
	if qe := waitState(t, c, id, finishedStates()...); aws.ToString(qe.ResultConfiguration.OutputLocation) != "s3://tarn-athena-results/"+id+".csv" {
		t.Fatalf("default output: %s", aws.ToString(qe.ResultConfiguration.OutputLocation))
	}
	var got []string
	var sizes []int
	p := athena.NewGetQueryResultsPaginator(c, &athena.GetQueryResultsInput{QueryExecutionId: &id, MaxResults: aws.Int32(1000)})
	var token *string
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if token == nil {
			token = out.NextToken
		}
		sizes = append(sizes, len(out.ResultSet.Rows))
		for _, r := range out.ResultSet.Rows {
			got = append(got, aws.ToString(r.Data[0].VarCharValue)+"|"+aws.ToString(r.Data[1].VarCharValue))
		}
	}
	if !slices.Equal(sizes, []int{1000, 1000, 501}) || len(got) != bigRows+1 || got[0] != "n|label" || got[1] != "0|row 0" || got[bigRows] != "2499|row 2499" {
		t.Fatalf("pages %v, %d rows, first %q last %q", sizes, len(got), got[:2], got[len(got)-1])
	}
	for i, r := range got[1:] {
		if r != fmt.Sprintf("%d|row %d", i, i) {
			t.Fatalf("row %d is %q", i, r)
		}
	}
	// A token belongs to its query execution.
	other := start(t, c, &athena.StartQueryExecutionInput{QueryString: aws.String("SELECT 1")})
	waitState(t, c, other, types.QueryExecutionStateSucceeded)
	_, err := c.GetQueryResults(ctx, &athena.GetQueryResultsInput{QueryExecutionId: &other, NextToken: token})
	var ire *types.InvalidRequestException
	if !errors.As(err, &ire) || !strings.Contains(aws.ToString(ire.Message), "is not a token GetQueryResults returned") {
		t.Fatalf("foreign token: %v", err)
	}
}

func TestSDKFailedQuery(t *testing.T) {
	e := newEnv(t, Options{})
	c, ctx := e.client(e.api, nil), ctxT(t)
	id := start(t, c, &athena.StartQueryExecutionInput{QueryString: aws.String("SELEC 1")})
	qe := waitState(t, c, id, finishedStates()...)
	st := qe.Status
	if st.State != types.QueryExecutionStateFailed || !strings.Contains(aws.ToString(st.StateChangeReason), "SQLSTATE 42601") ||
		st.AthenaError == nil || aws.ToInt32(st.AthenaError.ErrorCategory) != 2 || aws.ToString(st.AthenaError.ErrorMessage) != aws.ToString(st.StateChangeReason) {
		t.Fatalf("status %+v", st)
	}
	_, err := c.GetQueryResults(ctx, &athena.GetQueryResultsInput{QueryExecutionId: &id})
	var ire *types.InvalidRequestException
	if !errors.As(err, &ire) || aws.ToString(ire.AthenaErrorCode) != "INVALID_QUERY_EXECUTION_STATE" ||
		aws.ToString(ire.Message) != "Query did not finish successfully. Final query state: FAILED" {
		t.Fatalf("results of a failed query: %v", err)
	}
}

func TestSDKStopQuery(t *testing.T) {
	e := newEnv(t, Options{})
	c, ctx := e.client(e.api, nil), ctxT(t)
	id := start(t, c, &athena.StartQueryExecutionInput{QueryString: aws.String("SELECT sleep")})
	waitState(t, c, id, types.QueryExecutionStateRunning)
	_, err := c.GetQueryResults(ctx, &athena.GetQueryResultsInput{QueryExecutionId: &id})
	var ire *types.InvalidRequestException
	if !errors.As(err, &ire) || aws.ToString(ire.Message) != "Query has not yet finished. Current state: RUNNING" {
		t.Fatalf("results while running: %v", err)
	}
	for range 2 { // stopping a stopped query is no error
		if _, err := c.StopQueryExecution(ctx, &athena.StopQueryExecutionInput{QueryExecutionId: &id}); err != nil {
			t.Fatal(err)
		}
	}
	if qe := waitState(t, c, id, finishedStates()...); qe.Status.State != types.QueryExecutionStateCancelled {
		t.Fatalf("stopped query: %+v", qe.Status)
	}
}

func TestSDKIdempotentStart(t *testing.T) {
	e := newEnv(t, Options{})
	c, ctx := e.client(e.api, nil), ctxT(t)
	in := &athena.StartQueryExecutionInput{QueryString: aws.String("SELECT 1"), ClientRequestToken: aws.String("token-0123456789-0123456789-0123456789")}
	id1, id2 := start(t, c, in), start(t, c, in)
	if id1 != id2 {
		t.Fatalf("same token, ids %s and %s", id1, id2)
	}
	waitState(t, c, id1, types.QueryExecutionStateSucceeded)
	if n := len(e.engine.recorded()); n != 1 {
		t.Fatalf("ran %d times", n)
	}
	in.QueryString = aws.String("SELECT big")
	_, err := c.StartQueryExecution(ctx, in)
	var ire *types.InvalidRequestException
	if !errors.As(err, &ire) || aws.ToString(ire.AthenaErrorCode) != "IDEMPOTENT_PARAMETER_MISMATCH" {
		t.Fatalf("same token, other query: %v", err)
	}
	// The SDK fills in a fresh token itself when none is given.
	if a, b := start(t, c, &athena.StartQueryExecutionInput{QueryString: aws.String("SELECT 1")}),
		start(t, c, &athena.StartQueryExecutionInput{QueryString: aws.String("SELECT 1")}); a == b {
		t.Fatal("two queries without a token share an id")
	}
}

func TestSDKListAndBatch(t *testing.T) {
	e := newEnv(t, Options{})
	c, ctx := e.client(e.api, nil), ctxT(t)
	var ids []string
	for range 3 {
		id := start(t, c, &athena.StartQueryExecutionInput{QueryString: aws.String("SELECT 1")})
		waitState(t, c, id, finishedStates()...)
		ids = append(ids, id)
	}
	var listed []string
	p := athena.NewListQueryExecutionsPaginator(c, &athena.ListQueryExecutionsInput{MaxResults: aws.Int32(2)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		listed = append(listed, out.QueryExecutionIds...)
	}
	if !slices.Equal(listed, []string{ids[2], ids[1], ids[0]}) {
		t.Fatalf("listed %v, started %v", listed, ids)
	}
	unknown := "00000000-0000-4000-8000-000000000000"
	out, err := c.BatchGetQueryExecution(ctx, &athena.BatchGetQueryExecutionInput{QueryExecutionIds: []string{ids[0], unknown, ids[1]}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.QueryExecutions) != 2 || aws.ToString(out.QueryExecutions[0].QueryExecutionId) != ids[0] ||
		len(out.UnprocessedQueryExecutionIds) != 1 || aws.ToString(out.UnprocessedQueryExecutionIds[0].QueryExecutionId) != unknown {
		t.Fatalf("batch %+v", out)
	}
	_, err = c.GetQueryExecution(ctx, &athena.GetQueryExecutionInput{QueryExecutionId: &unknown})
	var ire *types.InvalidRequestException
	if !errors.As(err, &ire) || aws.ToString(ire.Message) != "QueryExecution "+unknown+" was not found" {
		t.Fatalf("unknown id: %v", err)
	}
}
