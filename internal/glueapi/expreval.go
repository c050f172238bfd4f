package glueapi

import (
	"strings"
	"unicode/utf8"
)

// node is a condition of a compiled expression over partition values.
type node interface {
	eval(values []string) bool
}

// operand is a partition key (key >= 0) or a literal.
type operand struct {
	key    int
	text   string
	numLit bool // a numeric literal
	numKey bool // a key of a numeric type
}

func (o operand) value(values []string) string {
	if o.key >= 0 {
		return values[o.key]
	}
	return o.text
}

// compare orders a and b: as numbers when a side is a key of a numeric
// type (or both are numeric literals) and both parse, else as strings.
func compare(a, b operand, values []string) int {
	x, y := a.value(values), b.value(values)
	if a.numKey || b.numKey || a.numLit && b.numLit {
		if nx, ok := parseNumber(x); ok {
			if ny, ok := parseNumber(y); ok {
				return nx.cmp(ny)
			}
		}
	}
	return strings.Compare(x, y)
}

type andNode struct{ l, r node }
type orNode struct{ l, r node }
type notNode struct{ x node }

func (n andNode) eval(v []string) bool { return n.l.eval(v) && n.r.eval(v) }
func (n orNode) eval(v []string) bool  { return n.l.eval(v) || n.r.eval(v) }
func (n notNode) eval(v []string) bool { return !n.x.eval(v) }

type cmpNode struct {
	op   string
	l, r operand
}

func (n cmpNode) eval(v []string) bool {
	c := compare(n.l, n.r, v)
	switch n.op {
	case "=":
		return c == 0
	case "!=", "<>":
		return c != 0
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	case ">=":
		return c >= 0
	}
	return false
}

type inNode struct {
	not  bool
	x    operand
	list []operand
}

func (n inNode) eval(v []string) bool {
	for _, y := range n.list {
		if compare(n.x, y, v) == 0 {
			return !n.not
		}
	}
	return n.not
}

type betweenNode struct {
	not       bool
	x, lo, hi operand
}

func (n betweenNode) eval(v []string) bool {
	in := compare(n.lo, n.x, v) <= 0 && compare(n.x, n.hi, v) <= 0
	return in != n.not
}

// nullNode is IS [NOT] NULL: partition values are never null.
type nullNode struct{ not bool }

func (n nullNode) eval([]string) bool { return n.not }

type likeNode struct {
	not    bool
	x, pat operand
}

func (n likeNode) eval(v []string) bool {
	return like(n.x.value(v), n.pat.value(v)) != n.not
}

// like matches s against a SQL LIKE pattern: % is any run of characters,
// _ any one character, \ makes the next character literal. A % backtracks
// only to itself, so matching takes at most len(s)*len(pat) steps.
func like(s, pat string) bool {
	type elem struct {
		r        rune
		any, one bool
	}
	var p []elem
	for i := 0; i < len(pat); {
		r, size := utf8.DecodeRuneInString(pat[i:])
		i += size
		switch {
		case r == '%':
			p = append(p, elem{any: true})
		case r == '_':
			p = append(p, elem{one: true})
		case r == '\\' && i < len(pat):
			r, size = utf8.DecodeRuneInString(pat[i:])
			i += size
			p = append(p, elem{r: r})
		default:
			p = append(p, elem{r: r})
		}
	}
	rs := []rune(s)
	si, pi, star, mark := 0, 0, -1, 0
	for si < len(rs) {
		switch {
		case pi < len(p) && !p[pi].any && (p[pi].one || p[pi].r == rs[si]):
			si, pi = si+1, pi+1
		case pi < len(p) && p[pi].any:
			star, mark = pi, si
			pi++
		case star >= 0:
			mark++
			si, pi = mark, star+1
		default:
			return false
		}
	}
	for pi < len(p) && p[pi].any {
		pi++
	}
	return pi == len(p)
}

// number is a decimal 0.digits × 10^exp, exact at any length, so bigint
// and decimal values compare right where float64 would round.
type number struct {
	neg    bool
	digits string // no leading or trailing zeros; "" is zero
	exp    int
}

// parseNumber reads [+-] digits [. digits] [e [+-] digits] around spaces.
func parseNumber(s string) (number, bool) {
	s = strings.TrimSpace(s)
	if n := numberLen(s); n == 0 || n != len(s) {
		return number{}, false
	}
	var n number
	if s[0] == '-' || s[0] == '+' {
		n.neg, s = s[0] == '-', s[1:]
	}
	mant, e, _ := strings.Cut(strings.ToLower(s), "e")
	whole, frac, _ := strings.Cut(mant, ".")
	if e != "" {
		neg := e[0] == '-'
		e = strings.TrimLeft(strings.TrimLeft(e, "+-"), "0")
		if len(e) > 6 { // beyond any value a partition holds
			return number{}, false
		}
		for _, c := range e {
			n.exp = n.exp*10 + int(c-'0')
		}
		if neg {
			n.exp = -n.exp
		}
	}
	digits := whole + frac
	n.exp += len(whole)
	trimmed := strings.TrimLeft(digits, "0")
	n.exp -= len(digits) - len(trimmed)
	n.digits = strings.TrimRight(trimmed, "0")
	if n.digits == "" {
		n = number{}
	}
	return n, true
}

func (n number) sign() int {
	switch {
	case n.digits == "":
		return 0
	case n.neg:
		return -1
	}
	return 1
}

func (n number) cmp(m number) int {
	if a, b := n.sign(), m.sign(); a != b || a == 0 {
		return a - b
	}
	c := 0
	switch {
	case n.exp != m.exp:
		c = 1
		if n.exp < m.exp {
			c = -1
		}
	default: // same magnitude: without trailing zeros, digits order as text
		c = strings.Compare(n.digits, m.digits)
	}
	if n.neg {
		return -c
	}
	return c
}
