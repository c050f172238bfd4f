// Package sqltext reads SQL text the way PostgreSQL and DuckDB do, without
// parsing it: tokens (words, quoted identifiers, strings, numbers,
// placeholders, operators), statements split at top-level semicolons, and
// what kind of statement each is. It is the one scanner of SQL text in
// tarn; comments (nested /* */ and --), E” strings and dollar quotes are
// skipped where they must be.
package sqltext

import (
	"fmt"
	"strings"
)

// Kind is a token's kind.
type Kind int

const (
	Word   Kind = iota // keyword or unquoted identifier
	Ident              // "quoted identifier" (Text is unquoted)
	String             // 'string', E'string', $$string$$ (Text is the value)
	Number
	Param // $1 or ?
	Op    // punctuation and operators: ( ) , ; . :: = <> …
)

// Token is one token of a statement.
type Token struct {
	Kind Kind
	Text string // a Word upper-cased; quotes removed from Ident and String
	Raw  string // the token as written
	Pos  int    // byte offset in the text
}

// Is reports whether t is the word w (upper case) or the operator w.
func (t Token) Is(w string) bool { return (t.Kind == Word || t.Kind == Op) && t.Text == w }

// Name is t as an identifier: a Word lower-cased (as PostgreSQL folds it),
// an Ident as written.
func (t Token) Name() string {
	if t.Kind == Word {
		return strings.ToLower(t.Raw)
	}
	return t.Text
}

// Error is text that does not scan: an unterminated quote or comment.
type Error struct {
	Pos int
	Msg string
}

func (e *Error) Error() string { return fmt.Sprintf("%s at byte %d", e.Msg, e.Pos) }

// Dialect is the SQL a text is read as.
type Dialect int

const (
	// PostgreSQL is PostgreSQL's and DuckDB's SQL, tarn's own.
	PostgreSQL Dialect = iota
	// Hive is Athena's DDL: `backticks` quote identifiers; '…' and "…" are
	// strings with Hive's backslash escapes (an Ident token of Kind String
	// whose Raw starts with '"' may be taken as a name where Hive takes
	// one); no E'' strings, dollar quotes or $n placeholders.
	Hive
)

// Lex returns the tokens of text, comments left out.
func Lex(text string) ([]Token, error) {
	toks, err := lex(text, -1, PostgreSQL)
	if err != nil {
		return nil, err
	}
	return toks, nil
}

// LexDialect returns the tokens of text read as d; on an error, with the
// tokens before it.
func LexDialect(text string, d Dialect) ([]Token, error) { return lex(text, -1, d) }

// Leading returns up to n first tokens of text, reading no further; fewer
// when text ends, or does not scan, before them.
func Leading(text string, n int) []Token {
	toks, _ := lex(text, n, PostgreSQL)
	return toks
}

// lex reads up to n tokens (all when n < 0); on an error it returns the
// tokens read before it.
func lex(text string, n int, d Dialect) ([]Token, error) {
	hive := d == Hive
	var toks []Token
	for i := 0; i < len(text) && len(toks) != n; {
		c := text[i]
		switch {
		case hive && (c == '\'' || c == '"' || c == '`'):
			kind := String
			if c == '`' {
				kind = Ident
			}
			val, end, err := hiveQuoted(text, i)
			if err != nil {
				return toks, err
			}
			toks = append(toks, Token{kind, val, text[i:end], i})
			i = end
		case hive && c == '$':
			toks = append(toks, Token{Op, "$", "$", i})
			i++
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			i++
		case c == '-' && strings.HasPrefix(text[i:], "--"):
			// To the end of the line, which \r ends too, as in
			// PostgreSQL's and DuckDB's scanners: what follows a \r is
			// a statement to them, so it is one here.
			end := strings.IndexAny(text[i:], "\n\r")
			if end < 0 {
				return toks, nil
			}
			i += end + 1
		case c == '/' && strings.HasPrefix(text[i:], "/*"):
			end, err := blockComment(text, i)
			if err != nil {
				return toks, err
			}
			i = end
		case c == '\'':
			val, end, err := quoted(text, i, '\'', false)
			if err != nil {
				return toks, err
			}
			toks = append(toks, Token{String, val, text[i:end], i})
			i = end
		case !hive && (c == 'E' || c == 'e') && i+1 < len(text) && text[i+1] == '\'':
			val, end, err := quoted(text, i+1, '\'', true)
			if err != nil {
				return toks, err
			}
			toks = append(toks, Token{String, val, text[i:end], i})
			i = end
		case c == '"':
			val, end, err := quoted(text, i, '"', false)
			if err != nil {
				return toks, err
			}
			toks = append(toks, Token{Ident, val, text[i:end], i})
			i = end
		case c == '$' && i+1 < len(text) && isDigit(text[i+1]):
			end := i + 1
			for end < len(text) && isDigit(text[end]) {
				end++
			}
			toks = append(toks, Token{Param, text[i:end], text[i:end], i})
			i = end
		case c == '$':
			tag, ok := dollarTag(text[i:])
			if !ok {
				toks = append(toks, Token{Op, "$", "$", i})
				i++
				continue
			}
			body := i + len(tag)
			end := strings.Index(text[body:], tag)
			if end < 0 {
				return toks, &Error{i, "unterminated dollar-quoted string"}
			}
			toks = append(toks, Token{String, text[body : body+end], text[i : body+end+len(tag)], i})
			i = body + end + len(tag)
		case c == '?':
			toks = append(toks, Token{Param, "?", "?", i})
			i++
		case isDigit(c) || c == '.' && i+1 < len(text) && isDigit(text[i+1]):
			end := i
			for end < len(text) && (isWordByte(text[end]) || text[end] == '.' ||
				(text[end] == '+' || text[end] == '-') && (text[end-1] == 'e' || text[end-1] == 'E')) {
				end++
			}
			toks = append(toks, Token{Number, text[i:end], text[i:end], i})
			i = end
		case isWordByte(c) || c >= 0x80:
			end := i
			for end < len(text) && (isWordByte(text[end]) || text[end] >= 0x80 || text[end] == '$') {
				end++
			}
			toks = append(toks, Token{Word, strings.ToUpper(text[i:end]), text[i:end], i})
			i = end
		default:
			end := i + 1
			if two := text[i:min(i+2, len(text))]; two == "::" || two == "<>" || two == "!=" || two == "<=" || two == ">=" || two == "||" || two == "->" {
				end = i + 2
			}
			toks = append(toks, Token{Op, text[i:end], text[i:end], i})
			i = end
		}
	}
	return toks, nil
}

// blockComment returns the end of the /* */ comment at i; they nest.
func blockComment(text string, i int) (int, error) {
	depth := 0
	for j := i; j+1 < len(text); {
		switch text[j : j+2] {
		case "/*":
			depth++
			j += 2
		case "*/":
			depth--
			j += 2
			if depth == 0 {
				return j, nil
			}
		default:
			j++
		}
	}
	return 0, &Error{i, "unterminated /* comment"}
}

// quoted reads the string or identifier quoted with q at i (a doubled
// quote stands for itself; with escapes, backslash escapes the next byte
// as in E” strings) and returns its value and end.
func quoted(text string, i int, q byte, escapes bool) (string, int, error) {
	var b strings.Builder
	for j := i + 1; j < len(text); j++ {
		c := text[j]
		switch {
		case escapes && c == '\\' && j+1 < len(text):
			j++
			b.WriteByte(unescape(text[j]))
		case c == q && j+1 < len(text) && text[j+1] == q:
			b.WriteByte(q)
			j++
		case c == q:
			return b.String(), j + 1, nil
		default:
			b.WriteByte(c)
		}
	}
	what := "quoted string"
	if q == '"' {
		what = "quoted identifier"
	}
	return "", 0, &Error{i, "unterminated " + what}
}

func unescape(c byte) byte {
	switch c {
	case 'n':
		return '\n'
	case 't':
		return '\t'
	case 'r':
		return '\r'
	case 'b':
		return '\b'
	case 'f':
		return '\f'
	}
	return c
}

// dollarTag returns the $tag$ that opens s, if it does. A tag's bytes are
// PostgreSQL's: letters, digits (not first), _ and any byte of a
// multibyte character.
func dollarTag(s string) (string, bool) {
	for j := 1; j < len(s); j++ {
		if s[j] == '$' {
			return s[:j+1], true
		}
		if !isWordByte(s[j]) && s[j] < 0x80 || j == 1 && isDigit(s[j]) {
			return "", false
		}
	}
	return "", false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isWordByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// Statement is one statement of a text: its tokens and where it lies.
type Statement struct {
	Tokens []Token
	Text   string // as written from its first token, without its semicolon
	Pos    int    // byte offset of its first token in the text
}

// Split splits text into its statements at top-level semicolons; empty
// statements are left out.
func Split(text string) ([]Statement, error) {
	toks, err := Lex(text)
	if err != nil {
		return nil, err
	}
	var out []Statement
	start, depth := 0, 0
	flush := func(end, next int) {
		if start < end {
			pos := toks[start].Pos
			out = append(out, Statement{Tokens: toks[start:end], Text: strings.TrimRight(text[pos:next], " \t\n\r\f\v"), Pos: pos})
		}
	}
	for i, t := range toks {
		switch {
		case t.Is("(") || t.Is("["):
			depth++
		case t.Is(")") || t.Is("]"):
			depth--
		case t.Is(";") && depth <= 0:
			flush(i, t.Pos)
			start, depth = i+1, 0
		}
	}
	flush(len(toks), len(text))
	return out, nil
}

// End is the byte offset just past t.
func (t Token) End() int { return t.Pos + len(t.Raw) }

// Closing returns the index of the bracket that closes the one at
// toks[open] ("(" or "["), or -1 when none does.
func Closing(toks []Token, open int) int {
	depth := 0
	for i := open; i < len(toks); i++ {
		switch {
		case toks[i].Is("(") || toks[i].Is("["):
			depth++
		case toks[i].Is(")") || toks[i].Is("]"):
			if depth--; depth == 0 {
				return i
			}
		}
	}
	return -1
}

// Depth is the deepest nesting of brackets in the tokens.
func Depth(toks []Token) int {
	d, most := 0, 0
	for _, t := range toks {
		switch {
		case t.Is("(") || t.Is("["):
			d++
			most = max(most, d)
		case t.Is(")") || t.Is("]"):
			d--
		}
	}
	return most
}

// QuoteIdent quotes a name as an SQL identifier ("a""b").
func QuoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// QuoteString quotes s as an SQL string literal, its quotes doubled.
func QuoteString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
