package engine

import (
	"regexp"
)

// PostgreSQL clients (psql's \d commands, pgx, BI tools) introspect with
// PostgreSQL-only syntax that DuckDB's pg_catalog views do not take. These
// rewrites make the common forms run; they apply only to statements that
// name pg_catalog or information_schema or call a function of pgSchema,
// so ordinary SQL is never touched.
type rewrite struct {
	re   *regexp.Regexp
	with string
}

var pgRewrites = []rewrite{
	// Lake tables are DuckDB views: \dt lists them with the tables.
	{regexp.MustCompile(`c\.relkind IN \('r','p',`), "c.relkind IN ('r','p','v',"},
	{regexp.MustCompile(`OPERATOR\(pg_catalog\.(~|!~|~\*|!~\*|=|<>)\)`), " $1 "},
	{regexp.MustCompile(`(?i)\s+COLLATE\s+pg_catalog\."?default"?`), ""},
	{regexp.MustCompile(`(?i)\s+COLLATE\s+pg_catalog\."?C"?`), ""},
	{regexp.MustCompile(`(?i)pg_catalog\.pg_table_is_visible\([^()]*\)`), "true"},
	{regexp.MustCompile(`(?i)pg_catalog\.obj_description\([^()]*\)`), "NULL"},
	{regexp.MustCompile(`(?i)pg_catalog\.array_to_string\(`), "array_to_string("},
	{regexp.MustCompile(`(?i)pg_catalog\.pg_size_pretty\(`), "format_bytes("},
	{regexp.MustCompile(`(?i)\bjson_build_object\(`), "json_object("},
	// x = ANY(array column): DuckDB reads ANY(…) as a subquery, which an
	// outer join cannot take (SQLAlchemy's index lookup).
	{regexp.MustCompile(`(?i)([\w.]+)\s*=\s*ANY\s*\(\s*([\w.]+)\s*\)`), "list_contains($2, $1)"},
	{regexp.MustCompile(`(?i)pg_catalog\.(\w+)\(`), "$1("},
	{regexp.MustCompile(`(?i)::pg_catalog\.reg\w+`), ""},
	{regexp.MustCompile(`(?i)::pg_catalog\.(\w+)`), "::$1"},
	{regexp.MustCompile(`(?i)::regclass`), ""},
}

// pgTrigger finds statements that may need rewriting: those reading the
// catalogs or calling a function that only pgSchema has.
var pgTrigger = regexp.MustCompile(`(?i)pg_catalog|information_schema|\b(` + pgFuncNames + `)\(|\b(` + pgTableNames + `)\b`)

// pgCompat rewrites text for DuckDB and reports whether it reads the
// catalogs (then it was rewritten to read pgSchema).
func pgCompat(text string) (string, bool) {
	if !pgTrigger.MatchString(text) {
		return text, false
	}
	for _, r := range pgShimRewrites {
		text = r.re.ReplaceAllString(text, r.with)
	}
	for _, r := range pgRewrites {
		text = r.re.ReplaceAllString(text, r.with)
	}
	return pgFromFunctions(text), true
}
