package redshiftdata

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestListDatabases(t *testing.T) {
	e := newEnv(t, Options{})
	if out := e.ok("ListDatabases", map[string]any{"Database": "tarn", "WorkgroupName": "wg1"}); js(out) != `{"Databases":["tarn"]}` {
		t.Fatalf("%v", out)
	}
	e2 := newEnv(t, Options{Database: "dev"})
	if out := e2.ok("ListDatabases", map[string]any{"Database": "dev"}); js(out) != `{"Databases":["dev"]}` {
		t.Fatalf("%v", out)
	}
}

func TestListSchemas(t *testing.T) {
	e := newEnv(t, Options{})
	schemas := func(req map[string]any) []string {
		t.Helper()
		req["Database"] = "tarn"
		var got []string
		for {
			out := e.ok("ListSchemas", req)
			for _, s := range out["Schemas"].([]any) {
				got = append(got, s.(string))
			}
			if out["NextToken"] == nil {
				return got
			}
			req["NextToken"] = out["NextToken"]
		}
	}
	for _, tc := range []struct {
		req  map[string]any
		want string
	}{
		{map[string]any{}, "information_schema main pg_catalog sales sales_2024 salesX2024"},
		{map[string]any{"SchemaPattern": "sales%"}, "sales sales_2024 salesX2024"},
		{map[string]any{"SchemaPattern": `sales\_%`}, "sales_2024"},
		{map[string]any{"SchemaPattern": "sales_2024"}, "sales_2024 salesX2024"},
		{map[string]any{"SchemaPattern": "%a%n"}, "main"},
		{map[string]any{"SchemaPattern": ""}, ""},
		{map[string]any{"MaxResults": 2}, "information_schema main pg_catalog sales sales_2024 salesX2024"},
	} {
		if got := strings.Join(schemas(tc.req), " "); got != tc.want {
			t.Errorf("%v: got %q, want %q", tc.req, got, tc.want)
		}
	}
	if out := e.ok("ListSchemas", map[string]any{"Database": "tarn", "MaxResults": 4}); len(out["Schemas"].([]any)) != 4 || out["NextToken"] == nil {
		t.Fatalf("%v", out)
	}
	for _, c := range e.engine.recorded() {
		if c.user != "AKALICE" {
			t.Fatalf("catalog read as %q", c.user)
		}
	}
}

func TestListTables(t *testing.T) {
	e := newEnv(t, Options{})
	out := e.ok("ListTables", map[string]any{"Database": "tarn"})
	want := `[{"name":"scratch","schema":"main","type":"LOCAL TEMPORARY"},{"name":"orders","schema":"sales","type":"TABLE"},` +
		`{"name":"order_view","schema":"sales","type":"VIEW"},{"name":"orders","schema":"sales_2024","type":"TABLE"}]`
	if js(out["Tables"]) != want || out["NextToken"] != nil {
		t.Fatalf("%v", out)
	}
	for _, tc := range []struct {
		req  map[string]any
		want string
	}{
		{map[string]any{"SchemaPattern": "sales"}, "sales.orders sales.order_view"},
		{map[string]any{"TablePattern": "orders"}, "sales.orders sales_2024.orders"},
		{map[string]any{"SchemaPattern": "sales%", "TablePattern": "order%"}, "sales.orders sales.order_view sales_2024.orders"},
		{map[string]any{"TablePattern": "nothing"}, ""},
	} {
		tc.req["Database"] = "tarn"
		var got []string
		for _, tm := range e.ok("ListTables", tc.req)["Tables"].([]any) {
			tm := tm.(map[string]any)
			got = append(got, tm["schema"].(string)+"."+tm["name"].(string))
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("%v: got %v, want %q", tc.req, got, tc.want)
		}
	}
	page := e.ok("ListTables", map[string]any{"Database": "tarn", "MaxResults": 3})
	rest := e.ok("ListTables", map[string]any{"Database": "tarn", "MaxResults": 3, "NextToken": page["NextToken"]})
	if len(page["Tables"].([]any)) != 3 || len(rest["Tables"].([]any)) != 1 || rest["NextToken"] != nil {
		t.Fatalf("pages: %v %v", page, rest)
	}
}

func TestDescribeTable(t *testing.T) {
	e := newEnv(t, Options{})
	out := e.ok("DescribeTable", map[string]any{"Database": "tarn", "Schema": "sales", "Table": "orders"})
	want := `[{"isCaseSensitive":false,"isCurrency":false,"isSigned":true,"label":"id","length":0,"name":"id","nullable":0,"precision":19,"scale":0,"schemaName":"sales","tableName":"orders","typeName":"int8"},` +
		`{"columnDefault":"0","isCaseSensitive":false,"isCurrency":false,"isSigned":true,"label":"amount","length":0,"name":"amount","nullable":1,"precision":12,"scale":2,"schemaName":"sales","tableName":"orders","typeName":"numeric"},` +
		`{"isCaseSensitive":true,"isCurrency":false,"isSigned":false,"label":"note","length":200,"name":"note","nullable":1,"precision":65535,"scale":0,"schemaName":"sales","tableName":"orders","typeName":"varchar"}]`
	if js(out["ColumnList"]) != want || out["TableName"] != "orders" {
		t.Fatalf("got  %s\nwant %s", js(out["ColumnList"]), want)
	}
	calls := e.engine.recorded()
	if last := calls[len(calls)-1]; !slices.Equal(last.args, []any{"sales", "orders"}) || !strings.Contains(last.sql, "table_schema = $1 AND table_name = $2") {
		t.Fatalf("asked %+v", last)
	}
	for _, tc := range []struct {
		req  map[string]any
		cols int
	}{
		{map[string]any{"Table": "orders"}, 4},
		{map[string]any{"Schema": "sales_2024"}, 1},
		{map[string]any{}, 4},
		{map[string]any{"Table": "missing"}, 0},
	} {
		tc.req["Database"] = "tarn"
		if got := e.ok("DescribeTable", tc.req)["ColumnList"].([]any); len(got) != tc.cols {
			t.Errorf("%v: %d columns, want %d", tc.req, len(got), tc.cols)
		}
	}
	page := e.ok("DescribeTable", map[string]any{"Database": "tarn", "Table": "orders", "MaxResults": 3})
	rest := e.ok("DescribeTable", map[string]any{"Database": "tarn", "Table": "orders", "MaxResults": 3, "NextToken": page["NextToken"]})
	if len(page["ColumnList"].([]any)) != 3 || len(rest["ColumnList"].([]any)) != 1 {
		t.Fatalf("pages: %v %v", page, rest)
	}
}

// The engine's refusals and failures answer as the Data API's errors.
func TestMetadataErrors(t *testing.T) {
	e := newEnv(t, Options{MetadataTimeout: 50 * time.Millisecond})
	e.key = &alice2 // the engine opens no session for this key
	status, out := e.do("ListSchemas", map[string]any{"Database": "tarn"})
	if status != 500 || out["__type"] != codeConnection {
		t.Fatalf("%d %v", status, out)
	}
	e.key = alice
	e.engine.slowMeta = true
	e.wantErr("ListTables", map[string]any{"Database": "tarn"}, codeTimeout, "longer than 50ms")
	e.engine.slowMeta = false
	if _, err := e.api.metaQuery(t.Context(), "AKALICE", "SELECT denied"); err == nil || !strings.Contains(err.Error(), "ValidationException: ERROR: permission denied") {
		t.Fatalf("denied: %v", err)
	}
	if _, err := e.api.metaQuery(t.Context(), "AKALICE", "SELECT unknown"); err == nil || !strings.Contains(err.Error(), codeValidation) {
		t.Fatalf("unknown: %v", err)
	}
}

func TestLike(t *testing.T) {
	for _, tc := range []struct {
		pattern, s string
		want       bool
	}{
		{"", "", true}, {"", "a", false}, {"%", "", true}, {"%", "anything", true},
		{"a%", "abc", true}, {"a%", "ba", false}, {"%c", "abc", true}, {"a_c", "abc", true}, {"a_c", "ac", false},
		{"a%%c", "ac", true}, {`a\%`, "a%", true}, {`a\%`, "ab", false}, {`a\_b`, "a_b", true}, {`a\_b`, "axb", false},
		{`a\`, `a\`, true}, {"_", "é", true}, {"%é%", "café", true}, {"A%", "abc", false}, {"%a%b%", "xxaxxbxx", true},
	} {
		if got := like(tc.pattern, tc.s); got != tc.want {
			t.Errorf("%q LIKE %q: %v", tc.s, tc.pattern, got)
		}
	}
}
