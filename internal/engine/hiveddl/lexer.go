package hiveddl

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

type tokKind uint8

const (
	tkEOF      tokKind = iota
	tkWord             // bare identifier or keyword
	tkBacktick         // `identifier`: Hive-only syntax
	tkDQuoted          // "identifier", or a string where Hive expects one
	tkString           // 'string'
	tkNumber           // 123 or 1.5
	tkSymbol           // one punctuation character
	tkError            // what the lexer could not read; always last
)

type token struct {
	kind tokKind
	text string // as written, quotes included
	off  int    // byte offset in the statement
	err  string // tkError only
}

// lex splits src into tokens ending with tkEOF or tkError. It never fails
// outright: a statement that is not Hive DDL may hold syntax this lexer does
// not know, and only the parser decides whether that matters.
func lex(src string) []token {
	var toks []token
	i := 0
	for {
		i = skipBlank(src, i)
		if i < 0 {
			return append(toks, token{kind: tkError, off: -i - 1, err: "unterminated /* comment"})
		}
		if i >= len(src) {
			return append(toks, token{kind: tkEOF, off: len(src)})
		}
		t := next(src, i)
		toks = append(toks, t)
		if t.kind == tkError {
			return toks
		}
		i += len(t.text)
	}
}

// skipBlank skips white space and comments; -(start+1) for an unterminated
// block comment.
func skipBlank(src string, i int) int {
	for i < len(src) {
		switch r, n := utf8.DecodeRuneInString(src[i:]); {
		case unicode.IsSpace(r):
			i += n
		case strings.HasPrefix(src[i:], "--"):
			end := strings.IndexByte(src[i:], '\n')
			if end < 0 {
				return len(src)
			}
			i += end + 1
		case strings.HasPrefix(src[i:], "/*"):
			end := strings.Index(src[i+2:], "*/")
			if end < 0 {
				return -i - 1
			}
			i += end + 4
		default:
			return i
		}
	}
	return i
}

func next(src string, i int) token {
	c := src[i]
	switch {
	case c == '`' || c == '"' || c == '\'':
		kind, what := tkString, "string"
		if c == '"' {
			kind, what = tkDQuoted, "identifier"
		} else if c == '`' {
			kind, what = tkBacktick, "identifier"
		}
		end := closeQuote(src, i, c)
		if end < 0 {
			return token{kind: tkError, off: i, err: "unterminated quoted " + what}
		}
		return token{kind: kind, text: src[i:end], off: i}
	case isWordRune(src, i):
		j := i
		for j < len(src) {
			if r, n := utf8.DecodeRuneInString(src[j:]); isWordRune(src, j) {
				j += n
			} else if r == '.' && c >= '0' && c <= '9' && j+1 < len(src) && src[j+1] >= '0' && src[j+1] <= '9' {
				j++ // the point of a decimal number
			} else {
				break
			}
		}
		if _, err := strconv.ParseFloat(src[i:j], 64); err == nil && c >= '0' && c <= '9' {
			return token{kind: tkNumber, text: src[i:j], off: i}
		}
		return token{kind: tkWord, text: src[i:j], off: i} // 123abc: Hive allows it
	}
	_, n := utf8.DecodeRuneInString(src[i:])
	return token{kind: tkSymbol, text: src[i : i+n], off: i}
}

func isWordRune(src string, i int) bool {
	r, _ := utf8.DecodeRuneInString(src[i:])
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// closeQuote returns the offset just past the quote closing the one at i, or
// -1. A doubled quote stands for itself; in strings a backslash escapes the
// next character, as in Hive.
func closeQuote(src string, i int, q byte) int {
	for j := i + 1; j < len(src); j++ {
		switch {
		case src[j] == '\\' && q != '`':
			j++
		case src[j] == q && j+1 < len(src) && src[j+1] == q:
			j++
		case src[j] == q:
			return j + 1
		}
	}
	return -1
}

// identValue is the name a word or quoted identifier stands for.
func identValue(t token) string {
	switch t.kind {
	case tkBacktick:
		return strings.ReplaceAll(t.text[1:len(t.text)-1], "``", "`")
	case tkDQuoted:
		return strings.ReplaceAll(t.text[1:len(t.text)-1], `""`, `"`)
	}
	return t.text
}

// stringValue decodes a string literal with Hive's escapes: \n, \t, \\,
// \', \0NN octal, \uXXXX; \% and \_ keep their backslash (LIKE patterns).
func stringValue(t token) string {
	q := t.text[0]
	s := t.text[1 : len(t.text)-1]
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == q && i+1 < len(s) && s[i+1] == q {
			b.WriteByte(q)
			i++
			continue
		}
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		if s[i+1] == 'u' && i+6 <= len(s) {
			if r, err := strconv.ParseUint(s[i+2:i+6], 16, 16); err == nil {
				b.WriteRune(rune(r))
				i += 5
				continue
			}
		}
		if i+4 <= len(s) && (s[i+1] == '0' || s[i+1] == '1') && isOctal(s[i+2]) && isOctal(s[i+3]) {
			b.WriteByte((s[i+1]-'0')<<6 | (s[i+2]-'0')<<3 | (s[i+3] - '0'))
			i += 3
			continue
		}
		i++
		switch s[i] {
		case '0':
			b.WriteByte(0)
		case 'b':
			b.WriteByte('\b')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'Z':
			b.WriteByte(0x1a)
		case '%', '_':
			b.WriteByte('\\')
			b.WriteByte(s[i])
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

func isOctal(c byte) bool { return c >= '0' && c <= '7' }

// quoteString writes s as a literal stringValue reads back unchanged.
func quoteString(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for _, r := range s {
		switch {
		case r == '\\' || r == '\'':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < ' ' || r == 0x7f:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

// quoteIdent writes a name in backticks, as Hive's SHOW CREATE TABLE does.
func quoteIdent(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }
