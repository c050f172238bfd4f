package redshift

import (
	"errors"
	"strconv"
	"strings"

	"github.com/tarnlake/tarn/internal/query/sqltext"
)

// parser walks one statement's tokens and remembers which options were
// given, and where, so later checks can point at them.
type parser struct {
	toks  []sqltext.Token
	end   int // byte offset just past the statement, for errors at its end
	i     int
	given []given
}

// given is one option as written.
type given struct {
	key   string // e.g. "NULL"
	name  string // as messages name it, e.g. "NULL AS"
	tok   sqltext.Token
	group string // "format" or "compression": one of each may be given
}

func (p *parser) more() bool { return p.i < len(p.toks) }

func (p *parser) peek() (sqltext.Token, bool) {
	if p.i < len(p.toks) {
		return p.toks[p.i], true
	}
	return sqltext.Token{}, false
}

func (p *parser) next() (sqltext.Token, bool) {
	t, ok := p.peek()
	if ok {
		p.i++
	}
	return t, ok
}

// peekIs reports whether the next token is the word or operator w.
func (p *parser) peekIs(w string) bool {
	t, ok := p.peek()
	return ok && t.Is(w)
}

// accept takes the word or operator w if it comes next.
func (p *parser) accept(w string) bool {
	if p.peekIs(w) {
		p.i++
		return true
	}
	return false
}

// syntax is a syntax error at the next token, or at the end.
func (p *parser) syntax() *Error {
	if t, ok := p.peek(); ok {
		return syntaxAt(t)
	}
	return errAt(p.end, "syntax error at end of input")
}

func (p *parser) expect(w string) (sqltext.Token, error) {
	t, ok := p.peek()
	if !ok || !t.Is(w) {
		return t, p.syntax()
	}
	p.i++
	return t, nil
}

// str takes a quoted string argument.
func (p *parser) str() (sqltext.Token, error) {
	t, ok := p.peek()
	if !ok || t.Kind != sqltext.String {
		return t, p.syntax()
	}
	p.i++
	return t, nil
}

// optStr takes a quoted string if one comes next.
func (p *parser) optStr() (sqltext.Token, bool) {
	t, ok := p.peek()
	if ok && t.Kind == sqltext.String {
		p.i++
		return t, true
	}
	return t, false
}

// name takes an identifier: a word or a "quoted identifier".
func (p *parser) name() (string, sqltext.Token, error) {
	t, ok := p.peek()
	if !ok || t.Kind != sqltext.Word && t.Kind != sqltext.Ident {
		return "", t, p.syntax()
	}
	p.i++
	return t.Name(), t, nil
}

// number takes a number, with an optional minus sign, as written: "5",
// "-1", "6.2", "100MB" (the lexer keeps letters that follow digits).
func (p *parser) number() (string, sqltext.Token, error) {
	t, ok := p.peek()
	sign := ""
	if ok && t.Is("-") {
		if p.i+1 < len(p.toks) && p.toks[p.i+1].Kind == sqltext.Number {
			p.i++
			sign = "-"
		}
	}
	n, ok := p.peek()
	if !ok || n.Kind != sqltext.Number {
		return "", t, p.syntax()
	}
	p.i++
	return sign + n.Text, t, nil
}

// integer takes a whole number; what range it may have is the caller's.
func (p *parser) integer(opt string) (int64, sqltext.Token, error) {
	s, t, err := p.number()
	if err != nil {
		return 0, t, err
	}
	v, perr := strconv.ParseInt(s, 10, 64)
	if perr != nil && !errors.Is(perr, strconv.ErrRange) {
		return 0, t, errTok(t, "%s argument must be an integer, not %q", opt, s)
	}
	return v, t, nil // out of int64, v is clamped: the caller's range check refuses it
}

// onOff takes an optional ON | TRUE | OFF | FALSE; alone the option is on.
func (p *parser) onOff() bool {
	switch {
	case p.accept("ON"), p.accept("TRUE"):
		return true
	case p.accept("OFF"), p.accept("FALSE"):
		return false
	}
	return true
}

// give records an option; naming one twice is Redshift's (PostgreSQL's)
// "conflicting or redundant options".
func (p *parser) give(key, name string, t sqltext.Token) error {
	if _, ok := p.has(key); ok {
		return errTok(t, "conflicting or redundant options: %s is given twice", name)
	}
	p.given = append(p.given, given{key: key, name: name, tok: t})
	return nil
}

// giveOne records t as the one option of its group: a second format or
// compression is redundant if the same, else not compatible.
func (p *parser) giveOne(group string, t sqltext.Token) error {
	for _, g := range p.given {
		if g.group != group {
			continue
		}
		if g.key == t.Text {
			return errTok(t, "conflicting or redundant options: %s is given twice", t.Text)
		}
		return errTok(t, "%s is not compatible with %s", g.name, t.Text)
	}
	p.given = append(p.given, given{key: t.Text, name: t.Text, tok: t, group: group})
	return nil
}

// one returns the option given of a group.
func (p *parser) one(group string) (given, bool) {
	for _, g := range p.given {
		if g.group == group {
			return g, true
		}
	}
	return given{}, false
}

func (p *parser) has(key string) (given, bool) {
	for _, g := range p.given {
		if g.key == key {
			return g, true
		}
	}
	return given{}, false
}

// clash refuses a with the first of others given too, at whichever of
// the two comes later: where the conflict becomes plain.
func (p *parser) clash(a string, others ...string) error {
	ga, ok := p.has(a)
	if !ok {
		return nil
	}
	for _, b := range others {
		gb, ok := p.has(b)
		if !ok {
			continue
		}
		at := ga.tok
		if gb.tok.Pos > at.Pos {
			at = gb.tok
		}
		return errTok(at, "%s is not compatible with %s", ga.name, gb.name)
	}
	return nil
}

// options runs the option loop: words in any order, each handled by the
// first of handlers that knows it, optionally separated by commas as the
// syntax in Redshift's docs shows.
func (p *parser) options(handle func(t sqltext.Token) (bool, error)) error {
	for p.more() {
		t, _ := p.next()
		if t.Kind != sqltext.Word {
			return syntaxAt(t)
		}
		ok, err := handle(t)
		if err != nil {
			return err
		}
		if !ok {
			return syntaxAt(t)
		}
		if p.accept(",") && !p.more() {
			return p.syntax()
		}
	}
	return nil
}

// isS3 reports whether s names an S3 location.
func isS3(s string) bool { return strings.HasPrefix(s, "s3://") }
