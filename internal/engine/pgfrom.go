package engine

import (
	"strings"

	"github.com/tarnlake/tarn/internal/query/sqltext"
)

// In PostgreSQL a function in FROM is a relation whose one column is named
// by the alias: FROM generate_series(1, 3) AS i yields a column i, and
// FROM string_to_array('a,b', ',') s a row with the array s (Grafana lists
// tables so, indexing s[i]). DuckDB names generate_series's column after
// the function and has no string_to_array relation, so in statements that
// read the catalogs these become generate_series(…) AS i(i) and
// (SELECT string_to_array(…) AS s) s.
var pgFromFuncs = map[string]bool{"generate_series": true, "string_to_array": true}

// pgClauseWords end or start the clause a word is in; FROM and JOIN open
// the FROM list.
var pgClauseWords = map[string]bool{
	"SELECT": true, "WHERE": true, "GROUP": true, "ORDER": true, "HAVING": true, "LIMIT": true, "UNION": true,
	"EXCEPT": true, "INTERSECT": true, "ON": true, "USING": true, "WINDOW": true, "QUALIFY": true, "VALUES": true,
}

// pgNotAlias are words that may follow a FROM item without being its alias.
var pgNotAlias = map[string]bool{
	"WHERE": true, "JOIN": true, "LEFT": true, "RIGHT": true, "INNER": true, "FULL": true, "CROSS": true,
	"NATURAL": true, "ON": true, "USING": true, "GROUP": true, "ORDER": true, "HAVING": true, "LIMIT": true,
	"UNION": true, "EXCEPT": true, "INTERSECT": true, "WITH": true, "WINDOW": true, "OFFSET": true,
}

func pgFromFunctions(text string) string {
	lower := strings.ToLower(text)
	if !strings.Contains(lower, "generate_series") && !strings.Contains(lower, "string_to_array") {
		return text
	}
	toks, err := sqltext.Lex(text)
	if err != nil {
		return text
	}
	var edits []textEdit
	inFrom := map[int]bool{}
	depth := 0
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch {
		case t.Is("("):
			depth++
			inFrom[depth] = false
		case t.Is(")"):
			depth--
		case t.Kind != sqltext.Word:
		case t.Text == "FROM" || t.Text == "JOIN":
			inFrom[depth] = true
		case pgClauseWords[t.Text]:
			inFrom[depth] = false
		case inFrom[depth] && pgFromFuncs[t.Name()]:
			if end, with, ok := fromFunction(text, toks, i); ok {
				edits = append(edits, textEdit{t.Pos, toks[end].End(), with})
				i = end
			}
		}
	}
	return applyEdits(text, edits)
}

// fromFunction reads name(…) [AS] alias from toks[i] and returns the
// alias's token and the call's PostgreSQL meaning in DuckDB's words.
func fromFunction(text string, toks []sqltext.Token, i int) (int, string, bool) {
	if i+1 >= len(toks) || !toks[i+1].Is("(") {
		return 0, "", false
	}
	end := sqltext.Closing(toks, i+1)
	if end < 0 {
		return 0, "", false
	}
	a := end + 1
	if a < len(toks) && toks[a].Is("AS") {
		a++
	}
	if a >= len(toks) || toks[a].Kind != sqltext.Word || pgNotAlias[toks[a].Text] {
		return 0, "", false
	}
	if a+1 < len(toks) && toks[a+1].Is("(") {
		return 0, "", false // it names its columns already
	}
	call, alias := text[toks[i].Pos:toks[end].End()], toks[a].Raw
	if toks[i].Name() == "generate_series" {
		return a, call + " AS " + alias + "(" + alias + ")", true
	}
	return a, "(SELECT " + call + " AS " + alias + ") " + alias, true
}

// textEdit replaces text[start:end] with with.
type textEdit struct {
	start, end int
	with       string
}

// applyEdits makes edits, which are in order and do not overlap.
func applyEdits(text string, edits []textEdit) string {
	if len(edits) == 0 {
		return text
	}
	var b strings.Builder
	at := 0
	for _, e := range edits {
		b.WriteString(text[at:e.start])
		// Spaced, so that what is left on either side never joins into a
		// new token (two '-' into a comment, say).
		b.WriteString(" " + e.with + " ")
		at = e.end
	}
	b.WriteString(text[at:])
	return b.String()
}
