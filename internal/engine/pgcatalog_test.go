package engine

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// What PostgreSQL drivers read on connect and when they list tables:
// PostgreSQL's type OIDs and names, settings, no rows for BEGIN.
func TestPostgresCatalog(t *testing.T) {
	e := newEnv(t)
	e.put("sales/part.csv", []byte("sku,qty,price\na,1,2.50\nb,2,3.25\n"))
	e.crawl()
	s := e.session()
	q := func(text string) string {
		t.Helper()
		return fmt.Sprint(e.rows(s, text))
	}
	for text, want := range map[string]string{
		// The crawled table, its columns as PostgreSQL types.
		`SELECT a.attname, a.atttypid, pg_catalog.format_type(a.atttypid, a.atttypmod) FROM pg_catalog.pg_attribute a
			JOIN pg_catalog.pg_class c ON c.oid = a.attrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = 'db' AND c.relname = 'lake' ORDER BY a.attnum`: "[[sku 25 text] [qty 20 bigint] [price 701 double precision] [partition_0 25 text]]",
		// A lake table is a table to clients, not the view it is made as.
		`SELECT relkind FROM pg_catalog.pg_class WHERE relname = 'lake'`:             "[[r]]",
		`SELECT table_type FROM information_schema.tables WHERE table_name = 'lake'`: "[[BASE TABLE]]",
		// Unqualified, as psycopg2 asks; text is a type clients look up.
		`SELECT typname, typarray FROM pg_type WHERE oid = 25`:                                   "[[text 1009]]",
		`SELECT count(*) FROM pg_catalog.pg_namespace WHERE nspname = '` + pgSchema + `'`:        "[[0]]",
		`SELECT count(*) FROM information_schema.tables WHERE table_schema = '` + pgSchema + `'`: "[[0]]",
		`SELECT datname, pg_catalog.pg_encoding_to_char(encoding) FROM pg_catalog.pg_database`:   "[[tarn UTF8]]",
		`SELECT setting FROM pg_catalog.pg_settings WHERE name = 'max_index_keys'`:               "[[32]]",
		`SELECT rolname FROM pg_catalog.pg_roles`:                                                "[[tarn]]",
		`SELECT count(*) FROM pg_catalog.pg_inherits`:                                            "[[0]]",
	} {
		if got := q(text); got != want {
			t.Errorf("%s\n got %s, want %s", strings.Join(strings.Fields(text), " "), got, want)
		}
	}
	if got := q(`SELECT current_user, session_user(), 'current_user'`); got != "[[root root current_user]]" {
		t.Errorf("current_user = %s, want the session's user", got)
	}
	if got := q(`SELECT version()`); !strings.HasPrefix(got, "[[PostgreSQL 15") {
		t.Errorf("version() = %s: drivers parse PostgreSQL's form", got)
	}

	// SET and SHOW of PostgreSQL's session settings; BEGIN answers no rows.
	for _, text := range []string{"SET extra_float_digits = 3", "SET application_name TO 'psql'", "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ COMMITTED", "BEGIN", "COMMIT"} {
		res, err := s.Query(context.Background(), text)
		if err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		if cols := res.Rows.Columns(); len(cols) != 0 {
			t.Errorf("%s answers columns %v", text, cols)
		}
		res.Rows.Close()
	}
	if got := q("SHOW extra_float_digits"); got != "[[3]]" {
		t.Errorf("SHOW extra_float_digits = %s", got)
	}
	if got := q("SHOW transaction isolation level"); got != "[[read committed]]" {
		t.Errorf("SHOW transaction isolation level = %s", got)
	}
	if got := q("SHOW standard_conforming_strings"); got != "[[on]]" {
		t.Errorf("SHOW standard_conforming_strings = %s", got)
	}
}

// A transaction a client leaves open does not follow its connection to
// the next session.
func TestSessionCloseRollsBack(t *testing.T) {
	e := newEnv(t)
	for range 3 { // the pool hands the same connection back
		s, err := e.eng.Session(context.Background(), "test")
		if err != nil {
			t.Fatal(err)
		}
		res, err := s.Query(context.Background(), "BEGIN")
		if err != nil {
			t.Fatalf("BEGIN: %v", err)
		}
		res.Rows.Close()
		s.Close()
	}
}
