package hiveddl

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/tarnlake/tarn/internal/query"
)

// parsed is what parse makes of a statement.
type parsed struct {
	cmd  command
	mine bool // a Hive statement: Exec runs it
	// tentative statements (DROP TABLE, DESCRIBE) are DuckDB's too: they
	// are mine only when probe names a catalog table or Hive-only syntax
	// (backticks) is used.
	tentative bool
	probe     *tableRef
	hive      bool // backticks seen
}

type parser struct {
	src  string
	toks []token
	i    int
}

// tableRef is a [db.]name as written, lower-cased; db "" means the
// session's database. pos is where it is written, for errors.
type tableRef struct {
	db, name string
	pos      int
}

// parse recognises a Hive statement. Its error matters only when the
// result is mine (or tentative and claimed).
func parse(src string) (parsed, error) {
	p := &parser{src: src, toks: lex(src)}
	pd := parsed{mine: true}
	for _, t := range p.toks {
		pd.hive = pd.hive || t.kind == tkBacktick
	}
	var err error
	switch {
	case p.kw("CREATE", "EXTERNAL", "TABLE"):
		pd.cmd, err = p.createTable()
	case p.kw("CREATE", "DATABASE") || p.kw("CREATE", "SCHEMA"):
		pd.cmd, err = p.createDatabase()
	case p.kw("DROP", "DATABASE") || p.kw("DROP", "SCHEMA"):
		pd.cmd, err = p.dropDatabase()
	case p.kw("DROP", "TABLE"):
		pd.tentative = true
		pd.cmd, err = p.dropTable(&pd)
	case p.kw("MSCK"):
		pd.cmd, err = p.msck()
	case isKw(p.peek(), "ALTER") && isKw(p.at(1), "TABLE"):
		return p.alterTable(pd)
	case isKw(p.peek(), "SHOW"):
		return p.show(pd)
	case isKw(p.peek(), "DESCRIBE") || isKw(p.peek(), "DESC"):
		return p.describe(pd)
	default:
		return parsed{}, nil
	}
	return pd, err
}

func (p *parser) peek() token { return p.toks[p.i] }

// at looks k tokens ahead, stopping at the last (EOF or error) token.
func (p *parser) at(k int) token { return p.toks[min(p.i+k, len(p.toks)-1)] }

func (p *parser) next() token {
	t := p.toks[p.i]
	if p.i < len(p.toks)-1 {
		p.i++
	}
	return t
}

func isKw(t token, kw string) bool { return t.kind == tkWord && strings.EqualFold(t.text, kw) }
func isSym(t token, s string) bool { return t.kind == tkSymbol && t.text == s }

// kw consumes the keywords if they come next, all of them or none.
func (p *parser) kw(kws ...string) bool {
	for k, kw := range kws {
		if !isKw(p.at(k), kw) {
			return false
		}
	}
	p.i += len(kws)
	return true
}

func (p *parser) expectKw(kws ...string) error {
	for _, kw := range kws {
		if !isKw(p.peek(), kw) {
			return p.errorf(p.peek(), "expected %s", kw)
		}
		p.next()
	}
	return nil
}

func (p *parser) sym(s string) bool {
	if isSym(p.peek(), s) {
		p.next()
		return true
	}
	return false
}

func (p *parser) expectSym(s string) error {
	if !p.sym(s) {
		return p.errorf(p.peek(), "expected %q", s)
	}
	return nil
}

// atEnd reports whether only an optional semicolon is left.
func (p *parser) atEnd() bool {
	return p.peek().kind == tkEOF || isSym(p.peek(), ";") && p.at(1).kind == tkEOF
}

func (p *parser) end() error {
	p.sym(";")
	if p.peek().kind != tkEOF {
		return p.errorf(p.peek(), "expected the end of the statement")
	}
	return nil
}

func (p *parser) pos(t token) int { return utf8.RuneCountInString(p.src[:t.off]) + 1 }

func (p *parser) errorf(t token, format string, a ...any) error {
	if t.kind == tkError {
		return &query.Error{Code: query.CodeSyntax, Message: "syntax error: " + t.err, Position: p.pos(t)}
	}
	return p.fail(query.CodeSyntax, t, "syntax error at or near %s: %s", describe(t), fmt.Sprintf(format, a...))
}

// fail is an error of any code pointing at t.
func (p *parser) fail(code string, t token, format string, a ...any) error {
	return &query.Error{Code: code, Message: fmt.Sprintf(format, a...), Position: p.pos(t)}
}

func describe(t token) string {
	if t.kind == tkEOF {
		return "end of statement"
	}
	s := t.text
	if utf8.RuneCountInString(s) > 40 {
		s = string([]rune(s)[:40]) + "…"
	}
	return fmt.Sprintf("%q", s)
}

// ident reads a bare, `backticked` or "double-quoted" name.
func (p *parser) ident(what string) (string, token, error) {
	t := p.peek()
	switch t.kind {
	case tkWord, tkBacktick, tkDQuoted:
		if v := identValue(t); v != "" {
			p.next()
			return v, t, nil
		}
	}
	return "", t, p.errorf(t, "expected %s", what)
}

// tableName reads [db.]name; a backticked `db.name` counts as both, as
// Hive reads it (Glue names hold no dots).
func (p *parser) tableName() (tableRef, error) {
	name, t, err := p.ident("a table name")
	if err != nil {
		return tableRef{}, err
	}
	ref := tableRef{name: name, pos: p.pos(t)}
	if p.sym(".") {
		if ref.name, _, err = p.ident("a table name after the database name"); err != nil {
			return tableRef{}, err
		}
		ref.db = name
	} else if db, n, ok := strings.Cut(name, "."); ok && t.kind == tkBacktick && db != "" && n != "" && !strings.Contains(n, ".") {
		ref.db, ref.name = db, n
	}
	ref.db, ref.name = strings.ToLower(ref.db), strings.ToLower(ref.name)
	return ref, nil
}

// str reads a string literal; Hive also takes "double quotes" for one.
func (p *parser) str(what string) (string, token, error) {
	t := p.peek()
	if t.kind != tkString && t.kind != tkDQuoted {
		return "", t, p.errorf(t, "expected %s as a quoted string", what)
	}
	p.next()
	return stringValue(t), t, nil
}

// props reads ('k'='v', ...).
func (p *parser) props() (map[string]string, error) {
	if err := p.expectSym("("); err != nil {
		return nil, err
	}
	m := map[string]string{}
	for {
		k, _, err := p.str("a property name")
		if err != nil {
			return nil, err
		}
		if err := p.expectSym("="); err != nil {
			return nil, err
		}
		if m[k], _, err = p.str("a property value"); err != nil {
			return nil, err
		}
		if !p.sym(",") {
			return m, p.expectSym(")")
		}
	}
}

// pattern reads an optional [LIKE] 'pattern' of SHOW TABLES/DATABASES.
func (p *parser) pattern() (string, bool, error) {
	like := p.kw("LIKE")
	if !like && p.peek().kind != tkString && p.peek().kind != tkDQuoted {
		return "", false, nil
	}
	s, _, err := p.str("a pattern")
	return s, err == nil, err
}
