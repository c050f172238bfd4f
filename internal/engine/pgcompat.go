package engine

import (
	"strings"

	"github.com/tarnlake/tarn/internal/query/sqltext"
)

// PostgreSQL clients (psql's \d commands, pgx, BI tools) introspect with
// PostgreSQL-only syntax that DuckDB's pg_catalog views do not take.
// pgCompat edits the common forms, token by token so that string literals
// and quoted names are never touched, and only in statements that name
// pg_catalog or information_schema, a table of pgSchema or call one of its
// functions: ordinary SQL passes as written.
func pgCompat(text string) (string, bool) {
	toks, err := sqltext.Lex(text)
	if err != nil || !readsCatalog(toks) {
		return text, false
	}
	var edits []textEdit
	for i := 0; i < len(toks); i++ {
		for _, rule := range pgRules {
			if e, next, ok := rule(text, toks, i); ok {
				edits = append(edits, e)
				i = next - 1
				break
			}
		}
	}
	return pgFromFunctions(applyEdits(text, edits)), true
}

// readsCatalog reports whether toks name the catalogs or pgSchema's
// tables and functions.
func readsCatalog(toks []sqltext.Token) bool {
	for i, t := range toks {
		switch n := t.Name(); {
		case !isName(t):
		case n == "pg_catalog" || n == "information_schema" || pgTableSet[n]:
			return true
		case pgFuncSet[n] && tokIs(toks, i+1, "("):
			return true
		}
	}
	return false
}

// A pgRule looks at toks[i]: when it applies it returns its edit and the
// index of the first token after it.
type pgRule func(text string, toks []sqltext.Token, i int) (textEdit, int, bool)

var pgRules = []pgRule{anyArray, qualified, unqualified, pgCast, pgOperator, pgCollate, relkindViews}

// qualified sends pg_catalog.t and information_schema.t to pgSchema's
// stand-ins and maps the functions DuckDB lacks.
func qualified(text string, toks []sqltext.Token, i int) (textEdit, int, bool) {
	schema := toks[i].Name()
	if !isName(toks[i]) || schema != "pg_catalog" && schema != "information_schema" ||
		!tokIs(toks, i+1, ".") || i+2 >= len(toks) || !isName(toks[i+2]) || tokIs(toks, i-1, "::") {
		return textEdit{}, 0, false
	}
	name, end := toks[i+2].Name(), i+3
	edit := func(with string, end int) (textEdit, int, bool) {
		return textEdit{toks[i].Pos, toks[end-1].End(), with}, end, true
	}
	call := tokIs(toks, end, "(")
	switch {
	case schema == "pg_catalog" && pgTableSet[name]:
		return edit(pgSchema+"."+name, end)
	case schema == "information_schema" && pgInfoSchemaSet[name]:
		return edit(pgSchema+".is_"+name, end)
	case !call:
		return textEdit{}, 0, false
	case pgFuncSet[name]:
		return edit(pgSchema+"."+name, end)
	case schema != "pg_catalog":
		return textEdit{}, 0, false
	case name == "pg_table_is_visible" || name == "obj_description":
		closing := sqltext.Closing(toks, end)
		if closing < 0 {
			return textEdit{}, 0, false
		}
		with := "NULL"
		if name == "pg_table_is_visible" {
			with = "true" // every table tarn lists is on the search path
		}
		return edit(with, closing+1)
	case name == "pg_size_pretty":
		return edit("format_bytes", end)
	}
	return edit(toks[i+2].Raw, end) // pg_catalog.f( is DuckDB's f(
}

// unqualified sends pgSchema's tables and functions named without a
// schema (psycopg2, SQLAlchemy) there too.
func unqualified(text string, toks []sqltext.Token, i int) (textEdit, int, bool) {
	t := toks[i]
	if t.Kind != sqltext.Word || tokIs(toks, i-1, ".") {
		return textEdit{}, 0, false
	}
	call := tokIs(toks, i+1, "(")
	switch n := t.Name(); {
	case pgTableSet[n] || call && pgFuncSet[n]:
		return textEdit{t.Pos, t.End(), pgSchema + "." + n}, i + 1, true
	case call && n == "json_build_object":
		return textEdit{t.Pos, t.End(), "json_object"}, i + 1, true
	}
	return textEdit{}, 0, false
}

// pgCast drops casts to reg* types (DuckDB's oids are plain numbers) and
// the pg_catalog qualifier of other cast types.
func pgCast(text string, toks []sqltext.Token, i int) (textEdit, int, bool) {
	if !toks[i].Is("::") || i+1 >= len(toks) {
		return textEdit{}, 0, false
	}
	typ := i + 1
	if toks[typ].Name() == "pg_catalog" && tokIs(toks, typ+1, ".") && typ+2 < len(toks) {
		typ += 2
	}
	if !isName(toks[typ]) {
		return textEdit{}, 0, false
	}
	if strings.HasPrefix(toks[typ].Name(), "reg") {
		return textEdit{toks[i].Pos, toks[typ].End(), ""}, typ + 1, true
	}
	if typ == i+1 {
		return textEdit{}, 0, false
	}
	return textEdit{toks[i].Pos, toks[typ].End(), "::" + toks[typ].Raw}, typ + 1, true
}

// pgOperator reads OPERATOR(pg_catalog.~) as ~.
func pgOperator(text string, toks []sqltext.Token, i int) (textEdit, int, bool) {
	if !toks[i].Is("OPERATOR") || !tokIs(toks, i+1, "(") || !tokIs(toks, i+2, "PG_CATALOG") || !tokIs(toks, i+3, ".") {
		return textEdit{}, 0, false
	}
	closing := sqltext.Closing(toks, i+1)
	if closing < i+5 {
		return textEdit{}, 0, false
	}
	op := text[toks[i+4].Pos:toks[closing-1].End()]
	switch op {
	case "~", "!~", "~*", "!~*", "=", "<>":
		return textEdit{toks[i].Pos, toks[closing].End(), " " + op + " "}, closing + 1, true
	}
	return textEdit{}, 0, false
}

// pgCollate drops COLLATE pg_catalog."default" and "C": DuckDB's default
// collation compares bytes, as C does.
func pgCollate(text string, toks []sqltext.Token, i int) (textEdit, int, bool) {
	if !toks[i].Is("COLLATE") || !tokIs(toks, i+1, "PG_CATALOG") || !tokIs(toks, i+2, ".") || i+3 >= len(toks) {
		return textEdit{}, 0, false
	}
	if n := strings.ToLower(toks[i+3].Text); isName(toks[i+3]) && (n == "default" || n == "c") {
		start := toks[i].Pos
		if i > 0 {
			start = toks[i-1].End()
		}
		return textEdit{start, toks[i+3].End(), ""}, i + 4, true
	}
	return textEdit{}, 0, false
}

// relkindViews lists views where tables are asked for (relkind IN ('r',
// 'p', …)): lake tables are DuckDB views, and psql's \dt should list them.
func relkindViews(text string, toks []sqltext.Token, i int) (textEdit, int, bool) {
	if !toks[i].Is("RELKIND") || !tokIs(toks, i+1, "IN") || !tokIs(toks, i+2, "(") {
		return textEdit{}, 0, false
	}
	closing := sqltext.Closing(toks, i+2)
	kinds := map[string]bool{}
	for _, t := range toks[i+3 : max(closing, i+3)] {
		if t.Kind == sqltext.String {
			kinds[t.Text] = true
		}
	}
	if closing < 0 || !kinds["r"] || !kinds["p"] || kinds["v"] {
		return textEdit{}, 0, false
	}
	at := toks[i+2].End()
	return textEdit{at, at, "'v',"}, i + 3, true
}

// anyArray reads x = ANY(array column) as list_contains: DuckDB reads
// ANY(…) as a subquery, which an outer join cannot take (SQLAlchemy's
// index lookup).
func anyArray(text string, toks []sqltext.Token, i int) (textEdit, int, bool) {
	if tokIs(toks, i-1, ".") {
		return textEdit{}, 0, false
	}
	left := dottedName(toks, i)
	if left == i || !tokIs(toks, left, "=") || !tokIs(toks, left+1, "ANY") || !tokIs(toks, left+2, "(") {
		return textEdit{}, 0, false
	}
	right := dottedName(toks, left+3)
	if right == left+3 || !tokIs(toks, right, ")") {
		return textEdit{}, 0, false
	}
	x := text[toks[i].Pos:toks[left-1].End()]
	list := text[toks[left+3].Pos:toks[right-1].End()]
	return textEdit{toks[i].Pos, toks[right].End(), "list_contains(" + list + ", " + x + ")"}, right + 1, true
}

// dottedName returns the index after the name a.b.c at toks[i], or i.
func dottedName(toks []sqltext.Token, i int) int {
	j := i
	for j < len(toks) && (isName(toks[j]) || toks[j].Kind == sqltext.Number && j == i) {
		j++
		if !tokIs(toks, j, ".") || j+1 >= len(toks) || !isName(toks[j+1]) {
			break
		}
		j++
	}
	return j
}

// tokIs reports whether toks[i] exists and is the word or operator w.
func tokIs(toks []sqltext.Token, i int, w string) bool {
	return i >= 0 && i < len(toks) && toks[i].Is(w)
}
