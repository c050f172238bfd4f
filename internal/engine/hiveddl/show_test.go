package hiveddl

import (
	"reflect"
	"strings"
	"testing"

	"github.com/tarnlake/tarn/internal/query"
)

func TestShowAndDescribe(t *testing.T) {
	f := newFixture(t)
	f.exec(logsDDL)
	f.exec("CREATE EXTERNAL TABLE sales (id bigint COMMENT 'order id', total decimal(12,2)) STORED AS PARQUET LOCATION 's3://lake/sales/'")
	f.exec("CREATE EXTERNAL TABLE sales_eu (id bigint) STORED AS PARQUET LOCATION 's3://lake/sales_eu/'")
	f.exec("CREATE DATABASE other")
	f.exec("CREATE EXTERNAL TABLE other.x (id bigint) STORED AS PARQUET LOCATION 's3://lake/x/'")

	tables := func(stmt string) [][]string {
		t.Helper()
		res := f.exec(stmt)
		if res.Tag != "SHOW" || !reflect.DeepEqual(res.Columns, []string{"tab_name"}) {
			t.Fatalf("%s: %+v", stmt, res)
		}
		return res.Rows
	}
	for stmt, want := range map[string][][]string{
		"SHOW TABLES":                      {{"logs"}, {"sales"}, {"sales_eu"}},
		"SHOW TABLES 'sales*'":             {{"sales"}, {"sales_eu"}},
		"SHOW TABLES LIKE 'LOGS|*_eu'":     {{"logs"}, {"sales_eu"}},
		"SHOW TABLES IN other":             {{"x"}},
		"show tables from `other` 'nope*'": {},
	} {
		if got := tables(stmt); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %v, want %v", stmt, got, want)
		}
	}
	f.fails("SHOW TABLES IN nodb", undefinedDatabase)
	if res, handled, err := Exec(f.ctx, f.cat, f.lk, "other", "SHOW TABLES"); err != nil || !handled || !reflect.DeepEqual(res.Rows, [][]string{{"x"}}) {
		t.Errorf("SHOW TABLES in session database other: %+v %v %v", res, handled, err)
	}

	res := f.exec("SHOW COLUMNS IN logs")
	if !reflect.DeepEqual(res.Columns, []string{"field"}) || !reflect.DeepEqual(res.Rows, [][]string{{"msg"}, {"level"}, {"dt"}, {"hr"}}) {
		t.Errorf("SHOW COLUMNS: %+v", res)
	}
	if res := f.exec("SHOW COLUMNS FROM x IN other"); !reflect.DeepEqual(res.Rows, [][]string{{"id"}}) {
		t.Errorf("SHOW COLUMNS FROM x IN other: %v", res.Rows)
	}
	f.fails("SHOW COLUMNS IN missing", query.CodeUndefinedTable)

	res = f.exec("DESCRIBE logs")
	want := [][]string{
		{"msg", "string", ""},
		{"level", "int", ""},
		{"dt", "string", ""},
		{"hr", "int", ""},
		{"", "", ""},
		{"# Partition Information", "", ""},
		{"# col_name", "data_type", "comment"},
		{"dt", "string", ""},
		{"hr", "int", ""},
	}
	if res.Tag != "DESCRIBE" || !reflect.DeepEqual(res.Columns, []string{"col_name", "data_type", "comment"}) || !reflect.DeepEqual(res.Rows, want) {
		t.Errorf("DESCRIBE logs: %+v", res)
	}
	if res := f.exec("DESC default.sales"); !reflect.DeepEqual(res.Rows, [][]string{{"id", "bigint", "order id"}, {"total", "decimal(12,2)", ""}}) {
		t.Errorf("DESC sales: %v", res.Rows)
	}
	if res := f.exec("DESCRIBE sales total"); !reflect.DeepEqual(res.Rows, [][]string{{"total", "decimal(12,2)", ""}}) {
		t.Errorf("DESCRIBE sales total: %v", res.Rows)
	}
	f.fails("DESCRIBE sales nope", query.CodeUndefinedColumn)
	if qe := f.fails("DESCRIBE `missing`", query.CodeUndefinedTable); qe.Position != 10 || !strings.Contains(qe.Message, "default.missing") {
		t.Errorf("DESCRIBE `missing`: %q at %d", qe.Message, qe.Position)
	}
	f.fails("DESCRIBE `nodb`.`missing`", undefinedDatabase)

	res = f.exec("SHOW TBLPROPERTIES sales('classification')")
	if !reflect.DeepEqual(res.Rows, [][]string{{"classification", "parquet"}}) {
		t.Errorf("SHOW TBLPROPERTIES: %+v", res)
	}
	ddl := f.exec("SHOW CREATE TABLE sales").Rows[0][0]
	for _, part := range []string{"CREATE EXTERNAL TABLE `default`.`sales`(", "`id` bigint COMMENT 'order id'", "LOCATION\n  's3://lake/sales/'", "'classification'='parquet'"} {
		if !strings.Contains(ddl, part) {
			t.Errorf("SHOW CREATE TABLE lacks %q:\n%s", part, ddl)
		}
	}
	f.fails("SHOW CREATE TABLE missing", query.CodeUndefinedTable)
}
