package engine

import (
	"fmt"
	"testing"
)

func TestPGFromFunctions(t *testing.T) {
	for in, want := range map[string]string{
		"SELECT i FROM generate_series(1, 3) AS i":                  "SELECT i FROM generate_series(1, 3) AS i(i)",
		"SELECT s[1] FROM x, string_to_array('a,b', ',') s":         "SELECT s[1] FROM x, (SELECT string_to_array('a,b', ',') AS s) s",
		"SELECT generate_series(1, 3) AS i":                         "SELECT generate_series(1, 3) AS i",
		"SELECT * FROM generate_series(1, 3) g(n)":                  "SELECT * FROM generate_series(1, 3) g(n)",
		"SELECT * FROM generate_series(1, 3) WHERE true":            "SELECT * FROM generate_series(1, 3) WHERE true",
		"SELECT 'FROM generate_series(1,2) x'":                      "SELECT 'FROM generate_series(1,2) x'",
		"SELECT (SELECT max(i) FROM generate_series(1, 9) i) AS m":  "SELECT (SELECT max(i) FROM generate_series(1, 9) AS i(i)) AS m",
		"SELECT 1 FROM t WHERE x IN (SELECT generate_series(1, 2))": "SELECT 1 FROM t WHERE x IN (SELECT generate_series(1, 2))",
	} {
		if got := pgFromFunctions(in); sameTokens(got) != sameTokens(want) {
			t.Errorf("%s\n got %s\nwant %s", in, got, want)
		}
	}
}

// A catalog query in the shape Grafana's table picker sends: schemas from
// a comma-separated list, indexed by a series.
func TestPGFromFunctionsInCatalogQuery(t *testing.T) {
	e := newEnv(t)
	e.put("sales/s.csv", []byte("sku,qty\na,1\n"))
	e.put("misc/m.json", []byte(`{"a":1}`))
	e.crawl()
	s := e.session()
	got := e.rows(s, `SELECT quote_ident(table_name) FROM information_schema.tables
		WHERE quote_ident(table_schema) IN (
			SELECT CASE WHEN trim(s[i]) = '"$user"' THEN current_user ELSE trim(s[i]) END
			FROM generate_series(array_lower(string_to_array('"$user", db', ','), 1),
			                     array_upper(string_to_array('"$user", db', ','), 1)) AS i,
			     string_to_array('"$user", db', ',') s)
		ORDER BY 1`)
	if fmt.Sprint(got) != "[[misc] [sales]]" {
		t.Fatalf("tables: %v", got)
	}
}
