package pgwire

import (
	"strings"
	"unicode/utf8"

	"github.com/tarnlake/tarn/internal/query/sqltext"
)

// stmt is one statement of a query string and where it starts in it.
type stmt struct {
	sql    string
	offset int // in characters, for error positions
}

// splitStatements splits a simple query's string at semicolons outside
// quotes, comments and dollar quotes, dropping empty statements and
// leading comments. A string that does not scan (an unterminated quote)
// is one statement, for the engine to report.
func splitStatements(s string) []stmt {
	stmts, err := sqltext.Split(s)
	if err != nil {
		if t := strings.TrimSpace(s); t != "" {
			start := strings.Index(s, t)
			return []stmt{{t, utf8.RuneCountInString(s[:start])}}
		}
		return nil
	}
	var out []stmt
	for _, st := range stmts {
		out = append(out, stmt{st.Text, utf8.RuneCountInString(s[:st.Pos])})
	}
	return out
}

// words returns the statement's tokens; nil when it does not scan.
func words(sql string) []sqltext.Token {
	toks, err := sqltext.Lex(sql)
	if err != nil {
		return nil
	}
	return toks
}

// firstWord returns a statement's first keyword in upper case.
func firstWord(sql string) string {
	if toks := words(sql); len(toks) > 0 && toks[0].Kind == sqltext.Word {
		return toks[0].Text
	}
	return ""
}
