package format

import (
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// errTruncated says the data ended inside a value: the byte cap cut it.
var errTruncated = errors.New("unexpected end of data")

// jsonScanner infers the type of JSON values straight from bytes: no
// tokens, no decoded values, only the keys it must keep (interned, as
// records repeat them). It is what makes a crawl of thousands of JSON files
// fast; encoding/json's Token API spends most of its time allocating.
type jsonScanner struct {
	b    []byte
	i    int
	keys map[string]string
}

func (s *jsonScanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\r', '\n':
			s.i++
		default:
			return
		}
	}
}

func (s *jsonScanner) errorf(format string, a ...any) error {
	return fmt.Errorf("at byte %d: "+format, append([]any{s.i}, a...)...)
}

// value reads one value and returns its type (KindInvalid for null).
func (s *jsonScanner) value(depth int) (Type, error) {
	if depth > maxDepth {
		return Type{}, s.errorf("nested deeper than %d", maxDepth)
	}
	s.ws()
	if s.i >= len(s.b) {
		return Type{}, errTruncated
	}
	switch c := s.b[s.i]; {
	case c == '{':
		return s.object(depth)
	case c == '[':
		return s.array(depth)
	case c == '"':
		if _, err := s.str(false); err != nil {
			return Type{}, err
		}
		return scalar(KindString), nil
	case c == 't':
		return scalar(KindBoolean), s.literal("true")
	case c == 'f':
		return scalar(KindBoolean), s.literal("false")
	case c == 'n':
		return Type{}, s.literal("null")
	case c == '-' || c >= '0' && c <= '9':
		return s.number()
	default:
		return Type{}, s.errorf("invalid character %q looking for a value", c)
	}
}

func (s *jsonScanner) literal(want string) error {
	end := s.i + len(want)
	if end > len(s.b) {
		if string(s.b[s.i:]) == want[:len(s.b)-s.i] {
			return errTruncated
		}
		return s.errorf("invalid literal, want %s", want)
	}
	if string(s.b[s.i:end]) != want {
		return s.errorf("invalid literal, want %s", want)
	}
	s.i = end
	return nil
}

func (s *jsonScanner) object(depth int) (Type, error) {
	s.i++ // {
	var fields []Column
	for first := true; ; first = false {
		s.ws()
		if s.i >= len(s.b) {
			return Type{}, errTruncated
		}
		if s.b[s.i] == '}' {
			if !first && s.b[s.i-1] == ',' {
				return Type{}, s.errorf("'}' after ','")
			}
			s.i++
			return structOf(fields...), nil
		}
		if !first {
			if s.b[s.i] != ',' {
				return Type{}, s.errorf("invalid character %q after an object member", s.b[s.i])
			}
			s.i++
			s.ws()
			if s.i >= len(s.b) {
				return Type{}, errTruncated
			}
		}
		if s.b[s.i] != '"' {
			return Type{}, s.errorf("invalid character %q looking for a member name", s.b[s.i])
		}
		key, err := s.str(true)
		if err != nil {
			return Type{}, err
		}
		s.ws()
		if s.i >= len(s.b) {
			return Type{}, errTruncated
		}
		if s.b[s.i] != ':' {
			return Type{}, s.errorf("invalid character %q after a member name", s.b[s.i])
		}
		s.i++
		t, err := s.value(depth + 1)
		if err != nil {
			return Type{}, err
		}
		if dup := indexColumn(fields, key); dup >= 0 {
			// Duplicate keys merge like one field in two records.
			fields[dup].Type, _ = Merge(fields[dup].Type, t)
			continue
		}
		fields = append(fields, Column{Name: key, Type: t})
	}
}

func indexColumn(cols []Column, name string) int {
	for i := range cols {
		if cols[i].Name == name {
			return i
		}
	}
	return -1
}

func (s *jsonScanner) array(depth int) (Type, error) {
	s.i++ // [
	var elem Type
	for first := true; ; first = false {
		s.ws()
		if s.i >= len(s.b) {
			return Type{}, errTruncated
		}
		if s.b[s.i] == ']' {
			if !first && s.b[s.i-1] == ',' {
				return Type{}, s.errorf("']' after ','")
			}
			s.i++
			return arrayOf(elem), nil
		}
		if !first {
			if s.b[s.i] != ',' {
				return Type{}, s.errorf("invalid character %q after an array element", s.b[s.i])
			}
			s.i++
		}
		t, err := s.value(depth + 1)
		if err != nil {
			return Type{}, err
		}
		elem, _ = Merge(elem, t)
	}
}

// str reads a string; with keep it returns it (decoded, interned).
func (s *jsonScanner) str(keep bool) (string, error) {
	start := s.i + 1
	escaped := false
	for j := start; j < len(s.b); j++ {
		switch c := s.b[j]; {
		case c == '"':
			s.i = j + 1
			if !keep {
				return "", nil
			}
			raw := s.b[start-1 : j+1]
			if !escaped {
				if k, ok := s.keys[string(raw[1:len(raw)-1])]; ok {
					return k, nil
				}
			}
			k, err := strconv.Unquote(string(raw))
			if err != nil || !utf8.ValidString(k) {
				return "", fmt.Errorf("at byte %d: invalid string %s", start-1, raw)
			}
			if !escaped {
				s.keys[k] = k
			}
			return k, nil
		case c == '\\':
			escaped = true
			j++ // the escaped byte cannot end the string
		case c < 0x20:
			return "", fmt.Errorf("at byte %d: control character %#x in a string", j, c)
		}
	}
	return "", errTruncated
}

func (s *jsonScanner) number() (Type, error) {
	start := s.i
	if s.b[s.i] == '-' {
		s.i++
	}
	digits := func() int {
		n := 0
		for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
			s.i++
			n++
		}
		return n
	}
	if digits() == 0 {
		if s.i >= len(s.b) {
			return Type{}, errTruncated
		}
		return Type{}, s.errorf("invalid number")
	}
	frac := false
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		frac = true
		if digits() == 0 {
			if s.i >= len(s.b) {
				return Type{}, errTruncated
			}
			return Type{}, s.errorf("invalid number")
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		frac = true
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if digits() == 0 {
			if s.i >= len(s.b) {
				return Type{}, errTruncated
			}
			return Type{}, s.errorf("invalid number")
		}
	}
	if s.i >= len(s.b) {
		// A number at the very end may go on in the bytes not read.
		return Type{}, errTruncated
	}
	switch {
	case frac:
		return scalar(KindDouble), nil
	case s.i-start <= 18: // fits int64 whatever the digits
		return scalar(KindBigint), nil
	}
	return numberType(string(s.b[start:s.i])), nil
}
