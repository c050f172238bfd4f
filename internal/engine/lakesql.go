package engine

import (
	"strings"

	"github.com/tarnlake/tarn/internal/query/sqltext"
)

// lakeStmt is a statement tarn writes into the lake itself: Athena's
// CTAS (CREATE TABLE db.t WITH (external_location = 's3://…',
// partitioned_by = ARRAY['k']) AS SELECT …), INSERT INTO a table, or
// UNLOAD (SELECT …) TO 's3://…' [WITH (…)].
type lakeStmt struct {
	kind        string   // "CTAS", "INSERT" or "UNLOAD"
	ifNotExists bool     // CTAS
	target      []string // CTAS, INSERT: the table's name, [db,] table
	with        withProps
	location    string // UNLOAD
	sel         string // the query, as written
}

// withProps is what CTAS and UNLOAD read of their WITH (…) clause.
type withProps struct {
	format   string // lower case; "" when not given
	location string // external_location
	parts    []string
}

// parseLakeStmt reads st as a lakeStmt; ok is false for other statements.
func parseLakeStmt(st sqltext.Statement) (l lakeStmt, ok bool) {
	toks := st.Tokens
	at := func(i int, w string) bool { return i < len(toks) && toks[i].Is(w) }
	rest := func(i int) string { return st.Text[toks[i].Pos-st.Pos:] }
	switch {
	case at(0, "CREATE") && at(1, "TABLE"):
		l.kind = "CTAS"
		i := 2
		if at(i, "IF") && at(i+1, "NOT") && at(i+2, "EXISTS") {
			l.ifNotExists, i = true, i+3
		}
		if l.target, i = name(toks, i); l.target == nil || !at(i, "WITH") || !at(i+1, "(") {
			return l, false
		}
		end := sqltext.Closing(toks, i+1)
		if end < 0 || !at(end+1, "AS") || end+2 >= len(toks) {
			return l, false
		}
		l.with, l.sel = parseWith(toks[i+2:end]), rest(end+2)
	case at(0, "INSERT") && at(1, "INTO"):
		l.kind = "INSERT"
		var i int
		if l.target, i = name(toks, 2); l.target == nil || i >= len(toks) {
			return l, false
		}
		if !at(i, "SELECT") && !at(i, "WITH") && !at(i, "VALUES") && !at(i, "FROM") && !at(i, "(") {
			return l, false
		}
		l.sel = rest(i)
	case at(0, "UNLOAD") && at(1, "("):
		l.kind = "UNLOAD"
		end := sqltext.Closing(toks, 1)
		if end < 0 || !at(end+1, "TO") || end+2 >= len(toks) || toks[end+2].Kind != sqltext.String {
			return l, false
		}
		l.sel = st.Text[toks[2].Pos-st.Pos : toks[end].Pos-st.Pos]
		l.location = toks[end+2].Text
		if i := end + 3; at(i, "WITH") && at(i+1, "(") {
			close := sqltext.Closing(toks, i+1)
			if close < 0 {
				return l, false
			}
			l.with = parseWith(toks[i+2 : close])
			end = close
		} else {
			end += 2
		}
		if end+1 != len(toks) {
			return l, false
		}
	default:
		return l, false
	}
	return l, true
}

// name reads a dotted name at toks[i] and returns its parts, lower case
// unless quoted, and the index after it.
func name(toks []sqltext.Token, i int) ([]string, int) {
	var parts []string
	for i < len(toks) && isName(toks[i]) {
		parts = append(parts, toks[i].Name())
		if i+1 < len(toks) && toks[i+1].Is(".") {
			i += 2
			continue
		}
		return parts, i + 1
	}
	return nil, i
}

// parseWith reads key = value pairs: a string, a word or ARRAY['a', …].
func parseWith(toks []sqltext.Token) withProps {
	var w withProps
	for i := 0; i+2 < len(toks); i++ {
		if !isName(toks[i]) || !toks[i+1].Is("=") {
			continue
		}
		key, v := toks[i].Name(), toks[i+2]
		switch key {
		case "format":
			w.format = strings.ToLower(v.Text)
		case "external_location":
			w.location = v.Text
		case "partitioned_by":
			if v.Is("ARRAY") && i+3 < len(toks) && toks[i+3].Is("[") {
				for j := i + 4; j < len(toks) && !toks[j].Is("]"); j++ {
					if toks[j].Kind == sqltext.String {
						w.parts = append(w.parts, strings.ToLower(toks[j].Text))
					}
				}
			}
		}
	}
	return w
}
