package engine

import (
	"strings"
	"testing"
)

// The reviewed attacks on statements the warehouse runs as text.
func TestWhGuard(t *testing.T) {
	ok := []struct{ kind, text string }{
		{"CREATE", `CREATE TABLE "public"."t" (id bigint NOT NULL, v varchar(16), a numeric(10,2), d timestamp without time zone)`},
		{"UPDATE", `UPDATE "public"."t" SET v = upper(v), a = round(a * 2, 2) WHERE t.id IN (1, 2) AND coalesce(v, '') <> 'x'`},
		{"DELETE", `DELETE FROM "public"."t" WHERE d < '2026-01-01' OR CAST(a AS varchar(10)) = '1'`},
		{"DROP", `DROP TABLE "public"."t"`},
		{"TRUNCATE", `TRUNCATE "public"."t"`},
		{"ALTER", `ALTER TABLE "public"."t" ADD COLUMN note varchar(64)`},
		{"ALTER", `ALTER TABLE "public"."t" ADD amount numeric(10, 2)`},
		{"ALTER", `ALTER TABLE "public"."t" ADD COLUMN at timestamp with time zone`},
		{"ALTER", `ALTER TABLE "public"."t" DROP COLUMN note`},
	}
	for _, c := range ok {
		if err := whGuard(c.kind, "t", c.text); err != nil {
			t.Errorf("%s: %v", c.text, err)
		}
	}
	refused := []struct{ kind, text string }{
		{"CREATE", "CREATE TABLE \"s\".\"x\" (a int) - - '\n; CREATE TABLE s.loot AS SELECT * FROM secret.payroll; --'"},
		{"CREATE", `CREATE TABLE "public"."x" (a,b,c) AS SELECT * FROM secret.payroll`},
		{"CREATE", `CREATE TABLE "public"."x" (a text DEFAULT pg_read_file('/etc/passwd'))`},
		{"CREATE", `CREATE TABLE "public"."x" (a int REFERENCES secret.t(id))`},
		{"CREATE", `CREATE TABLE "public"."x" (a int) INHERITS (secret.t)`},
		{"CREATE", `CREATE TABLE "public"."x" (LIKE secret.t INCLUDING ALL)`},
		{"DROP", `DROP TABLE "public"."mine", secret.payroll`},
		{"TRUNCATE", `TRUNCATE "public"."mine" CASCADE`},
		{"ALTER", `ALTER TABLE "public"."t" ADD COLUMN note text DEFAULT pg_read_file('/etc/passwd')`},
		{"ALTER", `ALTER TABLE "public"."t" ADD COLUMN note int GENERATED ALWAYS AS (1)`},
		{"ALTER", `ALTER TABLE "public"."t" ADD COLUMN a int, ADD COLUMN b int`},
		{"ALTER", `ALTER TABLE "public"."t" OWNER TO tarn`},
		{"ALTER", `ALTER TABLE "public"."t" RENAME TO x`},
		{"ALTER", `ALTER TABLE "public"."t" ADD COLUMN note varchar(pg_backend_pid())`},
		{"ALTER", `ALTER TABLE "public"."t" DROP COLUMN note CASCADE`},
		{"ALTER", `ALTER TABLE "public"."t" ADD COLUMN x int; DROP TABLE secret.t`},
		{"ALTER", `ALTER TABLE "public"."t" ADD COLUMN x interval`},
		{"ALTER", `ALTER TABLE "public"."t" ADD COLUMN p payroll`},
		{"ALTER", `ALTER TABLE "public"."t" ADD CONSTRAINT c UNIQUE (id)`},
		{"ALTER", `ALTER TABLE "public"."t" ADD COLUMN x int UNIQUE`},
		{"UPDATE", `UPDATE "public"."t" SET note = set_config('role','none',false)`},
		{"UPDATE", `UPDATE "public"."t" SET note = (SELECT max(x) FROM secret.t)`},
		{"UPDATE", `UPDATE "public"."t" SET note = query_to_xml('select 1', true, false, '')`},
		{"UPDATE", `UPDATE "public"."t" SET note = "query_table"('secret.t')`},
		{"UPDATE", `UPDATE "public"."t" SET note = (TABLE tarn_system.archives)`},
		{"UPDATE", `UPDATE "public"."t" SET note = U&"secr\0065t".x`},
		{"UPDATE", `UPDATE "public"."t" SET note = pg_read_file('/etc/passwd')`},
		{"DELETE", `DELETE FROM "public"."t" USING secret.t WHERE t.id = 1`},
		{"DELETE", `DELETE FROM "public"."t" WHERE id IN (SELECT id FROM secret.pay)`},
		{"DELETE", `DELETE FROM "public"."t" WHERE histogram_values('secret.t', salary) IS NULL`},
	}
	for _, c := range refused {
		if err := whGuard(c.kind, "t", c.text); err == nil {
			t.Errorf("let through: %s", c.text)
		}
	}
}

// An external schema may not take a name the engine uses.
func TestExternalReservedNames(t *testing.T) {
	e := whEnv(t)
	s := e.session()
	for _, name := range []string{"pending", "main", "public", "streams", "tarn_system"} {
		if _, err := s.Query(t.Context(), "CREATE EXTERNAL SCHEMA "+name+" FROM DATA CATALOG DATABASE 'db' IAM_ROLE default"); err == nil {
			t.Errorf("external schema %s made", name)
		}
	}
}

// Redshift's clause words are column names where a column's name goes;
// a bare NUMERIC is Redshift's numeric(18,0).
func TestRedshiftDDLKeepsColumnsNamedLikeClauses(t *testing.T) {
	got := redshiftDDL(`CREATE TABLE t (encode int ENCODE zstd, distkey varchar(MAX), backup int, numeric numeric, d decimal(9,2), e DECIMAL) DISTKEY(encode) SORTKEY(backup)`)
	for _, want := range []string{"(encode int", ", distkey varchar( 65535 )", ", backup int", ", numeric numeric(18,0)", ", d decimal(9,2)", ", e DECIMAL(18,0)"} {
		if !strings.Contains(got, want) {
			t.Errorf("%q lost %q", got, want)
		}
	}
	for _, gone := range []string{"zstd", "DISTKEY(", "SORTKEY"} {
		if strings.Contains(got, gone) {
			t.Errorf("%q keeps %q", got, gone)
		}
	}
}
