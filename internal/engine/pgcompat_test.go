package engine

import (
	"strings"
	"testing"

	"github.com/tarnlake/tarn/internal/query/sqltext"
)

func TestPGCompat(t *testing.T) {
	for in, want := range map[string]string{
		"SELECT 1":                     "SELECT 1",
		"SELECT 'pg_catalog.pg_class'": "SELECT 'pg_catalog.pg_class'",
		"SELECT * FROM pg_catalog.pg_class c WHERE c.relkind IN ('r','p','') AND x = 'c.relkind IN (''r'',''p'','":                              "SELECT * FROM tarn_pg.pg_class c WHERE c.relkind IN ('v','r','p','') AND x = 'c.relkind IN (''r'',''p'','",
		"SELECT n.nspname OPERATOR(pg_catalog.~) '^(x)$' COLLATE pg_catalog.default FROM pg_catalog.pg_namespace n":                             "SELECT n.nspname  ~  '^(x)$' FROM tarn_pg.pg_namespace n",
		"SELECT pg_catalog.pg_table_is_visible(c.oid), pg_catalog.obj_description(c.oid, 'pg_class'), 'x'::pg_catalog.regclass FROM pg_class c": "SELECT true, NULL, 'x' FROM tarn_pg.pg_class c",
		"SELECT pg_catalog.pg_size_pretty(1), pg_catalog.array_to_string(x, 2), 1::pg_catalog.int4, 'pg_type' FROM pg_type":                     "SELECT format_bytes(1), array_to_string(x, 2), 1::int4, 'pg_type' FROM tarn_pg.pg_type",
		"SELECT a.attname FROM pg_attribute a JOIN pg_index i ON a.attnum = ANY(i.indkey) WHERE 'a = ANY(b)' <> ''":                             "SELECT a.attname FROM tarn_pg.pg_attribute a JOIN tarn_pg.pg_index i ON list_contains(i.indkey, a.attnum) WHERE 'a = ANY(b)' <> ''",
		"SELECT table_name FROM information_schema.tables, information_schema.other WHERE version() <> 'version()'":                             "SELECT table_name FROM tarn_pg.is_tables, information_schema.other WHERE tarn_pg.version() <> 'version()'",
		`SELECT json_build_object('a', 1) FROM pg_catalog.pg_settings WHERE name COLLATE pg_catalog."C" = 'x'`:                                  "SELECT json_object('a', 1) FROM tarn_pg.pg_settings WHERE name = 'x'",
	} {
		if got, _ := pgCompat(in); sameTokens(got) != sameTokens(want) {
			t.Errorf("%s\n got %s\nwant %s", in, got, want)
		}
	}
}

// sameTokens is text as its tokens: rewrites space what they change.
func sameTokens(text string) string {
	toks, err := sqltext.Lex(text)
	if err != nil {
		return "unlexable: " + text
	}
	var raw []string
	for _, t := range toks {
		raw = append(raw, t.Raw)
	}
	return strings.Join(raw, " ")
}
