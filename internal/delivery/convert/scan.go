package convert

import (
	"encoding/binary"
	"unicode/utf16"
	"unicode/utf8"
)

// decoder reads JSON straight from the record's bytes: no tokens, no
// decoded tree; the writer pulls values as the schema asks for them.
// encoding/json into map[string]any costs more than the Parquet encoding.
type decoder struct {
	b       []byte
	i       int
	depth   int
	scratch []byte // unescaped strings
}

// maxDepth bounds nesting, as JSON parsers do, so a hostile record cannot
// exhaust the stack.
const maxDepth = 1000

func (d *decoder) reset(b []byte) { d.b, d.i, d.depth = b, 0, 0 }

func (d *decoder) ws() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\r', '\n':
			d.i++
		default:
			return
		}
	}
}

func (d *decoder) syntax(what string) *RecordError {
	if d.i >= len(d.b) {
		return parseErrorf("unexpected end of input, want %s", what)
	}
	return parseErrorf("invalid character %q at byte %d, want %s", d.b[d.i], d.i, what)
}

// expect consumes c after blanks.
func (d *decoder) expect(c byte, what string) error {
	d.ws()
	if d.i < len(d.b) && d.b[d.i] == c {
		d.i++
		return nil
	}
	return d.syntax(what)
}

// str reads a string at d.i (a quote) and returns its content, a slice of
// the record when it has no escapes, else of d.scratch (valid until the
// next call).
func (d *decoder) str() ([]byte, error) {
	d.i++
	start := d.i
	// Eight bytes at a time while none is a quote, a backslash, a control
	// character or non-ASCII: the common case of a plain string.
	for d.i+8 <= len(d.b) && plain8(binary.LittleEndian.Uint64(d.b[d.i:])) {
		d.i += 8
	}
	ascii := true
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			s := d.b[start:d.i]
			d.i++
			if !ascii && !utf8.Valid(s) {
				return nil, parseErrorf("invalid UTF-8 in string at byte %d", start)
			}
			return s, nil
		case c == '\\':
			return d.unescape(start)
		case c < 0x20:
			return nil, d.syntax("a string character")
		case c >= 0x80:
			ascii = false
		}
		d.i++
	}
	return nil, d.syntax(`closing "`)
}

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// plain8 reports whether no byte of x is '"', '\\', below 0x20 or above
// 0x7f (the SWAR zero-byte test, applied to x^c and x-0x20).
func plain8(x uint64) bool {
	quote := x ^ (ones * '"')
	slash := x ^ (ones * '\\')
	special := (quote-ones) & ^quote | (slash-ones) & ^slash | (x - ones*0x20) | x
	return special&highs == 0
}

func (d *decoder) unescape(start int) ([]byte, error) {
	out := append(d.scratch[:0], d.b[start:d.i]...)
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			d.i++
			d.scratch = out
			if !utf8.Valid(out) {
				return nil, parseErrorf("invalid UTF-8 in string at byte %d", start)
			}
			return out, nil
		case c < 0x20:
			return nil, d.syntax("a string character")
		case c != '\\':
			out = append(out, c)
			d.i++
			continue
		}
		d.i++
		if d.i >= len(d.b) {
			return nil, d.syntax("an escape")
		}
		e := d.b[d.i]
		d.i++
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := d.hex4()
			if !ok {
				return nil, d.syntax("four hex digits")
			}
			if utf16.IsSurrogate(r) {
				r = d.lowSurrogate(r)
			}
			out = utf8.AppendRune(out, r)
		default:
			d.i--
			return nil, d.syntax("an escape")
		}
	}
	return nil, d.syntax(`closing "`)
}

// lowSurrogate pairs the high surrogate hi with a \uXXXX low surrogate
// that follows; a lone surrogate becomes U+FFFD, as Java's decoders do.
func (d *decoder) lowSurrogate(hi rune) rune {
	if d.i+1 < len(d.b) && d.b[d.i] == '\\' && d.b[d.i+1] == 'u' {
		save := d.i
		d.i += 2
		if lo, ok := d.hex4(); ok {
			if r := utf16.DecodeRune(hi, lo); r != utf8.RuneError {
				return r
			}
		}
		d.i = save
	}
	return utf8.RuneError
}

func (d *decoder) hex4() (rune, bool) {
	if d.i+4 > len(d.b) {
		return 0, false
	}
	var r rune
	for _, c := range d.b[d.i : d.i+4] {
		v := hexVal(c)
		if v < 0 {
			return 0, false
		}
		r = r<<4 | rune(v)
	}
	d.i += 4
	return r, true
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// number reads a JSON number at d.i and returns its text.
func (d *decoder) number() ([]byte, error) {
	start := d.i
	if d.i < len(d.b) && d.b[d.i] == '-' {
		d.i++
	}
	switch {
	case d.i < len(d.b) && d.b[d.i] == '0':
		d.i++
	case d.i < len(d.b) && d.b[d.i] >= '1' && d.b[d.i] <= '9':
		d.digits()
	default:
		return nil, d.syntax("a digit")
	}
	if d.i < len(d.b) && d.b[d.i] == '.' {
		d.i++
		if d.digits() == 0 {
			return nil, d.syntax("a digit")
		}
	}
	if d.i < len(d.b) && (d.b[d.i] == 'e' || d.b[d.i] == 'E') {
		d.i++
		if d.i < len(d.b) && (d.b[d.i] == '+' || d.b[d.i] == '-') {
			d.i++
		}
		if d.digits() == 0 {
			return nil, d.syntax("a digit")
		}
	}
	return d.b[start:d.i], nil
}

func (d *decoder) digits() int {
	start := d.i
	for d.i < len(d.b) && d.b[d.i] >= '0' && d.b[d.i] <= '9' {
		d.i++
	}
	return d.i - start
}

func (d *decoder) literal(want string) error {
	if len(d.b)-d.i >= len(want) && string(d.b[d.i:d.i+len(want)]) == want {
		d.i += len(want)
		return nil
	}
	return d.syntax(want)
}

// skip reads and checks one value of any kind, after blanks.
func (d *decoder) skip() error {
	d.ws()
	if d.i >= len(d.b) {
		return d.syntax("a value")
	}
	switch c := d.b[d.i]; {
	case c == '{':
		return d.skipComposite('}', true)
	case c == '[':
		return d.skipComposite(']', false)
	case c == '"':
		_, err := d.str()
		return err
	case c == 't':
		return d.literal("true")
	case c == 'f':
		return d.literal("false")
	case c == 'n':
		return d.literal("null")
	case c == '-' || c >= '0' && c <= '9':
		_, err := d.number()
		return err
	}
	return d.syntax("a value")
}

func (d *decoder) skipComposite(end byte, object bool) error {
	if d.depth++; d.depth > maxDepth {
		return parseErrorf("nested deeper than %d at byte %d", maxDepth, d.i)
	}
	d.i++
	d.ws()
	if d.i < len(d.b) && d.b[d.i] == end {
		d.i++
		d.depth--
		return nil
	}
	for {
		if object {
			d.ws()
			if d.i >= len(d.b) || d.b[d.i] != '"' {
				return d.syntax("a key")
			}
			if _, err := d.str(); err != nil {
				return err
			}
			if err := d.expect(':', `":"`); err != nil {
				return err
			}
		}
		if err := d.skip(); err != nil {
			return err
		}
		d.ws()
		if d.i < len(d.b) && d.b[d.i] == ',' {
			d.i++
			continue
		}
		if err := d.expect(end, "',' or '"+string(end)+"'"); err != nil {
			return err
		}
		d.depth--
		return nil
	}
}

// validate checks that b is a sequence of JSON objects, as a record must be.
func validate(b []byte) error {
	var d decoder
	d.reset(b)
	d.ws()
	if d.i == len(d.b) {
		return parseErrorf("empty record")
	}
	for d.ws(); d.i < len(d.b); d.ws() {
		if d.b[d.i] != '{' {
			return d.syntax("'{'")
		}
		if err := d.skip(); err != nil {
			return err
		}
	}
	return nil
}
