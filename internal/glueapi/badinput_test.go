package glueapi

import (
	"net/http"
	"strings"
	"testing"

	"github.com/tarnlake/tarn/internal/access"
)

func TestBadInput(t *testing.T) {
	e := newEnv(t)
	e.seedTable("db", "t", "k", "int")
	for _, tc := range []struct {
		op   string
		body any
		code string
		msg  string
	}{
		{"GetDatabase", `{"Name":`, codeInvalid, "The request body is not valid JSON"},
		{"GetDatabase", `[1]`, codeInvalid, "must be a JSON object, not a JSON array"},
		{"GetDatabase", `{"Name":7}`, codeInvalid, "Member Name cannot be a JSON number"},
		{"GetDatabase", `{}`, codeInvalid, "Name is required."},
		{"GetDatabase", ``, codeInvalid, "Name is required."},
		{"GetDatabase", map[string]any{"Name": ""}, codeInvalid, "Name must not be empty."},
		{"GetDatabase", map[string]any{"Name": strings.Repeat("n", 256)}, codeInvalid, "256 characters long; at most 255"},
		{"GetDatabase", map[string]any{"Name": "a\nb"}, codeInvalid, "holds a control character"},
		{"CreateDatabase", `{}`, codeInvalid, "DatabaseInput is required."},
		{"CreateTable", map[string]any{"DatabaseName": "db"}, codeInvalid, "TableInput is required."},
		{"CreateTable", map[string]any{"DatabaseName": "db", "TableInput": map[string]any{"Name": "v", "ViewOriginalText": "select 1"}}, codeInvalid, "tarn keeps no view definitions"},
		{"CreateTable", map[string]any{"DatabaseName": "db", "TableInput": map[string]any{"Name": "u",
			"StorageDescriptor": map[string]any{"Columns": []any{map[string]any{"Name": ""}}}}}, codeInvalid, "Table db.u: column name 0 is empty."},
		{"CreateTable", map[string]any{"DatabaseName": "nodb", "TableInput": map[string]any{"Name": "u"}}, codeNotFound, "Database nodb not found."},
		{"GetTables", map[string]any{"DatabaseName": "db", "MaxResults": 0}, codeInvalid, "MaxResults is 0; it must be between 1 and 1000."},
		{"GetTables", map[string]any{"DatabaseName": "db", "NextToken": "!!"}, codeInvalid, `NextToken "!!" is not a token`},
		{"GetTables", map[string]any{"DatabaseName": "db", "NextToken": makeToken("partitions", "x")}, codeInvalid, "is not a token this operation returned"},
		{"GetTables", map[string]any{"DatabaseName": "nodb"}, codeNotFound, "Database nodb not found."},
		{"UpdateTable", map[string]any{"DatabaseName": "db", "TableInput": map[string]any{"Name": "t"}, "VersionId": "x"}, codeInvalid, `VersionId "x" is not a table version`},
		{"UpdateTable", map[string]any{"DatabaseName": "db", "TableInput": map[string]any{"Name": "zz"}}, codeNotFound, "Table db.zz not found."},
		{"BatchDeleteTable", map[string]any{"DatabaseName": "db", "TablesToDelete": []string{}}, codeInvalid, "TablesToDelete holds 0 names"},
		{"GetPartition", map[string]any{"DatabaseName": "db", "TableName": "t"}, codeInvalid, "PartitionValues is required."},
		{"GetPartitions", map[string]any{"DatabaseName": "db", "TableName": "t", "Expression": "k = 1 AND"}, codeInvalid, `Expression "k = 1 AND" is not valid at position 10`},
		{"GetPartitions", map[string]any{"DatabaseName": "db", "TableName": "t", "Segment": map[string]any{"SegmentNumber": 2, "TotalSegments": 2}}, codeInvalid, "Segment 2 of 2"},
		{"BatchCreatePartition", map[string]any{"DatabaseName": "db", "TableName": "t", "PartitionInputList": make([]any, 101)}, codeInvalid, "holds 101 partitions"},
		{"CreatePartition", map[string]any{"DatabaseName": "db", "TableName": "t", "PartitionInput": map[string]any{"Values": []string{"1", "2"}}}, codeInvalid, "2 given, table db.t has 1 partition keys"},
		{"CreateCrawler", map[string]any{"Name": "c", "Targets": map[string]any{}}, codeInvalid, "Role is required."},
		{"CreateCrawler", map[string]any{"Name": "c", "Role": "r"}, codeInvalid, "Targets is required."},
		{"CreateCrawler", map[string]any{"Name": "c", "Role": "r", "Targets": map[string]any{"S3Targets": []any{map[string]any{}}}}, codeInvalid, "Targets.S3Targets[0].Path is required."},
		{"CreateCrawler", map[string]any{"Name": "c", "Role": "r", "Targets": map[string]any{"DynamoDBTargets": []any{map[string]any{"Path": "t"}}}}, codeInvalid, "tarn crawls S3 targets and JDBC targets of its warehouse only"},
		{"CreateCrawler", map[string]any{"Name": "c", "Role": "r", "Targets": map[string]any{}, "Schedule": "daily"}, codeInvalid, `Schedule "daily" is not a cron expression`},
		{"CreateCrawler", map[string]any{"Name": "c", "Role": "r", "Targets": map[string]any{}, "SchemaChangePolicy": map[string]any{"UpdateBehavior": "X"}}, codeInvalid, `SchemaChangePolicy.UpdateBehavior "X" is not one of LOG, UPDATE_IN_DATABASE`},
		{"CreateCrawler", map[string]any{"Name": "c", "Role": "r", "Targets": map[string]any{}}, codeInvalid, "Crawler c: crawler c has no targets."},
		{"CreateCrawler", map[string]any{"Name": "c", "Role": "r", "Targets": map[string]any{}, "Configuration": "{"}, codeInvalid, "Configuration is not valid JSON."},
		{"UpdateCrawler", map[string]any{"Name": "nope"}, codeNotFound, "Crawler nope not found."},
		{"ListCrawls", map[string]any{"CrawlerName": "c", "Filters": []any{map[string]any{"FieldName": "STATE"}}}, codeInvalid, "tarn does not filter crawls"},
		{"GetCrawlerMetrics", map[string]any{"CrawlerNameList": make([]string, 101)}, codeInvalid, "holds 101 names"},
		{"CreateClassifier", `{}`, codeInvalid, "exactly one of GrokClassifier, CsvClassifier and JsonClassifier; the request has 0"},
		{"CreateClassifier", map[string]any{"GrokClassifier": map[string]any{"Name": "g"}, "JsonClassifier": map[string]any{"Name": "j"}}, codeInvalid, "the request has 2 (GrokClassifier, JsonClassifier)"},
		{"CreateClassifier", map[string]any{"GrokClassifier": map[string]any{"Name": "g"}}, codeInvalid, "GrokClassifier needs Classification and GrokPattern."},
		{"CreateClassifier", map[string]any{"CsvClassifier": map[string]any{"Name": "c", "Delimiter": ";;"}}, codeInvalid, "CsvClassifier.Delimiter is 2 characters long"},
		{"CreateClassifier", map[string]any{"CsvClassifier": map[string]any{"Name": "c", "Delimiter": "'", "QuoteSymbol": "'"}}, codeInvalid, "they must differ"},
		{"CreateClassifier", map[string]any{"JsonClassifier": map[string]any{"Name": "j", "JsonPath": "records"}}, codeInvalid, "must start with $"},
		{"Unheard", `{}`, "UnknownOperationException", `tarn does not serve Glue operation "Unheard"`},
	} {
		e.wantErr(tc.op, tc.body, tc.code, tc.msg)
	}
	status, _ := e.do("GetDatabase", strings.Repeat(" ", maxBody+1))
	if status != http.StatusBadRequest {
		t.Fatalf("oversized body: %d", status)
	}
}

func TestAuthorization(t *testing.T) {
	e := newEnv(t)
	e.seedTable("sales", "orders")
	e.seedTable("hr", "people")
	e.key = &access.Key{ID: "TKREADER", Grants: []access.Grant{{Resource: "glue:sales", Read: true}}}
	e.mustDo("GetTable", map[string]any{"DatabaseName": "Sales", "Name": "orders"})
	e.wantErr("GetTable", map[string]any{"DatabaseName": "hr", "Name": "people"}, "AccessDeniedException",
		"User: TKREADER is not authorized to perform: glue:GetTable on resource: arn:aws:glue:us-east-1:000000000000:database/hr")
	e.wantErr("DeleteTable", map[string]any{"DatabaseName": "sales", "Name": "orders"}, "AccessDeniedException", "glue:DeleteTable")
	e.wantErr("GetCrawlers", `{}`, "AccessDeniedException", "resource: arn:aws:glue:us-east-1:000000000000:catalog")
	out := e.mustDo("GetDatabases", `{}`)
	if list := out["DatabaseList"].([]any); len(list) != 1 || list[0].(map[string]any)["Name"] != "sales" {
		t.Fatalf("databases seen: %v", out)
	}
	e.key = &access.Key{ID: "TKALL", Grants: []access.Grant{{Resource: "glue:*", Read: true, Write: true}}}
	e.mustDo("GetCrawlers", `{}`)
	e.mustDo("DeleteTable", map[string]any{"DatabaseName": "hr", "Name": "people"})
}
