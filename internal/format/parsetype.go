package format

import (
	"fmt"
	"strconv"
	"strings"
)

// maxDepth bounds nesting so a hostile type string cannot exhaust the stack.
const maxDepth = 100

// ParseType reads a Glue/Hive type such as "array<struct<a:bigint,b:string>>".
// Names are case-insensitive and blanks between tokens are ignored; errors
// give the byte offset of the problem.
func ParseType(s string) (Type, error) {
	p := &typeParser{s: s}
	t, err := p.parse(0)
	if err != nil {
		return Type{}, err
	}
	p.skip()
	if p.i != len(s) {
		return Type{}, p.errorf("unexpected %q after type", s[p.i:])
	}
	return t, nil
}

type typeParser struct {
	s string
	i int
}

func (p *typeParser) errorf(format string, a ...any) error {
	return fmt.Errorf("parse type %q at offset %d: %s", p.s, p.i, fmt.Sprintf(format, a...))
}

func (p *typeParser) skip() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n') {
		p.i++
	}
}

// word reads a run of characters that may appear in a type or field name.
func (p *typeParser) word() string {
	p.skip()
	start := p.i
	for p.i < len(p.s) && !strings.ContainsRune(fieldSpecials, rune(p.s[p.i])) {
		p.i++
	}
	return p.s[start:p.i]
}

func (p *typeParser) expect(c byte) error {
	p.skip()
	if p.i >= len(p.s) {
		return p.errorf("want %q, got end of input", c)
	}
	if p.s[p.i] != c {
		return p.errorf("want %q, got %q", c, p.s[p.i])
	}
	p.i++
	return nil
}

func (p *typeParser) peek(c byte) bool {
	p.skip()
	return p.i < len(p.s) && p.s[p.i] == c
}

func (p *typeParser) parse(depth int) (Type, error) {
	if depth > maxDepth {
		return Type{}, p.errorf("nested deeper than %d", maxDepth)
	}
	start := p.i
	name := strings.ToLower(p.word())
	switch name {
	case "":
		return Type{}, p.errorf("missing type name")
	case "decimal":
		return p.decimal()
	case "array":
		if err := p.expect('<'); err != nil {
			return Type{}, err
		}
		e, err := p.parse(depth + 1)
		if err != nil {
			return Type{}, err
		}
		return arrayOf(e), p.expect('>')
	case "map":
		return p.mapType(depth)
	case "struct":
		return p.structType(depth)
	}
	for k, n := range scalarNames {
		if n == name {
			return scalar(k), nil
		}
	}
	p.i = start
	p.skip()
	return Type{}, p.errorf("unknown type %q", name)
}

func (p *typeParser) decimal() (Type, error) {
	if !p.peek('(') {
		return decimalOf(defaultPrecision, 0), nil
	}
	p.i++
	prec, err := p.number()
	if err != nil {
		return Type{}, err
	}
	scale := 0
	if p.peek(',') {
		p.i++
		if scale, err = p.number(); err != nil {
			return Type{}, err
		}
	}
	if prec < 1 || prec > maxPrecision {
		return Type{}, p.errorf("decimal precision %d outside 1..%d", prec, maxPrecision)
	}
	if scale > prec {
		return Type{}, p.errorf("decimal scale %d exceeds precision %d", scale, prec)
	}
	return decimalOf(prec, scale), p.expect(')')
}

func (p *typeParser) number() (int, error) {
	w := p.word()
	n, err := strconv.Atoi(w)
	if err != nil || n < 0 || w[0] == '+' {
		p.i -= len(w)
		return 0, p.errorf("want a non-negative integer, got %q", w)
	}
	return n, nil
}

// fieldName reads a bare or `quoted` field name; quoted names may hold any
// character, a backtick written twice.
func (p *typeParser) fieldName() (string, error) {
	p.skip()
	if p.i >= len(p.s) || p.s[p.i] != '`' {
		return p.word(), nil
	}
	start := p.i
	var b strings.Builder
	for p.i++; p.i < len(p.s); p.i++ {
		if p.s[p.i] != '`' {
			b.WriteByte(p.s[p.i])
			continue
		}
		if p.i+1 < len(p.s) && p.s[p.i+1] == '`' {
			b.WriteByte('`')
			p.i++
			continue
		}
		p.i++
		if b.Len() == 0 {
			p.i = start
			return "", p.errorf("empty quoted field name")
		}
		return b.String(), nil
	}
	p.i = start
	return "", p.errorf("unterminated quoted field name")
}

func (p *typeParser) mapType(depth int) (Type, error) {
	if err := p.expect('<'); err != nil {
		return Type{}, err
	}
	k, err := p.parse(depth + 1)
	if err != nil {
		return Type{}, err
	}
	if err := p.expect(','); err != nil {
		return Type{}, err
	}
	v, err := p.parse(depth + 1)
	if err != nil {
		return Type{}, err
	}
	return mapOf(k, v), p.expect('>')
}

func (p *typeParser) structType(depth int) (Type, error) {
	if err := p.expect('<'); err != nil {
		return Type{}, err
	}
	t := structOf()
	seen := map[string]bool{}
	if p.peek('>') { // struct<> occurs in Glue for empty JSON objects
		p.i++
		return t, nil
	}
	for {
		at := p.i
		name, err := p.fieldName()
		if err != nil {
			return Type{}, err
		}
		if name == "" {
			p.skip()
			return Type{}, p.errorf("missing field name")
		}
		if seen[name] {
			p.i = at
			p.skip()
			return Type{}, p.errorf("duplicate field %q", name)
		}
		seen[name] = true
		if err := p.expect(':'); err != nil {
			return Type{}, err
		}
		ft, err := p.parse(depth + 1)
		if err != nil {
			return Type{}, err
		}
		t.Fields = append(t.Fields, Column{Name: name, Type: ft})
		if p.peek(',') {
			p.i++
			continue
		}
		return t, p.expect('>')
	}
}
