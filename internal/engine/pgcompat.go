package engine

import (
	"regexp"
	"strings"
)

// PostgreSQL clients (psql's \d commands, pgx, BI tools) introspect with
// PostgreSQL-only syntax that DuckDB's pg_catalog views do not take. These
// rewrites make the common forms run; they apply only to statements that
// name pg_catalog, so ordinary SQL is never touched.
var pgRewrites = []struct {
	re   *regexp.Regexp
	with string
}{
	// Lake tables are DuckDB views: \dt lists them with the tables.
	{regexp.MustCompile(`c\.relkind IN \('r','p',`), "c.relkind IN ('r','p','v',"},
	{regexp.MustCompile(`OPERATOR\(pg_catalog\.(~|!~|~\*|!~\*|=|<>)\)`), " $1 "},
	{regexp.MustCompile(`(?i)\s+COLLATE\s+pg_catalog\."?default"?`), ""},
	{regexp.MustCompile(`(?i)\s+COLLATE\s+pg_catalog\."?C"?`), ""},
	{regexp.MustCompile(`(?i)pg_catalog\.pg_get_userbyid\([^()]*\)`), "'tarn'"},
	{regexp.MustCompile(`(?i)pg_catalog\.pg_table_is_visible\([^()]*\)`), "true"},
	{regexp.MustCompile(`(?i)pg_catalog\.pg_relation_size\([^()]*\)`), "0"},
	{regexp.MustCompile(`(?i)pg_catalog\.pg_total_relation_size\([^()]*\)`), "0"},
	{regexp.MustCompile(`(?i)pg_catalog\.obj_description\([^()]*\)`), "NULL"},
	{regexp.MustCompile(`(?i)pg_catalog\.array_to_string\(`), "array_to_string("},
	{regexp.MustCompile(`(?i)pg_catalog\.pg_size_pretty\(`), "format_bytes("},
	{regexp.MustCompile(`(?i)pg_catalog\.(\w+)\(`), "$1("},
	{regexp.MustCompile(`(?i)::pg_catalog\.reg\w+`), ""},
	{regexp.MustCompile(`(?i)::pg_catalog\.(\w+)`), "::$1"},
	{regexp.MustCompile(`(?i)::regclass`), ""},
}

func pgCompat(text string) string {
	if !strings.Contains(strings.ToLower(text), "pg_catalog") {
		return text
	}
	for _, r := range pgRewrites {
		text = r.re.ReplaceAllString(text, r.with)
	}
	return text
}
