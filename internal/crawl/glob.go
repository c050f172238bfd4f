package crawl

import (
	"fmt"
	"regexp"
	"strings"
)

// compileGlob turns a Glue exclusion pattern into a regexp over keys
// relative to the include path: "*" matches within a folder name, "**"
// across folders, "?" one character, "[...]" a class, "{a,b}" either.
func compileGlob(p string) (*regexp.Regexp, error) {
	if p == "" {
		return nil, fmt.Errorf("empty pattern")
	}
	var b strings.Builder
	b.WriteString("^")
	depth := 0
	for i := 0; i < len(p); i++ {
		switch c := p[i]; c {
		case '*':
			if i+1 < len(p) && p[i+1] == '*' {
				b.WriteString(".*")
				i++
			} else {
				b.WriteString("[^/]*")
			}
		case '?':
			b.WriteString("[^/]")
		case '[':
			j := strings.IndexByte(p[i:], ']')
			if j < 0 {
				return nil, fmt.Errorf("unclosed [ at %d", i)
			}
			class := p[i+1 : i+j]
			if strings.HasPrefix(class, "!") {
				class = "^" + class[1:]
			}
			b.WriteString("[" + strings.ReplaceAll(class, `\`, `\\`) + "]")
			i += j
		case '{':
			b.WriteString("(?:")
			depth++
		case '}':
			if depth == 0 {
				return nil, fmt.Errorf("unopened } at %d", i)
			}
			b.WriteString(")")
			depth--
		case ',':
			if depth > 0 {
				b.WriteString("|")
			} else {
				b.WriteString(",")
			}
		case '\\':
			if i+1 < len(p) {
				i++
				b.WriteString(regexp.QuoteMeta(p[i : i+1]))
			}
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	if depth > 0 {
		return nil, fmt.Errorf("unclosed {")
	}
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil, fmt.Errorf("bad pattern: %v", err)
	}
	return re, nil
}

// parseS3Path splits "s3://bucket/prefix" into bucket and a prefix that is
// empty or ends in "/".
func parseS3Path(p string) (bucket, prefix string, err error) {
	rest, ok := strings.CutPrefix(p, "s3://")
	if !ok {
		return "", "", fmt.Errorf("path %q does not start with s3://", p)
	}
	bucket, prefix, _ = strings.Cut(rest, "/")
	if bucket == "" {
		return "", "", fmt.Errorf("path %q names no bucket", p)
	}
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	return bucket, prefix, nil
}
