package pgwire

import (
	"strings"
	"unicode/utf8"
)

// Token kinds of the small SQL lexer used to split query strings and to
// recognise COPY and transaction control statements.
const (
	tSpace   = ' '
	tComment = '-'
	tString  = '\'' // '…', E'…' or $tag$…$tag$
	tQuoted  = '"'  // "identifier"
	tWord    = 'w'  // keyword, identifier, number or $n
	tPunct   = 'p'  // any other single character
)

type token struct {
	kind       byte
	start, end int
}

// scan returns the kind and end of the token starting at s[i].
// Unterminated strings and comments run to the end of s; the engine
// reports those.
func scan(s string, i int) (byte, int) {
	ch := s[i]
	switch {
	case ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v':
		j := i + 1
		for j < len(s) && strings.IndexByte(" \t\n\r\f\v", s[j]) >= 0 {
			j++
		}
		return tSpace, j
	case strings.HasPrefix(s[i:], "--"):
		j := strings.IndexByte(s[i:], '\n')
		if j < 0 {
			return tComment, len(s)
		}
		return tComment, i + j + 1
	case strings.HasPrefix(s[i:], "/*"):
		depth, j := 1, i+2 // block comments nest
		for j < len(s) && depth > 0 {
			switch {
			case strings.HasPrefix(s[j:], "/*"):
				depth, j = depth+1, j+2
			case strings.HasPrefix(s[j:], "*/"):
				depth, j = depth-1, j+2
			default:
				j++
			}
		}
		return tComment, j
	case ch == '\'':
		return tString, quoted(s, i+1, '\'', false)
	case ch == '"':
		return tQuoted, quoted(s, i+1, '"', false)
	case (ch == 'E' || ch == 'e') && i+1 < len(s) && s[i+1] == '\'':
		return tString, quoted(s, i+2, '\'', true)
	case ch == '$':
		if end, ok := dollarQuoted(s, i); ok {
			return tString, end
		}
		j := i + 1
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j > i+1 {
			return tWord, j
		}
		return tPunct, i + 1
	case wordByte(ch) || ch >= utf8.RuneSelf:
		j := i + 1
		for j < len(s) && (wordByte(s[j]) || s[j] == '$' || s[j] >= utf8.RuneSelf) {
			j++
		}
		return tWord, j
	}
	return tPunct, i + 1
}

func wordByte(ch byte) bool {
	return ch == '_' || ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9'
}

// quoted returns the end of a quoted string whose body starts at i; a
// doubled quote is an escaped one, and so is a backslash in E-strings.
func quoted(s string, i int, q byte, backslash bool) int {
	for i < len(s) {
		switch s[i] {
		case '\\':
			if backslash {
				i++
			}
		case q:
			if i+1 < len(s) && s[i+1] == q {
				i++
			} else {
				return i + 1
			}
		}
		i++
	}
	return len(s)
}

// dollarQuoted recognises $tag$…$tag$ starting at s[i].
func dollarQuoted(s string, i int) (int, bool) {
	j := i + 1
	for j < len(s) && (wordByte(s[j]) || s[j] >= utf8.RuneSelf) {
		if j == i+1 && s[j] >= '0' && s[j] <= '9' {
			return 0, false // $1 is a parameter
		}
		j++
	}
	if j >= len(s) || s[j] != '$' {
		return 0, false
	}
	tag := s[i : j+1]
	k := strings.Index(s[j+1:], tag)
	if k < 0 {
		return len(s), true
	}
	return j + 1 + k + len(tag), true
}

// lex returns the tokens of s other than spaces and comments.
func lex(s string) []token {
	var out []token
	for i := 0; i < len(s); {
		kind, end := scan(s, i)
		if kind != tSpace && kind != tComment {
			out = append(out, token{kind, i, end})
		}
		i = end
	}
	return out
}

// stmt is one statement of a query string and where it starts in it.
type stmt struct {
	sql    string
	offset int // in characters, for error positions
}

// splitStatements splits a simple query's string at semicolons outside
// quotes, comments and dollar quotes, dropping empty statements.
func splitStatements(s string) []stmt {
	var out []stmt
	first := -1 // where the current statement's first token starts
	flush := func(end int) {
		if first >= 0 {
			sql := strings.TrimRight(s[first:end], " \t\n\r\f\v")
			out = append(out, stmt{sql, utf8.RuneCountInString(s[:first])})
		}
		first = -1
	}
	for i := 0; i < len(s); {
		kind, end := scan(s, i)
		switch {
		case kind == tPunct && s[i] == ';':
			flush(i)
		case kind != tSpace && kind != tComment && first < 0:
			first = i // leading comments are not part of the statement
		}
		i = end
	}
	flush(len(s))
	return out
}

// firstWord returns a statement's first keyword in upper case.
func firstWord(sql string) string {
	toks := lex(sql)
	if len(toks) == 0 || toks[0].kind != tWord {
		return ""
	}
	return strings.ToUpper(sql[toks[0].start:toks[0].end])
}
