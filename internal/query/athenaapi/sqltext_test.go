package athenaapi

import (
	"math"
	"testing"
	"time"

	"github.com/tarnlake/tarn/internal/query"
)

func TestStatementType(t *testing.T) {
	for sql, want := range map[string]string{
		"SELECT 1": typeDML, " -- note\n/* c */ (select 1)": typeDML, "WITH x AS (SELECT 1) SELECT * FROM x": typeDML,
		"INSERT INTO t SELECT 1": typeDML, "CREATE TABLE t AS SELECT 1": typeDDL, "create table t as\nwith x as (select 1) select * from x": typeDDL,
		"CREATE TABLE t (x INT)": typeDDL, "CREATE VIEW v AS SELECT 1": typeDDL, "DROP TABLE t": typeDDL, "MSCK REPAIR TABLE t": typeDDL,
		"SHOW TABLES": typeUtility, "describe t": typeUtility, "EXPLAIN SELECT 1": typeUtility, "": typeDML,
	} {
		if got := statementType(sql); got != want {
			t.Errorf("%q: %s, want %s", sql, got, want)
		}
	}
}

func TestIsCTAS(t *testing.T) {
	for sql, want := range map[string]bool{
		"CREATE TABLE t AS SELECT 1": true, "create table t as\nwith x as (select 1) select * from x": true,
		"CREATE TABLE t WITH (format = 'PARQUET') AS SELECT 1": true, "/* c */ CREATE TABLE t AS (SELECT 1)": true,
		"CREATE TABLE t (x INT)": false, "CREATE VIEW v AS SELECT 1": false, "CREATE TABLE t (x INT) COMMENT ' AS SELECT'": false,
		"SELECT ' AS SELECT'": false,
	} {
		if got := isCTAS(sql); got != want {
			t.Errorf("%q: %v, want %v", sql, got, want)
		}
	}
}

func TestBindParams(t *testing.T) {
	sql, args, err := bindParams(`SELECT '?', "a?" -- ?`+"\n"+`/* ? */ ?, ?, ?, ?, ?`, []string{"'a''b'", "-3", "2.5e1", "NULL", " timestamp '2024-01-01 10:00:00' "})
	if err != nil {
		t.Fatal(err)
	}
	want := `SELECT '?', "a?" -- ?` + "\n" + `/* ? */ $1, $2, $3, $4, CAST($5 AS TIMESTAMP)`
	if sql != want || args[0] != "a'b" || args[1] != int64(-3) || args[2] != 25.0 || args[3] != nil || args[4] != "2024-01-01 10:00:00" {
		t.Fatalf("%q %#v", sql, args)
	}
	for _, bad := range []string{"x", "'open", "Inf", "0x10", "DATE 5", "DROP 'x'"} {
		if _, _, err := bindParams("SELECT ?", []string{bad}); err == nil {
			t.Errorf("%q bound", bad)
		}
	}
	if _, _, err := bindParams("SELECT 'unterminated ?", []string{"1"}); err == nil {
		t.Error("? inside an unterminated string bound")
	}
}

func TestFormat(t *testing.T) {
	ts := time.Date(2024, 2, 3, 4, 5, 6, 7e6, time.FixedZone("x", 3600))
	for _, tc := range []struct {
		v    any
		typ  string
		want string
	}{
		{1.0, "DOUBLE", "1.0"}, {0.1, "DOUBLE", "0.1"}, {1e10, "DOUBLE", "1.0E10"}, {1.5e-7, "DOUBLE", "1.5E-7"},
		{math.Inf(-1), "DOUBLE", "-Infinity"}, {float32(0.1), "FLOAT", "0.1"}, {math.NaN(), "DOUBLE", "NaN"},
		{query.Decimal{Value: "5", Scale: 3}, "DECIMAL(4,3)", "0.005"}, {query.Decimal{Value: "-123", Scale: 0}, "DECIMAL(3,0)", "-123"},
		{ts, "DATE", "2024-02-03"}, {ts, "TIME", "04:05:06.007"}, {ts, "TIMESTAMP WITH TIME ZONE", "2024-02-03 03:05:06.007 UTC"},
		{query.Interval{Months: 14, Days: 3, Micros: 3723004000}, "INTERVAL", "1-2 3 01:02:03.004"},
		{[]any{[]any{"a"}, nil}, "VARCHAR[][]", "[[a], null]"},
		{[]any{map[string]any{"z": ts, "a": 1}}, "STRUCT(z DATE, a INTEGER)[]", "[{z=2024-02-03, a=1}]"},
		{map[string]any{"z": 1, "a": 2}, "JSON", "{a=2, z=1}"},
		{[]byte{0, 255}, "BLOB", "00 ff"}, {uint64(math.MaxUint64), "UBIGINT", "18446744073709551615"},
	} {
		if got := string(appendValue(nil, tc.v, new(query.MustParseType(tc.typ)))); got != tc.want {
			t.Errorf("%v as %s: %q, want %q", tc.v, tc.typ, got, tc.want)
		}
	}
}
