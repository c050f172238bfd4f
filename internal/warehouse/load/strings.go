package load

import (
	"fmt"
	"unicode/utf8"
)

// isBlank reports a field of white space only (an empty one too).
func isBlank(b []byte) bool {
	for _, c := range b {
		if !isSpace(c) {
			return false
		}
	}
	return true
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// stringValue applies COPY's CHAR/VARCHAR rules to a non-NULL field and
// says whether it became NULL. scratch holds a value ACCEPTINVCHARS
// rewrote.
func (cv *converter) stringValue(b []byte, c *config, scratch *[]byte) (val []byte, null bool, e convErr) {
	if len(b) == 0 {
		return b, c.emptyAsNull, convErr{}
	}
	if c.blanksAsNull && isBlank(b) {
		return nil, true, convErr{}
	}
	if b, e = cv.checkUTF8(b, c, scratch); e.code != 0 {
		return nil, false, e
	}
	if cv.col.Char {
		b = trimRight(b, ' ') // CHAR's trailing blanks do not count
	} else if c.trimBlanks {
		b = trimRightSpace(b)
	}
	if n := cv.col.MaxLen; n > 0 && len(b) > n {
		if !c.truncate {
			return nil, false, convErr{code: CodeOutOfRange, reason: "String length exceeds DDL length"}
		}
		b = cutToRune(b[:n])
	}
	return b, false, convErr{}
}

// cutToRune drops a character the cut left incomplete.
func cutToRune(b []byte) []byte {
	k := len(b) - 1
	for k > 0 && len(b)-k < utf8.UTFMax && b[k]&0xC0 == 0x80 {
		k--
	}
	if k >= 0 && b[k] >= utf8.RuneSelf && !utf8.FullRune(b[k:]) {
		return b[:k]
	}
	return b
}

func trimRight(b []byte, c byte) []byte {
	for len(b) > 0 && b[len(b)-1] == c {
		b = b[:len(b)-1]
	}
	return b
}

func trimRightSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// checkUTF8 refuses what Redshift refuses: in CHAR any byte past ASCII, in
// VARCHAR invalid UTF-8, each with its 1220 reason. With ACCEPTINVCHARS a
// VARCHAR's bad bytes (and the noncharacters) are each replaced instead.
func (cv *converter) checkUTF8(b []byte, c *config, scratch *[]byte) ([]byte, convErr) {
	i := 0
	for i < len(b) && b[i] < utf8.RuneSelf {
		i++
	}
	if i == len(b) {
		return b, convErr{}
	}
	if cv.col.Char {
		_, n := utf8.DecodeRune(b[i:])
		return nil, convErr{code: CodeBadUTF8, pos: i, reason: fmt.Sprintf(
			"Multibyte character not supported for CHAR (Hint: Try using VARCHAR). Invalid char: %x", b[i:i+max(n, 1)])}
	}
	out := b
	replaced := false
	for i < len(b) {
		if b[i] < utf8.RuneSelf {
			if replaced {
				out = append(out, b[i])
			}
			i++
			continue
		}
		n, sub := utf8Problem(b[i:])
		if sub == 0 {
			if replaced {
				out = append(out, b[i:i+n]...)
			}
			i += n
			continue
		}
		if !c.acceptInv {
			if sub == subNonchar {
				i += n // valid UTF-8: loaded as it is without ACCEPTINVCHARS
				continue
			}
			return nil, convErr{code: CodeBadUTF8, pos: i, reason: fmt.Sprintf(
				"String contains invalid or unsupported UTF-8 codepoints. Bad UTF-8 hex sequence: %x (error %d)", b[i:i+n], sub)}
		}
		if !replaced {
			out = append((*scratch)[:0], b[:i]...)
			replaced = true
		}
		for range n {
			out = append(out, c.invChar)
		}
		i += n
	}
	if replaced {
		*scratch = out
	}
	return out, convErr{}
}

// Redshift's sub-codes for a bad UTF-8 sequence, from its multibyte load
// error table.
const (
	subTooLong    = 1 // a lead byte for more than four bytes
	subIncomplete = 2 // too few continuation bytes before the end
	subBadLead    = 3 // a continuation, 254 or 255 as a first byte
	subBadTrail   = 4 // a continuation byte out of 128-191
	subSurrogate  = 5
	subNonchar    = 6 // U+FDD0-U+FDEF, U+xFFFE and U+xFFFF: valid but not characters
	subTooBig     = 8 // past U+10FFFF
	subNoMatch    = 9 // an overlong form, which no code point has
)

// utf8Problem classifies the sequence starting b (b[0] >= 0x80): its length
// and 0 when it is a good character, else the bytes it spans and why.
func utf8Problem(b []byte) (n, sub int) {
	c := b[0]
	switch {
	case c < 0xC0 || c >= 0xFE:
		return 1, subBadLead
	case c >= 0xF8:
		return 1, subTooLong
	case c >= 0xF0:
		n = 4
	case c >= 0xE0:
		n = 3
	default:
		n = 2
	}
	for k := 1; k < n; k++ {
		if k >= len(b) {
			return k, subIncomplete
		}
		if b[k]&0xC0 != 0x80 {
			return k, subBadTrail
		}
	}
	r := rune(c&(0x7F>>n)) << (6 * (n - 1))
	for k := 1; k < n; k++ {
		r |= rune(b[k]&0x3F) << (6 * (n - 1 - k))
	}
	switch {
	case r > utf8.MaxRune:
		return n, subTooBig
	case n == 2 && r < 0x80, n == 3 && r < 0x800, n == 4 && r < 0x10000:
		return n, subNoMatch
	case r >= 0xD800 && r <= 0xDFFF:
		return n, subSurrogate
	case r >= 0xFDD0 && r <= 0xFDEF, r&0xFFFE == 0xFFFE:
		return n, subNonchar
	}
	return n, 0
}
