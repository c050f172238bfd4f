package load

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"
)

// invalidDigit is Redshift's 1207 for the character at i of b.
func invalidDigit(b []byte, i int, typ string) convErr {
	_, n := utf8.DecodeRune(b[i:])
	return convErr{code: CodeInvalidDigit, pos: i,
		reason: fmt.Sprintf("Invalid digit, Value '%s', Pos %d, Type: %s", b[i:i+n], i, typ)}
}

// intType names an integer width as Redshift's messages do.
type intType struct {
	name     string
	min, max int64
}

var (
	tinyintType  = intType{"Short", math.MinInt8, math.MaxInt8}
	smallintType = intType{"Short", math.MinInt16, math.MaxInt16}
	integerType  = intType{"Integer", math.MinInt32, math.MaxInt32}
	bigintType   = intType{"Long", math.MinInt64, math.MaxInt64}
)

// parseInt reads [sign] digits, nothing else: Redshift takes no blanks, no
// point and no exponent in an integer.
func parseInt(b []byte, t intType) (int64, convErr) {
	i, neg := 0, false
	if b[0] == '+' || b[0] == '-' {
		neg, i = b[0] == '-', 1
		if len(b) == 1 {
			return 0, invalidDigit(b, 0, t.name)
		}
	}
	limit := uint64(t.max)
	if neg {
		limit++
	}
	var u uint64
	over := false
	for ; i < len(b); i++ {
		d := b[i] - '0'
		if d > 9 {
			return 0, invalidDigit(b, i, t.name)
		}
		if !over {
			if u > (limit-uint64(d))/10 {
				over = true
			} else {
				u = u*10 + uint64(d)
			}
		}
	}
	if over {
		return 0, convErr{code: CodeIntegerOverflow,
			reason: fmt.Sprintf("Overflow (%s valid range %d to %d)", t.name, t.min, t.max)}
	}
	if neg {
		return -int64(u-1) - 1, convErr{}
	}
	return int64(u), convErr{}
}

// parseFloat takes decimal notation with an optional exponent, and NaN and
// Infinity; hex floats and underscores, which Go would read, are refused.
func parseFloat(b []byte, bits int) (float64, convErr) {
	typ := "Double"
	if bits == 32 {
		typ = "Float"
	}
	if f, ok := specialFloat(b); ok {
		return f, convErr{}
	}
	for i, c := range b {
		switch {
		case c >= '0' && c <= '9', c == '.', c == 'e', c == 'E':
		case (c == '+' || c == '-') && (i == 0 || b[i-1] == 'e' || b[i-1] == 'E'):
		default:
			return 0, invalidDigit(b, i, typ)
		}
	}
	f, err := strconv.ParseFloat(string(b), bits)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange && !math.IsInf(f, 0) {
			return f, convErr{} // underflow rounds to zero
		}
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return 0, convErr{code: CodeOutOfRange, reason: fmt.Sprintf("Overflow for %s, Value '%s'", typ, b)}
		}
		return 0, convErr{code: CodeBadFloat, reason: fmt.Sprintf("Invalid %s format, Value '%s'", typ, b)}
	}
	return f, convErr{}
}

func specialFloat(b []byte) (float64, bool) {
	s := b
	sign := 1.0
	if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
		if s[0] == '-' {
			sign = -1
		}
		s = s[1:]
	}
	switch {
	case bytes.EqualFold(s, []byte("nan")):
		return math.NaN(), true
	case bytes.EqualFold(s, []byte("inf")), bytes.EqualFold(s, []byte("infinity")):
		return math.Inf(int(sign)), true
	}
	return 0, false
}

// parseBool takes COPY's literals, in any case and between blanks.
func parseBool(b []byte) (bool, convErr) {
	s := bytes.TrimSpace(b)
	if len(s) <= 5 {
		var low [5]byte
		for i, c := range s {
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			low[i] = c
		}
		switch string(low[:len(s)]) {
		case "t", "true", "y", "yes", "1":
			return true, convErr{}
		case "f", "false", "n", "no", "0":
			return false, convErr{}
		}
	}
	return false, convErr{code: CodeBadBoolean, reason: fmt.Sprintf("Invalid boolean value, Value '%s'", b)}
}
