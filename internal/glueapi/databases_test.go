package glueapi

import (
	"testing"
)

func TestUpdateDatabase(t *testing.T) {
	e := newEnv(t)
	e.mustDo("CreateDatabase", map[string]any{"DatabaseInput": map[string]any{"Name": "Sales", "Description": "old"}})
	e.mustDo("UpdateDatabase", map[string]any{"Name": "sales", "DatabaseInput": map[string]any{"Name": "SALES", "Description": "new", "LocationUri": "s3://lake/sales/"}})
	d := e.mustDo("GetDatabase", map[string]any{"Name": "sales"})["Database"].(map[string]any)
	if d["Description"] != "new" || d["LocationUri"] != "s3://lake/sales/" || d["CreateTime"] == nil {
		t.Fatalf("updated: %v", d)
	}
	e.wantErr("UpdateDatabase", map[string]any{"Name": "nope", "DatabaseInput": map[string]any{"Name": "nope"}}, codeNotFound, "Database nope not found.")
	e.wantErr("UpdateDatabase", map[string]any{"Name": "sales", "DatabaseInput": map[string]any{"Name": "other"}}, codeInvalid, "tarn cannot rename databases")
}
