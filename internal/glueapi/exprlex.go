package glueapi

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The lexer of GetPartitions' Expression, a SQL WHERE clause over the
// partition keys (Glue parses it with JSQLParser).

type tokKind int

const (
	tEOF    tokKind = iota
	tIdent          // a key name or a keyword
	tQuoted         // a quoted key name: "x" or `x`, never a keyword
	tString         // 'text', text unescaped
	tNumber         // 12, -1.5, 2e3
	tOp             // = != <> < <= > >=
	tLParen
	tRParen
	tComma
)

type token struct {
	kind tokKind
	text string
	pos  int // byte offset in the expression
}

// exprError is a bad expression: what is wrong, and where.
type exprError struct {
	src string
	pos int // byte offset
	msg string
}

// Error gives the position as Glue users count it: characters from 1.
func (e *exprError) Error() string {
	pos := min(max(e.pos, 0), len(e.src))
	return fmt.Sprintf("at position %d: %s", utf8.RuneCountInString(e.src[:pos])+1, e.msg)
}

func lex(src string) ([]token, error) {
	var toks []token
	fail := func(pos int, format string, args ...any) error {
		return &exprError{src: src, pos: pos, msg: fmt.Sprintf(format, args...)}
	}
	for i := 0; i < len(src); {
		r, size := utf8.DecodeRuneInString(src[i:])
		start := i
		switch {
		case r == utf8.RuneError && size == 1:
			return nil, fail(i, "the expression is not valid UTF-8")
		case unicode.IsSpace(r):
			i += size
		case r == '(' || r == ')' || r == ',':
			kind := map[rune]tokKind{'(': tLParen, ')': tRParen, ',': tComma}[r]
			toks = append(toks, token{kind, string(r), i})
			i++
		case strings.ContainsRune("=!<>", r):
			op := src[i : i+1]
			if i+1 < len(src) && (r != '=' && src[i+1] == '=' || r == '<' && src[i+1] == '>') {
				op = src[i : i+2]
			}
			if op == "!" {
				return nil, fail(i, "'!' must be followed by '='")
			}
			toks = append(toks, token{tOp, op, i})
			i += len(op)
		case r == '\'':
			var b strings.Builder
			for i++; ; i++ {
				if i >= len(src) {
					return nil, fail(start, "the string starting here is not closed with '")
				}
				if src[i] == '\'' {
					if i+1 < len(src) && src[i+1] == '\'' { // '' is a quote
						b.WriteByte('\'')
						i++
						continue
					}
					i++
					break
				}
				b.WriteByte(src[i])
			}
			toks = append(toks, token{tString, b.String(), start})
		case r == '"' || r == '`':
			end := strings.IndexRune(src[i+1:], r)
			if end < 0 {
				return nil, fail(start, "the quoted name starting here is not closed with %c", r)
			}
			toks = append(toks, token{tQuoted, src[i+1 : i+1+end], start})
			i += end + 2
		case isDigit(r) || r == '.' || (r == '-' || r == '+') && i+1 < len(src) && (isDigit(rune(src[i+1])) || src[i+1] == '.'):
			n := numberLen(src[i:])
			if n == 0 {
				return nil, fail(i, "%q is not a number", src[i:i+1])
			}
			toks = append(toks, token{tNumber, src[i : i+n], start})
			i += n
		case unicode.IsLetter(r) || r == '_':
			for i < len(src) {
				r, size := utf8.DecodeRuneInString(src[i:])
				if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' {
					break
				}
				i += size
			}
			toks = append(toks, token{tIdent, src[start:i], start})
		default:
			return nil, fail(i, "unexpected character %q", r)
		}
	}
	return append(toks, token{tEOF, "", len(src)}), nil
}

func isDigit(r rune) bool { return '0' <= r && r <= '9' }

// numberLen is the length of the numeric literal s starts with, 0 if none:
// [+-] digits [. digits] [e [+-] digits], with digits on one side of the point.
func numberLen(s string) int {
	i := 0
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(s) && isDigit(rune(s[i])) {
			i++
			n++
		}
		return n
	}
	n := digits()
	if i < len(s) && s[i] == '.' {
		i++
		n += digits()
	}
	if n == 0 {
		return 0
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i
		i++
		if i < len(s) && (s[i] == '-' || s[i] == '+') {
			i++
		}
		if digits() == 0 {
			i = j // "2e" is the number 2 followed by a name
		}
	}
	return i
}
