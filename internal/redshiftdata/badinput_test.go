package redshiftdata

import (
	"strings"
	"testing"

	"github.com/tarnlake/tarn/internal/awsapi/awsapitest"
)

// Requests the Data API refuses, each with a message saying what is wrong.
func TestBadInput(t *testing.T) {
	e := newEnv(t, Options{})
	long := strings.Repeat("x", maxSQL+1)
	many := make([]string, maxBatch+1)
	for i := range many {
		many[i] = "SELECT 1"
	}
	id := "0a1b2c3d-0000-4000-8000-000000000000"
	for _, tc := range []struct {
		op   string
		body any
		code string
		msg  string
	}{
		{"ExecuteStatement", `{}`, codeValidation, "Sql is required."},
		{"ExecuteStatement", `[1]`, codeValidation, "must be a JSON object"},
		{"ExecuteStatement", `{"Sql": 1}`, codeValidation, "member Sql cannot be a JSON number"},
		{"ExecuteStatement", `{"Sql": "SELECT 1"`, codeValidation, "not valid JSON"},
		{"ExecuteStatement", map[string]any{"Sql": ""}, codeValidation, "Sql must not be empty."},
		{"ExecuteStatement", map[string]any{"Sql": "-- nothing"}, codeValidation, "holds no SQL statement"},
		{"ExecuteStatement", map[string]any{"Sql": "SELECT 1; SELECT 2"}, codeValidation, "holds 2 SQL statements"},
		{"ExecuteStatement", map[string]any{"Sql": long}, codeValidation, "at most 102400"},
		{"ExecuteStatement", map[string]any{"Sql": "SELECT \x00"}, codeValidation, "not valid UTF-8"},
		{"ExecuteStatement", map[string]any{"Sql": "SELECT 1", "Sqls": []string{"SELECT 1"}}, codeValidation, "takes Sql, not Sqls"},
		{"ExecuteStatement", map[string]any{"Sql": "SELECT 1", "Database": "prod"}, codeValidation, `Database "prod" does not exist: tarn serves one database, "tarn".`},
		{"ExecuteStatement", map[string]any{"Sql": "SELECT 1", "ClusterIdentifier": "Bad_Cluster"}, codeValidation, "ClusterIdentifier"},
		{"ExecuteStatement", map[string]any{"Sql": "SELECT 1", "WorkgroupName": "wg"}, codeValidation, "at least 3"},
		{"ExecuteStatement", map[string]any{"Sql": "SELECT 1", "ClusterIdentifier": "c", "WorkgroupName": "wg1"}, codeValidation, "not both"},
		{"ExecuteStatement", map[string]any{"Sql": "SELECT 1", "SessionId": id}, codeValidation, "SessionId is not supported"},
		{"ExecuteStatement", map[string]any{"Sql": "SELECT 1", "SessionKeepAliveSeconds": 60}, codeValidation, "SessionKeepAliveSeconds is not supported"},
		{"ExecuteStatement", map[string]any{"Sql": "SELECT 1", "SessionKeepAliveSeconds": 86401}, codeValidation, "between 0 and 86400"},
		{"ExecuteStatement", map[string]any{"Sql": "SELECT 1", "ResultFormat": "CSV"}, codeValidation, "CSV is not supported"},
		{"ExecuteStatement", map[string]any{"Sql": "SELECT 1", "ResultFormat": "XML"}, codeValidation, "not valid"},
		{"ExecuteStatement", map[string]any{"Sql": "SELECT 1", "WithEvent": true}, codeValidation, "WithEvent is not supported"},
		{"ExecuteStatement", map[string]any{"Sql": "SELECT 1", "ClientToken": ""}, codeValidation, "ClientToken must not be empty."},
		{"ExecuteStatement", map[string]any{"Sql": "SELECT 1", "ClientToken": strings.Repeat("t", 65)}, codeValidation, "at most 64"},
		{"ExecuteStatement", map[string]any{"Sql": "SELECT 1", "StatementName": strings.Repeat("n", 501)}, codeValidation, "at most 500"},
		{"ExecuteStatement", map[string]any{"Sql": "SELECT 1", "DbUser": ""}, codeValidation, "DbUser must not be empty."},
		{"ExecuteStatement", map[string]any{"Sql": "SELECT 1", "Parameters": []any{}}, codeValidation, "at least one parameter"},
		{"ExecuteStatement", map[string]any{"Sql": "SELECT 1", "Parameters": []any{map[string]any{"name": "a-b", "value": "1"}}}, codeValidation, `name "a-b" is not valid`},
		{"ExecuteStatement", map[string]any{"Sql": "SELECT 1", "Parameters": []any{map[string]any{"name": "a"}}}, codeValidation, "value must not be empty"},
		{"ExecuteStatement", map[string]any{"Sql": "SELECT 1", "Parameters": []any{map[string]any{"name": "a", "value": "1"}, map[string]any{"name": "a", "value": "2"}}}, codeValidation, "more than once"},
		{"BatchExecuteStatement", map[string]any{}, codeValidation, "Sqls is required."},
		{"BatchExecuteStatement", map[string]any{"Sqls": []string{}}, codeValidation, "it must hold 1 to 40"},
		{"BatchExecuteStatement", map[string]any{"Sqls": many}, codeValidation, "holds 41 statements"},
		{"BatchExecuteStatement", map[string]any{"Sqls": []string{"SELECT 1", ""}}, codeValidation, "Sqls[1] must not be empty."},
		{"BatchExecuteStatement", map[string]any{"Sql": "SELECT 1"}, codeValidation, "takes Sqls, not Sql"},
		{"DescribeStatement", map[string]any{}, codeValidation, "Id is required."},
		{"DescribeStatement", map[string]any{"Id": "nope"}, codeValidation, "not a statement id"},
		{"DescribeStatement", map[string]any{"Id": strings.ToUpper(id)}, codeValidation, "not a statement id"},
		{"DescribeStatement", map[string]any{"Id": id}, codeNotFound, "Query does not exist."},
		{"DescribeStatement", map[string]any{"Id": id + ":41"}, codeNotFound, "Query does not exist."},
		{"GetStatementResult", map[string]any{"Id": id}, codeNotFound, "Query does not exist."},
		{"GetStatementResult", map[string]any{"Id": 5}, codeValidation, "member Id cannot be a JSON number"},
		{"CancelStatement", map[string]any{"Id": id}, codeNotFound, "Query does not exist."},
		{"CancelStatement", map[string]any{"Id": ""}, codeValidation, "Id must not be empty."},
		{"ListStatements", map[string]any{"MaxResults": 101}, codeValidation, "between 0 and 100"},
		{"ListStatements", map[string]any{"MaxResults": -1}, codeValidation, "between 0 and 100"},
		{"ListStatements", map[string]any{"Status": "RUNNING"}, codeValidation, `Status "RUNNING" is not valid`},
		{"ListStatements", map[string]any{"NextToken": "abc"}, codeValidation, "NextToken"},
		{"ListStatements", map[string]any{"ClusterIdentifier": "c", "WorkgroupName": "wg1"}, codeValidation, "not both"},
		{"ListDatabases", map[string]any{}, codeValidation, "Database is required."},
		{"ListDatabases", map[string]any{"Database": "prod"}, codeValidation, `Database "prod" does not exist`},
		{"ListDatabases", map[string]any{"Database": "tarn", "MaxResults": 1001}, codeValidation, "between 0 and 1000"},
		{"ListSchemas", map[string]any{"Database": "tarn", "ConnectedDatabase": "prod"}, codeValidation, `Database "prod" does not exist`},
		{"ListSchemas", map[string]any{"Database": "tarn", "NextToken": "x"}, codeValidation, "NextToken"},
		{"ListTables", map[string]any{"Database": "tarn", "SchemaPattern": "\x00"}, codeValidation, "not valid UTF-8"},
		{"DescribeTable", map[string]any{"Database": "tarn", "Table": ""}, codeValidation, "Table must not be empty."},
	} {
		got := awsapitest.WantErr(t, e.api, "RedshiftData."+tc.op, e.key, tc.body, tc.code, tc.msg)
		if tc.code == codeNotFound && got["ResourceId"] == nil {
			t.Errorf("%s %v: no ResourceId: %v", tc.op, tc.body, got)
		}
	}
	// Without a verified caller nothing runs.
	for _, op := range []string{"ExecuteStatement", "DescribeStatement", "ListStatements", "ListSchemas"} {
		awsapitest.WantErr(t, e.api, "RedshiftData."+op, nil, map[string]any{"Sql": "SELECT 1", "Id": id, "Database": "tarn"}, codeDenied, "signed request")
	}
	awsapitest.WantErr(t, e.api, "RedshiftData.GetStatementResultV2", e.key, map[string]any{"Id": id}, "UnknownOperationException", "GetStatementResultV2")
	if n := len(e.engine.recorded()); n != 0 {
		t.Fatalf("bad requests ran %d statements: %v", n, e.engine.sqls())
	}
}

// Errors carry their type in the header as well as the body.
func TestErrorHeaders(t *testing.T) {
	e := newEnv(t, Options{})
	rec := awsapitest.Server(t, e.api, alice)
	req := strings.NewReader(`{"Id":"0a1b2c3d-0000-4000-8000-000000000000"}`)
	resp, err := rec.Client().Post(rec.URL, "application/x-amz-json-1.1", req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 || resp.Header.Get("X-Amzn-ErrorType") != "UnknownOperationException" {
		t.Fatalf("no target: %d %v", resp.StatusCode, resp.Header)
	}
	r, _ := newRequest(rec.URL, "RedshiftData.DescribeStatement", `{"Id":"0a1b2c3d-0000-4000-8000-000000000000"}`)
	resp, err = rec.Client().Do(r)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 || resp.Header.Get("X-Amzn-ErrorType") != codeNotFound || resp.Header.Get("x-amzn-RequestId") == "" {
		t.Fatalf("not found: %d %v", resp.StatusCode, resp.Header)
	}
}
