package redshift

// oneChar decodes a one-character argument (DELIMITER, QUOTE,
// ACCEPTINVCHARS) the way Redshift's docs write them: the ASCII character
// itself, '\t' for a tab, or an octal '\ddd' for any ASCII byte.
func oneChar(s string) (string, bool) {
	switch {
	case len(s) == 1 && s[0] < 0x80:
		return s, true
	case s == `\t`:
		return "\t", true
	case len(s) == 4 && s[0] == '\\' && isOctal(s[1]) && isOctal(s[2]) && isOctal(s[3]):
		v := (s[1]-'0')<<6 | (s[2]-'0')<<3 | (s[3] - '0')
		if s[1] <= '1' && v < 0x80 {
			return string(rune(v)), true
		}
	}
	return "", false
}

func isOctal(c byte) bool { return c >= '0' && c <= '7' }
