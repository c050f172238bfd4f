package hiveddl

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/tarnlake/tarn/internal/query"
)

func TestParseRecognises(t *testing.T) {
	const (
		mine = iota
		tentative
		notMine
	)
	cases := []struct {
		stmt string
		want int
		cmd  string // the command's type, when parsed
	}{
		{"CREATE EXTERNAL TABLE t (a int) LOCATION 's3://b/p/'", mine, "*hiveddl.createTable"},
		{"create external table if not exists `db`.`t` (`a` int) location 's3://b/p'", mine, "*hiveddl.createTable"},
		{"/* lead */ CREATE -- kind\n EXTERNAL TABLE t (a int) LOCATION 's3://b/';", mine, "*hiveddl.createTable"},
		{`CREATE EXTERNAL TABLE "db"."t" (a int) LOCATION "s3://b/"`, mine, "*hiveddl.createTable"},
		{"CREATE EXTERNAL TABLE t LOCATION 's3://b/' TBLPROPERTIES ('avro.schema.url'='s3://b/s.avsc')", mine, "*hiveddl.createTable"},
		{"CREATE DATABASE d", mine, "*hiveddl.createDatabase"},
		{"CREATE SCHEMA IF NOT EXISTS d COMMENT 'c' LOCATION 's3://b/d/' WITH DBPROPERTIES ('a'='b')", mine, "*hiveddl.createDatabase"},
		{"DROP DATABASE IF EXISTS d CASCADE", mine, "*hiveddl.dropDatabase"},
		{"drop schema d restrict;", mine, "*hiveddl.dropDatabase"},
		{"MSCK REPAIR TABLE t", mine, "*hiveddl.msck"},
		{"msck repair table `db`.`t` ADD PARTITIONS;", mine, "*hiveddl.msck"},
		{"ALTER TABLE t ADD PARTITION (dt='1')", mine, "*hiveddl.addPartitions"},
		{"ALTER TABLE db.t ADD IF NOT EXISTS PARTITION (dt='1', hr=2) LOCATION 's3://b/x/' PARTITION (dt=\"2\", hr=-1)", mine, "*hiveddl.addPartitions"},
		{"ALTER TABLE t DROP IF EXISTS PARTITION (dt='1'), PARTITION (dt='2') PURGE", mine, "*hiveddl.dropPartitions"},
		{"SHOW TABLES", mine, "*hiveddl.showTables"},
		{"show tables in db 'a*|b'", mine, "*hiveddl.showTables"},
		{"SHOW TABLES FROM `db` LIKE 'x*';", mine, "*hiveddl.showTables"},
		{"SHOW DATABASES", mine, "*hiveddl.showDatabases"},
		{"SHOW SCHEMAS LIKE 'd*'", mine, "*hiveddl.showDatabases"},
		{"SHOW PARTITIONS t", mine, "*hiveddl.showPartitions"},
		{"SHOW PARTITIONS db.t PARTITION (dt='1')", mine, "*hiveddl.showPartitions"},
		{"SHOW CREATE TABLE db.t", mine, "*hiveddl.showCreate"},
		{"SHOW COLUMNS IN t", mine, "*hiveddl.showColumns"},
		{"SHOW COLUMNS FROM t IN db", mine, "*hiveddl.showColumns"},
		{"SHOW TBLPROPERTIES t('classification')", mine, "*hiveddl.showTblProps"},
		{"DROP TABLE t", tentative, "*hiveddl.dropTable"},
		{"DROP TABLE IF EXISTS db.t PURGE", tentative, "*hiveddl.dropTable"},
		{"DESCRIBE t", tentative, "*hiveddl.describeCmd"},
		{"DESC db.t", tentative, "*hiveddl.describeCmd"},
		{"DESCRIBE FORMATTED t", tentative, "*hiveddl.describeCmd"},
		{"describe t col", tentative, "*hiveddl.describeCmd"},
		{"DESCRIBE extended", tentative, "*hiveddl.describeCmd"},
		{"SELECT 1", notMine, ""},
		{"", notMine, ""},
		{"  -- only a comment", notMine, ""},
		{"SELECT 'unterminated", notMine, ""},
		{"CREATE TABLE t AS SELECT 1", notMine, ""},
		{"CREATE TABLE t (a int)", notMine, ""},
		{"CREATE OR REPLACE TABLE t (a int)", notMine, ""},
		{"CREATE VIEW v AS SELECT 1", notMine, ""},
		{"CREATE TEMP TABLE t (a int)", notMine, ""},
		{"DESCRIBE SELECT 1", notMine, ""},
		{"DESCRIBE (SELECT 1)", notMine, ""},
		{"ALTER TABLE t ADD COLUMN x int", notMine, ""},
		{"ALTER TABLE t RENAME TO u", notMine, ""},
		{"SHOW ALL TABLES", notMine, ""},
		{"SHOW t", notMine, ""},
		{"INSERT INTO t VALUES (1)", notMine, ""},
		{"EXPLAIN SELECT 1", notMine, ""},
		{"DROP VIEW v", notMine, ""},
	}
	for _, c := range cases {
		pd, err := parse(c.stmt)
		got := notMine
		switch {
		case pd.mine && pd.tentative:
			got = tentative
		case pd.mine:
			got = mine
		}
		if got != c.want {
			t.Errorf("%q: recognised as %d, want %d", c.stmt, got, c.want)
			continue
		}
		if c.want == notMine {
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", c.stmt, err)
		} else if typ := fmt.Sprintf("%T", pd.cmd); typ != c.cmd {
			t.Errorf("%q: command %s, want %s", c.stmt, typ, c.cmd)
		}
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		stmt string
		code string
		at   string // the text the error points at; "$" for the end
		msg  string // part of the message
	}{
		{"CREATE EXTERNAL TABLE t (a int)", query.CodeSyntax, "$", "LOCATION"},
		{"CREATE EXTERNAL TABLE t (a int,) LOCATION 's3://b/'", query.CodeSyntax, ") LOCATION", "column name"},
		{"CREATE EXTERNAL TABLE t (a badtype) LOCATION 's3://b/'", query.CodeSyntax, "badtype", "unknown type"},
		{"CREATE EXTERNAL TABLE t (a array<int) LOCATION 's3://b/'", query.CodeSyntax, "array", "column a"},
		{"CREATE EXTERNAL TABLE t (a) LOCATION 's3://b/'", query.CodeSyntax, ") LOCATION", "type of column a"},
		{"CREATE EXTERNAL TABLE t (a int) LOCATION 'hdfs://x/'", invalidValue, "'hdfs", "s3://bucket"},
		{"CREATE EXTERNAL TABLE t (a int) LOCATION 's3:///x/'", invalidValue, "'s3:", "s3://bucket"},
		{"CREATE EXTERNAL TABLE t (a int) STORED AS SEQUENCEFILE LOCATION 's3://b/'", invalidValue, "SEQUENCEFILE", "not supported"},
		{"CREATE EXTERNAL TABLE t (a int, A string) LOCATION 's3://b/'", duplicateColumn, "A string", "defined twice"},
		{"CREATE EXTERNAL TABLE t (a int) PARTITIONED BY (a string) LOCATION 's3://b/'", duplicateColumn, "a string", "defined twice"},
		{"CREATE EXTERNAL TABLE t (a int) PARTITIONED BY (p array<int>) LOCATION 's3://b/'", invalidValue, "array", "primitive"},
		{"CREATE EXTERNAL TABLE t (a int) LOCATION 's3://b/' LOCATION 's3://c/'", query.CodeSyntax, "LOCATION 's3://c", "twice"},
		{"CREATE EXTERNAL TABLE t (a int) CLUSTERED BY (a) INTO 4 BUCKETS LOCATION 's3://b/'", query.CodeFeature, "CLUSTERED", "not supported"},
		{"CREATE EXTERNAL TABLE t (a int) ROW FORMAT DELIMITED FIELDS TERMINATED BY ',,' LOCATION 's3://b/'", invalidValue, "',,'", "one character"},
		{"CREATE EXTERNAL TABLE t (a int) ROW FORMAT DELIMITED LINES TERMINATED BY '\\r' LOCATION 's3://b/'", invalidValue, "'\\r'", "only"},
		{"CREATE EXTERNAL TABLE t (a int) ROW FORMAT JSON LOCATION 's3://b/'", query.CodeSyntax, "JSON", "SERDE or DELIMITED"},
		{"CREATE EXTERNAL TABLE t (a int) STORED AS INPUTFORMAT 'x' LOCATION 's3://b/'", query.CodeSyntax, "LOCATION", "OUTPUTFORMAT"},
		{"CREATE EXTERNAL TABLE t (a int) TBLPROPERTIES ('a'=) LOCATION 's3://b/'", query.CodeSyntax, ") LOCATION", "property value"},
		{"CREATE EXTERNAL TABLE t (a int) LOCATION 's3://b/' AS SELECT 1", query.CodeFeature, "AS SELECT", "CREATE TABLE ... AS"},
		{"CREATE EXTERNAL TABLE `t (a int)", query.CodeSyntax, "`t", "unterminated quoted identifier"},
		{"CREATE EXTERNAL TABLE t (a int) LOCATION 's3://b/ ", query.CodeSyntax, "'s3", "unterminated quoted string"},
		{"CREATE EXTERNAL TABLE t (a int) /* never closed", query.CodeSyntax, "/*", "unterminated /* comment"},
		{"CREATE EXTERNAL TABLE t (a int) LOCATION 's3://b/'; SELECT 1", query.CodeSyntax, "SELECT", "end of the statement"},
		{"CREATE EXTERNAL TABLE t (a int) LOCATION 's3://b/' foo", query.CodeSyntax, "foo", "expected COMMENT"},
		{"CREATE EXTERNAL TABLE é (a badtype) LOCATION 's3://b/'", query.CodeSyntax, "badtype", "unknown type"},
		{"CREATE DATABASE", query.CodeSyntax, "$", "database name"},
		{"CREATE DATABASE d LOCATION 'file:///x'", invalidValue, "'file", "s3://"},
		{"DROP DATABASE d PLEASE", query.CodeSyntax, "PLEASE", "end of the statement"},
		{"MSCK REPAIR t", query.CodeSyntax, "t", "TABLE"},
		{"MSCK REPAIR TABLE t SYNC PARTITIONS", query.CodeFeature, "SYNC", "not supported"},
		{"SHOW COLUMNS t", query.CodeSyntax, "t", "IN or FROM"},
		{"SHOW COLUMNS IN db.t IN other", query.CodeSyntax, "other", "already given"},
		{"ALTER TABLE t ADD PARTITION (dt=)", query.CodeSyntax, ")", "value of partition key dt"},
		{"ALTER TABLE t ADD PARTITION dt='1'", query.CodeSyntax, "dt=", `"("`},
		{"ALTER TABLE t DROP PARTITION (dt='1') PARTITION (dt='2')", query.CodeSyntax, "PARTITION (dt='2", "end of the statement"},
		{"SHOW TABLES IN", query.CodeSyntax, "$", "database name"},
	}
	for _, c := range cases {
		pd, err := parse(c.stmt)
		if !pd.mine {
			t.Errorf("%q: not recognised", c.stmt)
			continue
		}
		var qe *query.Error
		if !errors.As(err, &qe) {
			t.Errorf("%q: error %v, want a *query.Error", c.stmt, err)
			continue
		}
		at := len(c.stmt)
		if c.at != "$" {
			at = strings.Index(c.stmt, c.at)
		}
		wantPos := len([]rune(c.stmt[:at])) + 1
		if qe.Code != c.code || qe.Position != wantPos || !strings.Contains(qe.Message, c.msg) {
			t.Errorf("%q:\n got %s at %d: %s\nwant %s at %d: …%s…", c.stmt, qe.Code, qe.Position, qe.Message, c.code, wantPos, c.msg)
		}
	}
}

func TestTypes(t *testing.T) {
	cases := map[string]string{
		"int":                              "int",
		"INTEGER":                          "int",
		"varchar(10)":                      "string",
		"char(3)":                          "string",
		"decimal(10, 2)":                   "decimal(10,2)",
		"decimal":                          "decimal(10,0)",
		"array<struct<a:integer>>":         "array<struct<a:int>>",
		"map<string, array<int>>":          "map<string,array<int>>",
		"struct<comment:string>":           "struct<comment:string>",
		"struct<`my field`:int>":           "struct<`my field`:int>",
		"struct<a:varchar(5),b:timestamp>": "struct<a:string,b:timestamp>",
		"array < struct < x : bigint , y : double > >": "array<struct<x:bigint,y:double>>",
	}
	for in, want := range cases {
		pd, err := parse("CREATE EXTERNAL TABLE t (c " + in + " COMMENT 'x') LOCATION 's3://b/'")
		if err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		col := pd.cmd.(*createTable).cols[0]
		if col.Type != want || col.Comment != "x" {
			t.Errorf("%s: got %s (comment %q), want %s", in, col.Type, col.Comment, want)
		}
	}
}

func TestStrings(t *testing.T) {
	cases := map[string]string{
		`'\t'`:     "\t",
		`'\001'`:   "\x01",
		`'it''s'`:  "it's",
		`'a\'b'`:   "a'b",
		`'\\'`:     `\`,
		`'\u0041'`: "A",
		`'\%'`:     `\%`,
		`"a\"b"`:   `a"b`,
		`'\n\r\Z'`: "\n\r\x1a",
		`'é'`:      "é",
	}
	for in, want := range cases {
		toks := lex(in)
		if got := stringValue(toks[0]); got != want || toks[1].kind != tkEOF {
			t.Errorf("%s: got %q, want %q", in, got, want)
		}
	}
	for _, s := range []string{"", "a'b", `c:\dir\`, "\t\n\r\x01\x7f", "%_", "é ü", `\u0041`} {
		toks := lex(quoteString(s))
		if got := stringValue(toks[0]); got != s || toks[1].kind != tkEOF {
			t.Errorf("quoteString(%q) reads back as %q", s, got)
		}
	}
	for in, want := range map[string]string{"`a``b`": "a`b", `"a""b"`: `a"b`, "plain": "plain"} {
		if got := identValue(lex(in)[0]); got != want {
			t.Errorf("%s: got %q, want %q", in, got, want)
		}
	}
}

func TestHiveMatch(t *testing.T) {
	cases := []struct {
		pattern, name string
		want          bool
	}{
		{"*", "x", true},
		{"sales*", "sales_2024", true},
		{"SALES*", "sales", true},
		{"*_log", "web_log", true},
		{"*_log", "web_logs", false},
		{"a*|b*", "beta", true},
		{"a* | c", "c", true},
		{"a*b*c", "aXbYc", true},
		{"a*b*c", "aXbY", false},
		{"exact", "exact", true},
		{"exact", "exact2", false},
	}
	for _, c := range cases {
		if got := hiveMatch(c.pattern, c.name); got != c.want {
			t.Errorf("hiveMatch(%q, %q) = %v", c.pattern, c.name, got)
		}
	}
}

func TestPathNames(t *testing.T) {
	for raw, esc := range map[string]string{"a/b": "a%2Fb", "x=y": "x%3Dy", "100%": "100%25", "é": "é", "a b": "a b", "t:1": "t%3A1"} {
		if got := escapePathName(raw); got != esc {
			t.Errorf("escape %q = %q, want %q", raw, got, esc)
		}
		if got := unescapePathName(esc); got != raw {
			t.Errorf("unescape %q = %q, want %q", esc, got, raw)
		}
	}
	if got := unescapePathName("50%zz%4"); got != "50%zz%4" {
		t.Errorf("bad escapes changed: %q", got)
	}
}
