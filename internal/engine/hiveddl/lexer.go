package hiveddl

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/tarnlake/tarn/internal/query/sqltext"
)

type tokKind uint8

const (
	tkEOF      tokKind = iota
	tkWord             // bare identifier or keyword
	tkBacktick         // `identifier`: Hive-only syntax
	tkDQuoted          // "identifier", or a string where Hive expects one
	tkString           // 'string'
	tkNumber           // 123 or 1.5
	tkSymbol           // punctuation: a character, or an operator such as <>
	tkError            // what the lexer could not read; always last
)

type token struct {
	kind  tokKind
	text  string // as written, quotes included
	value string // an identifier's or string's value, quotes and escapes undone
	off   int    // byte offset in the statement
	err   string // tkError only
}

// lex reads src with sqltext's Hive dialect into tokens ending with tkEOF
// or tkError. It never fails outright: a statement that is not Hive DDL may
// hold syntax Hive does not know, and only the parser decides whether that
// matters.
func lex(src string) []token {
	toks, err := sqltext.LexDialect(src, sqltext.Hive)
	out := make([]token, 0, len(toks)+1)
	for _, t := range toks {
		out = append(out, hiveToken(t))
	}
	var se *sqltext.Error
	if errors.As(err, &se) {
		return append(out, token{kind: tkError, off: se.Pos, err: se.Msg})
	}
	return append(out, token{kind: tkEOF, off: len(src)})
}

func hiveToken(t sqltext.Token) token {
	tk := token{kind: tkSymbol, text: t.Raw, value: t.Text, off: t.Pos}
	switch t.Kind {
	case sqltext.Word:
		tk.kind = tkWord
	case sqltext.Ident:
		tk.kind = tkBacktick
	case sqltext.String:
		tk.kind = tkString
		if t.Raw[0] == '"' {
			tk.kind = tkDQuoted
		}
	case sqltext.Number:
		tk.kind = tkWord // 123abc: Hive allows it
		if _, err := strconv.ParseFloat(t.Raw, 64); err == nil {
			tk.kind = tkNumber
		}
	}
	return tk
}

// identValue is the name a word or quoted identifier stands for.
func identValue(t token) string {
	if t.kind == tkWord {
		return t.text
	}
	return t.value
}

// stringValue is what a string literal stands for.
func stringValue(t token) string { return t.value }

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
