package sqltext

import (
	"strconv"
	"strings"
)

// hiveQuoted reads the Hive string or `identifier` quoted at i and returns
// its value and end. A doubled quote stands for itself; in strings a
// backslash escapes the next character, as in Hive.
func hiveQuoted(text string, i int) (string, int, error) {
	q := text[i]
	for j := i + 1; j < len(text); j++ {
		switch {
		case text[j] == '\\' && q != '`':
			j++
		case text[j] == q && j+1 < len(text) && text[j+1] == q:
			j++
		case text[j] == q:
			body := text[i+1 : j]
			if q == '`' {
				return strings.ReplaceAll(body, "``", "`"), j + 1, nil
			}
			return hiveUnescape(body, q), j + 1, nil
		}
	}
	what := "quoted string"
	if q == '`' {
		what = "quoted identifier"
	}
	return "", 0, &Error{i, "unterminated " + what}
}

// hiveUnescape decodes a Hive string's body: \n, \t, \\, \', \0NN octal,
// \uXXXX; \% and \_ keep their backslash (LIKE patterns).
func hiveUnescape(s string, q byte) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == q && i+1 < len(s) && s[i+1] == q {
			b.WriteByte(q)
			i++
			continue
		}
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		if s[i+1] == 'u' && i+6 <= len(s) {
			if r, err := strconv.ParseUint(s[i+2:i+6], 16, 16); err == nil {
				b.WriteRune(rune(r))
				i += 5
				continue
			}
		}
		if i+4 <= len(s) && (s[i+1] == '0' || s[i+1] == '1') && isOctal(s[i+2]) && isOctal(s[i+3]) {
			b.WriteByte((s[i+1]-'0')<<6 | (s[i+2]-'0')<<3 | (s[i+3] - '0'))
			i += 3
			continue
		}
		i++
		switch s[i] {
		case '0':
			b.WriteByte(0)
		case 'Z':
			b.WriteByte(0x1a)
		case 'b', 'n', 'r', 't':
			b.WriteByte(unescape(s[i]))
		case '%', '_':
			b.WriteByte('\\')
			b.WriteByte(s[i])
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

func isOctal(c byte) bool { return c >= '0' && c <= '7' }
