package engine

import (
	"strings"
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
	var edits []textEdit
	inFrom := map[int]bool{}
	depth := 0
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case c == '\'' || c == '"':
			j, ok := endQuoted(text, i+1, c, false)
			if !ok {
				return text
			}
			i = j
		case c == '-' && strings.HasPrefix(text[i:], "--"):
			j := strings.IndexByte(text[i:], '\n')
			if j < 0 {
				return applyEdits(text, edits)
			}
			i += j
		case c == '(':
			depth++
			inFrom[depth] = false
			i++
		case c == ')':
			depth--
			i++
		case identStart(c):
			j := i + 1
			for j < len(text) && identChar(text[j]) {
				j++
			}
			word := text[i:j]
			up := strings.ToUpper(word)
			switch {
			case up == "FROM" || up == "JOIN":
				inFrom[depth] = true
			case pgClauseWords[up]:
				inFrom[depth] = false
			case inFrom[depth] && pgFromFuncs[strings.ToLower(word)]:
				if end, with, ok := fromFunction(text, i, j, strings.ToLower(word)); ok {
					edits = append(edits, textEdit{i, end, with})
					j = end
				}
			}
			i = j
		default:
			i++
		}
	}
	return applyEdits(text, edits)
}

// fromFunction reads name(…) [AS] alias at text[start:], the name ending
// at nameEnd, and returns where it ends and its PostgreSQL meaning in
// DuckDB's words.
func fromFunction(text string, start, nameEnd int, name string) (int, string, bool) {
	k := skipSpace(text, nameEnd)
	if k >= len(text) || text[k] != '(' {
		return 0, "", false
	}
	end := matchParen(text, k)
	if end < 0 {
		return 0, "", false
	}
	aliasStart := skipSpace(text, end+1)
	if w, e := wordAt(text, aliasStart); strings.EqualFold(w, "AS") {
		aliasStart = skipSpace(text, e)
	}
	alias, aliasEnd := wordAt(text, aliasStart)
	if alias == "" || pgNotAlias[strings.ToUpper(alias)] {
		return 0, "", false
	}
	if n := skipSpace(text, aliasEnd); n < len(text) && text[n] == '(' {
		return 0, "", false // it names its columns already
	}
	call := text[start : end+1]
	if name == "generate_series" {
		return aliasEnd, call + " AS " + alias + "(" + alias + ")", true
	}
	return aliasEnd, "(SELECT " + call + " AS " + alias + ") " + alias, true
}

func skipSpace(text string, i int) int {
	for i < len(text) && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r') {
		i++
	}
	return i
}

// wordAt returns the identifier at text[i:] and where it ends.
func wordAt(text string, i int) (string, int) {
	if i >= len(text) || !identStart(text[i]) {
		return "", i
	}
	j := i + 1
	for j < len(text) && identChar(text[j]) {
		j++
	}
	return text[i:j], j
}

// matchParen returns the index of the parenthesis closing text[open].
func matchParen(text string, open int) int {
	depth := 0
	for i := open; i < len(text); i++ {
		switch text[i] {
		case '\'', '"':
			j, ok := endQuoted(text, i+1, text[i], false)
			if !ok {
				return -1
			}
			i = j - 1
		case '(':
			depth++
		case ')':
			if depth--; depth == 0 {
				return i
			}
		}
	}
	return -1
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
		b.WriteString(e.with)
		at = e.end
	}
	b.WriteString(text[at:])
	return b.String()
}
