package athenaapi

import (
	"net/http"
	"strings"
	"testing"
)

func TestBadInput(t *testing.T) {
	e := newEnv(t, Options{})
	unknown := "00000000-0000-4000-8000-000000000000"
	q := func(extra map[string]any) map[string]any {
		m := map[string]any{"QueryString": "SELECT 1"}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	out := func(loc string) map[string]any {
		return q(map[string]any{"ResultConfiguration": map[string]any{"OutputLocation": loc}})
	}
	for _, tc := range []struct {
		op   string
		body any
		code string
		msg  string
	}{
		{"StartQueryExecution", `{"QueryString":`, codeInvalid, "The request body is not valid JSON"},
		{"StartQueryExecution", `[1]`, codeInvalid, "must be a JSON object, not a JSON array"},
		{"StartQueryExecution", `{"QueryString":7}`, codeInvalid, "Member QueryString cannot be a JSON number"},
		{"StartQueryExecution", `{}`, codeInvalid, "QueryString is required."},
		{"StartQueryExecution", map[string]any{"QueryString": ""}, codeInvalid, "QueryString must be at least 1 characters long."},
		{"StartQueryExecution", map[string]any{"QueryString": strings.Repeat("x", maxQuery+1)}, codeInvalid, "at most 262144"},
		{"StartQueryExecution", out("http://x"), codeInvalid, `OutputLocation "http://x" is not a valid S3 location`},
		{"StartQueryExecution", out("s3://"), codeInvalid, `OutputLocation "s3://" is not a valid S3 location`},
		{"StartQueryExecution", out("s3://Bad_Bucket/"), codeInvalid, "is not a valid S3 location"},
		{"StartQueryExecution", q(map[string]any{"WorkGroup": "nope"}), codeNotFound, "WorkGroup nope is not found."},
		{"StartQueryExecution", q(map[string]any{"WorkGroup": "a/b"}), codeInvalid, `WorkGroup "a/b" is not a valid name`},
		{"StartQueryExecution", q(map[string]any{"QueryExecutionContext": map[string]any{"Catalog": "other"}}), codeInvalid, `Catalog "other" is not known`},
		{"StartQueryExecution", q(map[string]any{"ExecutionParameters": []string{"1"}}), codeInvalid, "has 0 parameters (?) but ExecutionParameters holds 1"},
		{"StartQueryExecution", map[string]any{"QueryString": "SELECT ?", "ExecutionParameters": []string{"x"}}, codeInvalid, `ExecutionParameters[0] "x" is not a SQL literal`},
		{"StartQueryExecution", q(map[string]any{"ClientRequestToken": ""}), codeInvalid, "ClientRequestToken must be at least 1"},
		{"GetQueryExecution", `{}`, codeInvalid, "QueryExecutionId is required."},
		{"GetQueryExecution", map[string]any{"QueryExecutionId": unknown}, codeInvalid, "QueryExecution " + unknown + " was not found"},
		{"GetQueryExecution", map[string]any{"QueryExecutionId": "../x"}, codeInvalid, "QueryExecution ../x was not found"},
		{"GetQueryResults", map[string]any{"QueryExecutionId": unknown}, codeInvalid, "was not found"},
		{"GetQueryResults", map[string]any{"QueryExecutionId": unknown, "MaxResults": 1001}, codeInvalid, "MaxResults is 1001; it must be between 1 and 1000."},
		{"StopQueryExecution", map[string]any{"QueryExecutionId": unknown}, codeInvalid, "was not found"},
		{"ListQueryExecutions", map[string]any{"MaxResults": 51}, codeInvalid, "between 1 and 50"},
		{"ListQueryExecutions", map[string]any{"NextToken": "!!"}, codeInvalid, `NextToken "!!" is not a token`},
		{"ListQueryExecutions", map[string]any{"NextToken": makeToken("workgroups", "x")}, codeInvalid, "is not a token this operation returned"},
		{"ListQueryExecutions", map[string]any{"WorkGroup": "nope"}, codeNotFound, "WorkGroup nope is not found."},
		{"BatchGetQueryExecution", `{}`, codeInvalid, "QueryExecutionIds holds 0 ids"},
		{"BatchGetQueryExecution", map[string]any{"QueryExecutionIds": make([]string, 51)}, codeInvalid, "holds 51 ids"},
		{"CreateWorkGroup", `{}`, codeInvalid, "Name is required."},
		{"CreateWorkGroup", map[string]any{"Name": "primary"}, codeInvalid, "WorkGroup primary already exists."},
		{"CreateWorkGroup", map[string]any{"Name": "w", "Configuration": map[string]any{"ResultConfiguration": map[string]any{"OutputLocation": "s3://"}}}, codeInvalid, "is not a valid S3 location"},
		{"GetWorkGroup", map[string]any{"WorkGroup": "nope"}, codeNotFound, "WorkGroup nope is not found."},
		{"UpdateWorkGroup", map[string]any{"WorkGroup": "primary", "State": "ON"}, codeInvalid, `State "ON" is not ENABLED or DISABLED.`},
		{"UpdateWorkGroup", map[string]any{"WorkGroup": "nope"}, codeNotFound, "WorkGroup nope is not found."},
		{"DeleteWorkGroup", map[string]any{"WorkGroup": "primary"}, codeInvalid, "The primary workgroup cannot be deleted."},
		{"DeleteWorkGroup", map[string]any{"WorkGroup": "nope"}, codeNotFound, "WorkGroup nope is not found."},
		{"CreateNamedQuery", map[string]any{"Name": "n", "QueryString": "SELECT 1"}, codeInvalid, "Database is required."},
		{"GetNamedQuery", map[string]any{"NamedQueryId": unknown}, codeInvalid, "NamedQuery " + unknown + " was not found"},
		{"UpdateNamedQuery", map[string]any{"NamedQueryId": unknown, "Name": "n", "QueryString": "q"}, codeInvalid, "was not found"},
		{"DeleteNamedQuery", map[string]any{"NamedQueryId": "x"}, codeInvalid, "NamedQuery x was not found"},
		{"BatchGetNamedQuery", map[string]any{"NamedQueryIds": []string{}}, codeInvalid, "NamedQueryIds holds 0 ids"},
		{"Unheard", `{}`, "UnknownOperationException", `tarn does not serve Athena operation "Unheard"`},
	} {
		e.wantErr(tc.op, tc.body, tc.code, tc.msg)
	}
	// Athena's extra error members reach the body.
	if got := e.wantErr("GetQueryExecution", `{}`, codeInvalid, ""); got["AthenaErrorCode"] != "INVALID_INPUT" {
		t.Fatalf("AthenaErrorCode missing: %v", got)
	}
	if status, _ := e.do("GetQueryExecution", strings.Repeat(" ", maxBody+1)); status != http.StatusBadRequest {
		t.Fatalf("oversized body: %d", status)
	}
	// The default location must be valid, and without one the request
	// or the workgroup must give one.
	e.api = e.open(Options{DefaultOutput: "s3://"})
	e.wantErr("StartQueryExecution", q(nil), codeInvalid, "server's default output location")
	e.api = New(e.engine, e.store, e.lake, testLog, Options{})
	t.Cleanup(func() { e.api.Close() })
	e.wantErr("StartQueryExecution", q(nil), codeInvalid, "No output location provided.")
}
