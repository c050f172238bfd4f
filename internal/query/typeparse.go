package query

import (
	"fmt"
	"strconv"
	"strings"
)

// maxTypeDepth bounds how deeply types nest, for the parser's stack.
const maxTypeDepth = 64

// ParseType reads a DuckDB type name: as DuckDB and its Go driver print
// them (DECIMAL(18,3), TIMESTAMPTZ or TIMESTAMP WITH TIME ZONE, INTEGER[],
// INTEGER[3], STRUCT("a" INTEGER), MAP(VARCHAR, INTEGER), UNION(...),
// ENUM('x', 'y')) or as people write them: any case, DuckDB's aliases
// (INT8, TEXT, NUMERIC(p,s)). An ENUM's members are read and dropped.
func ParseType(s string) (Type, error) {
	p := typeParser{s: s}
	t, err := p.typ(0)
	if err == nil {
		if p.space(); p.i < len(p.s) {
			err = p.errorf("unexpected %q", p.s[p.i:])
		}
	}
	if err != nil {
		return Type{}, fmt.Errorf("type %q: %w", s, err)
	}
	return t, nil
}

// MustParseType is ParseType for names known to be right; it panics on
// any other.
func MustParseType(s string) Type {
	t, err := ParseType(s)
	if err != nil {
		panic(err)
	}
	return t
}

type typeParser struct {
	s string
	i int
}

func (p *typeParser) typ(depth int) (Type, error) {
	if depth > maxTypeDepth {
		return Type{}, p.errorf("types nested deeper than %d", maxTypeDepth)
	}
	p.space()
	at := p.i
	name, err := p.name()
	if err != nil {
		return Type{}, err
	}
	k, ok := kindsByName[name]
	if !ok {
		p.i = at
		return Type{}, p.errorf("unknown type %s", name)
	}
	t := Type{Kind: k}
	if p.space(); p.peek() == '(' {
		p.i++
		if err := p.params(&t, depth); err != nil {
			return Type{}, err
		}
		if err := p.expect(')'); err != nil {
			return Type{}, err
		}
	} else {
		switch k {
		case KindDecimal:
			t.Precision, t.Scale = 18, 3 // DuckDB's DECIMAL
		case KindStruct, KindUnion, KindMap:
			return Type{}, p.errorf("%s without its members", k)
		}
	}
	for p.space(); p.peek() == '['; p.space() {
		if depth++; depth > maxTypeDepth {
			return Type{}, p.errorf("types nested deeper than %d", maxTypeDepth)
		}
		p.i++
		p.space()
		elem := t
		t = Type{Kind: KindList, Elem: &elem}
		if p.peek() != ']' {
			n, err := p.number()
			if err != nil {
				return Type{}, err
			}
			if n == 0 {
				return Type{}, p.errorf("an array of no elements")
			}
			t.Kind, t.Length = KindArray, n
		}
		if err := p.expect(']'); err != nil {
			return Type{}, err
		}
	}
	return t, nil
}

// params reads what follows the '(' after a type's name.
func (p *typeParser) params(t *Type, depth int) error {
	switch t.Kind {
	case KindDecimal:
		prec, err := p.number()
		if err != nil {
			return err
		}
		scale := 0
		if p.space(); p.peek() == ',' {
			p.i++
			if scale, err = p.number(); err != nil {
				return err
			}
		}
		if prec < 1 || prec > 38 || scale > prec {
			return p.errorf("DECIMAL(%d,%d): the precision is 1 to 38 and the scale at most the precision", prec, scale)
		}
		t.Precision, t.Scale = prec, scale
	case KindStruct, KindUnion:
		for {
			name, err := p.fieldName()
			if err != nil {
				return err
			}
			ft, err := p.typ(depth + 1)
			if err != nil {
				return err
			}
			t.Fields = append(t.Fields, Field{Name: name, Type: ft})
			if !p.comma() {
				return nil
			}
		}
	case KindMap:
		key, err := p.typ(depth + 1)
		if err != nil {
			return err
		}
		if !p.comma() {
			return p.errorf("MAP without its value type")
		}
		value, err := p.typ(depth + 1)
		if err != nil {
			return err
		}
		t.Key, t.Value = &key, &value
	case KindEnum:
		for {
			if err := p.stringLit(); err != nil {
				return err
			}
			if !p.comma() {
				return nil
			}
		}
	default:
		return p.errorf("%s takes no parameters", t.Kind)
	}
	return nil
}

// name reads a type's name, upper case: words (TIMESTAMP WITH TIME ZONE)
// or a quoted identifier ("NULL").
func (p *typeParser) name() (string, error) {
	if p.peek() == '"' {
		s, err := p.quoted()
		return strings.ToUpper(s), err
	}
	var words []string
	for {
		start := p.i
		for p.i < len(p.s) && (isLetter(p.s[p.i]) || p.i > start && isDigit(p.s[p.i])) {
			p.i++
		}
		if p.i == start {
			if len(words) == 0 {
				return "", p.errorf("expected a type")
			}
			break
		}
		words = append(words, strings.ToUpper(p.s[start:p.i]))
		end := p.i
		if p.space(); p.i == len(p.s) || !isLetter(p.s[p.i]) {
			p.i = end
			break
		}
	}
	return strings.Join(words, " "), nil
}

// fieldName reads a STRUCT field's or UNION member's name: quoted, or up
// to the space before its type.
func (p *typeParser) fieldName() (string, error) {
	if p.space(); p.peek() == '"' {
		return p.quoted()
	}
	start := p.i
	for p.i < len(p.s) && !strings.ContainsRune(" \t\r\n,()[]\"'", rune(p.s[p.i])) {
		p.i++
	}
	if p.i == start {
		return "", p.errorf("expected a field name")
	}
	return p.s[start:p.i], nil
}

// quoted reads a "quoted identifier" with doubled quotes inside.
func (p *typeParser) quoted() (string, error) {
	s, err := p.delimited('"')
	if err != nil {
		return "", p.errorf("unterminated quoted name")
	}
	return s, nil
}

// stringLit reads an 'enum member'.
func (p *typeParser) stringLit() error {
	if p.space(); p.peek() != '\'' {
		return p.errorf("expected a quoted ENUM member")
	}
	if _, err := p.delimited('\''); err != nil {
		return p.errorf("unterminated ENUM member")
	}
	return nil
}

// delimited reads from the quote q at p.i to its match, a doubled q
// standing for one.
func (p *typeParser) delimited(q byte) (string, error) {
	var b strings.Builder
	for i := p.i + 1; i < len(p.s); i++ {
		if p.s[i] != q {
			b.WriteByte(p.s[i])
			continue
		}
		if i+1 < len(p.s) && p.s[i+1] == q {
			b.WriteByte(q)
			i++
			continue
		}
		p.i = i + 1
		return b.String(), nil
	}
	return "", fmt.Errorf("unterminated")
}

// number reads a count: a precision, a scale, an array's length.
func (p *typeParser) number() (int, error) {
	p.space()
	start := p.i
	for p.i < len(p.s) && isDigit(p.s[p.i]) {
		p.i++
	}
	n, err := strconv.ParseInt(p.s[start:p.i], 10, 32)
	if err != nil {
		p.i = start
		return 0, p.errorf("expected a number")
	}
	return int(n), nil
}

func (p *typeParser) comma() bool {
	if p.space(); p.peek() == ',' {
		p.i++
		return true
	}
	return false
}

func (p *typeParser) expect(c byte) error {
	if p.space(); p.peek() != c {
		return p.errorf("expected %q", c)
	}
	p.i++
	return nil
}

func (p *typeParser) space() {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
}

func (p *typeParser) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *typeParser) errorf(format string, args ...any) error {
	return fmt.Errorf("at character %d: %s", p.i+1, fmt.Sprintf(format, args...))
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
