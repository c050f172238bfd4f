package glueapi

import (
	"fmt"
	"strings"

	"github.com/tarnlake/tarn/internal/catalog"
)

// filter is a compiled GetPartitions expression.
type filter struct{ root node }

// match reports whether a partition with these values (one per key)
// passes the filter.
func (f *filter) match(values []string) bool { return f.root.eval(values) }

// maxDepth bounds nesting of parentheses and NOT, so no expression of
// Glue's 2048 bytes can exhaust the stack.
const maxDepth = 100

// compileFilter parses expr against a table's partition keys:
//
//	or      = and {OR and}
//	and     = not {AND not}
//	not     = NOT not | "(" or ")" | operand tail
//	tail    = cmp operand | [NOT] IN "(" operand {"," operand} ")"
//	        | [NOT] BETWEEN operand AND operand | [NOT] LIKE operand | IS [NOT] NULL
//	operand = key | 'string' | number
func compileFilter(expr string, keys []catalog.Column) (*filter, error) {
	if len(expr) > maxExpression {
		return nil, &exprError{src: expr, msg: fmt.Sprintf("the expression is %d bytes long; at most %d are allowed", len(expr), maxExpression)}
	}
	toks, err := lex(expr)
	if err != nil {
		return nil, err
	}
	p := &parser{src: expr, toks: toks, keys: keys}
	root, err := p.or()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, p.fail(t, "unexpected %s after a complete condition", describe(t))
	}
	return &filter{root}, nil
}

type parser struct {
	src   string
	toks  []token
	i     int
	depth int
	keys  []catalog.Column
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) next() token { t := p.toks[p.i]; p.i = min(p.i+1, len(p.toks)-1); return t }

func (p *parser) fail(t token, format string, args ...any) error {
	return &exprError{src: p.src, pos: t.pos, msg: fmt.Sprintf(format, args...)}
}

// keyword reports whether t is the (unquoted, any case) keyword kw.
func keyword(t token, kw string) bool { return t.kind == tIdent && strings.EqualFold(t.text, kw) }

func (p *parser) accept(kw string) bool {
	if keyword(p.peek(), kw) {
		p.next()
		return true
	}
	return false
}

func describe(t token) string {
	switch t.kind {
	case tEOF:
		return "end of expression"
	case tString:
		return fmt.Sprintf("string '%s'", t.text)
	}
	return fmt.Sprintf("%q", t.text)
}

func (p *parser) or() (node, error) {
	l, err := p.and()
	for err == nil && p.accept("OR") {
		var r node
		if r, err = p.and(); err == nil {
			l = orNode{l, r}
		}
	}
	return l, err
}

func (p *parser) and() (node, error) {
	l, err := p.not()
	for err == nil && p.accept("AND") {
		var r node
		if r, err = p.not(); err == nil {
			l = andNode{l, r}
		}
	}
	return l, err
}

func (p *parser) not() (node, error) {
	t := p.peek()
	if p.depth++; p.depth > maxDepth {
		return nil, p.fail(t, "the expression nests more than %d deep", maxDepth)
	}
	defer func() { p.depth-- }()
	switch {
	case keyword(t, "NOT"):
		p.next()
		x, err := p.not()
		return notNode{x}, err
	case t.kind == tLParen:
		p.next()
		x, err := p.or()
		if err != nil {
			return nil, err
		}
		if t := p.next(); t.kind != tRParen {
			return nil, p.fail(t, "expected ')' but found %s", describe(t))
		}
		return x, nil
	}
	l, err := p.operand()
	if err != nil {
		return nil, err
	}
	return p.tail(l)
}

// tail parses what follows an operand at the start of a condition.
func (p *parser) tail(l operand) (node, error) {
	t := p.next()
	if t.kind == tOp {
		r, err := p.operand()
		return cmpNode{t.text, l, r}, err
	}
	if keyword(t, "IS") {
		not := p.accept("NOT")
		if t := p.next(); !keyword(t, "NULL") {
			return nil, p.fail(t, "expected NULL but found %s", describe(t))
		}
		return nullNode{not}, nil
	}
	not := keyword(t, "NOT")
	if not {
		t = p.next()
	}
	switch {
	case keyword(t, "LIKE"):
		pat, err := p.operand()
		return likeNode{not, l, pat}, err
	case keyword(t, "BETWEEN"):
		lo, err := p.operand()
		if err != nil {
			return nil, err
		}
		if t := p.next(); !keyword(t, "AND") {
			return nil, p.fail(t, "expected AND of BETWEEN but found %s", describe(t))
		}
		hi, err := p.operand()
		return betweenNode{not, l, lo, hi}, err
	case keyword(t, "IN"):
		if t := p.next(); t.kind != tLParen {
			return nil, p.fail(t, "expected '(' after IN but found %s", describe(t))
		}
		var list []operand
		for {
			x, err := p.operand()
			if err != nil {
				return nil, err
			}
			list = append(list, x)
			t := p.next()
			if t.kind == tRParen {
				return inNode{not, l, list}, nil
			}
			if t.kind != tComma {
				return nil, p.fail(t, "expected ',' or ')' in the IN list but found %s", describe(t))
			}
		}
	}
	if not {
		return nil, p.fail(t, "expected IN, BETWEEN or LIKE after NOT but found %s", describe(t))
	}
	return nil, p.fail(t, "expected a comparison (=, !=, <>, <, <=, >, >=, IN, BETWEEN, LIKE, IS NULL) but found %s", describe(t))
}

var keywords = []string{"AND", "OR", "NOT", "IN", "BETWEEN", "LIKE", "IS", "NULL"}

func (p *parser) operand() (operand, error) {
	t := p.next()
	switch t.kind {
	case tString:
		return operand{key: -1, text: t.text}, nil
	case tNumber:
		return operand{key: -1, text: t.text, numLit: true}, nil
	case tIdent, tQuoted:
		for _, kw := range keywords {
			if keyword(t, kw) {
				return operand{}, p.fail(t, "expected a partition key or a value but found %s", kw)
			}
		}
		for i, k := range p.keys {
			if strings.EqualFold(k.Name, t.text) {
				return operand{key: i, numKey: numericType(k.Type)}, nil
			}
		}
		if len(p.keys) == 0 {
			return operand{}, p.fail(t, "unknown partition key %q: the table has no partition keys", t.text)
		}
		names := make([]string, len(p.keys))
		for i, k := range p.keys {
			names[i] = k.Name
		}
		return operand{}, p.fail(t, "unknown partition key %q; the table's are %s", t.text, strings.Join(names, ", "))
	}
	return operand{}, p.fail(t, "expected a partition key or a value but found %s", describe(t))
}

// numericType reports whether values of a key of Glue type typ compare
// as numbers.
func numericType(typ string) bool {
	typ, _, _ = strings.Cut(strings.ToLower(strings.TrimSpace(typ)), "(") // decimal(10,2)
	switch strings.TrimSpace(typ) {
	case "int", "integer", "bigint", "smallint", "tinyint", "long", "double", "float", "real", "decimal":
		return true
	}
	return false
}
