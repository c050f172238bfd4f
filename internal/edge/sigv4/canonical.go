package sigv4

import (
	"bytes"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

const upperHex = "0123456789ABCDEF"

// unreserved reports the bytes AWS's URI encoding leaves alone (RFC 3986
// unreserved); everything else becomes %XX with upper-case hex.
func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

func appendEncoded(dst []byte, c byte) []byte {
	if unreserved(c) {
		return append(dst, c)
	}
	return append(dst, '%', upperHex[c>>4], upperHex[c&15])
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// pctByte decodes the %XX at s[i], if there is a valid one.
func pctByte(s string, i int) (byte, bool) {
	if i+2 >= len(s) || s[i] != '%' {
		return 0, false
	}
	hi, ok1 := unhex(s[i+1])
	lo, ok2 := unhex(s[i+2])
	return hi<<4 | lo, ok1 && ok2
}

// appendCanonicalURI appends the canonical URI of u.
//
// For S3 the path the client sent is decoded once and re-encoded, so any
// spelling of the same key (e.g. "~" or "%7E") signs alike; an encoded slash
// stays encoded, since a client that sent %2F signed %2F. Other services
// encode the path as sent a second time, as the SDKs do for them. Neither
// normalises "." or "//": S3 keys may contain them.
func appendCanonicalURI(dst []byte, u *url.URL, s3 bool) []byte {
	start := len(dst)
	switch {
	case !s3:
		p := u.EscapedPath()
		for i := 0; i < len(p); i++ {
			if p[i] == '/' {
				dst = append(dst, '/')
			} else {
				dst = appendEncoded(dst, p[i])
			}
		}
	case u.RawPath != "":
		// RawPath is only kept when the client's escaping differs from Go's
		// default, e.g. when it sent %2F; EscapedPath gives that spelling back.
		p := u.EscapedPath()
		for i := 0; i < len(p); i++ {
			c := p[i]
			if b, ok := pctByte(p, i); ok {
				i += 2
				if b == '/' {
					dst = append(dst, "%2F"...)
					continue
				}
				c = b
			} else if c == '/' {
				dst = append(dst, '/')
				continue
			}
			dst = appendEncoded(dst, c)
		}
	default:
		p := u.Path
		for i := 0; i < len(p); i++ {
			if p[i] == '/' {
				dst = append(dst, '/')
			} else {
				dst = appendEncoded(dst, p[i])
			}
		}
	}
	if len(dst) == start {
		dst = append(dst, '/')
	}
	return dst
}

// queryPair locates an encoded name and value inside a scratch buffer.
type queryPair struct{ ks, ke, vs, ve int }

// appendQueryComponent decodes one name or value of a raw query ("+" is a
// space, as net/url reads it for the handler) and appends its AWS encoding.
func appendQueryComponent(dst []byte, s string) ([]byte, bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '%':
			b, ok := pctByte(s, i)
			if !ok {
				return dst, false
			}
			c = b
			i += 2
		case '+':
			c = ' '
		case ';':
			// net/url drops such pairs, so the handler would not see what
			// was signed; refuse rather than disagree.
			return dst, false
		}
		dst = appendEncoded(dst, c)
	}
	return dst, true
}

// appendCanonicalQuery appends the canonical query string of a raw query:
// every parameter AWS-encoded, sorted by name then value. X-Amz-Signature is
// left out when skipSignature is set (presigned URLs).
func appendCanonicalQuery(dst []byte, raw string, skipSignature bool) ([]byte, error) {
	if raw == "" {
		return dst, nil
	}
	var scratch [512]byte
	var pairsBuf [16]queryPair
	enc, pairs := scratch[:0], pairsBuf[:0]
	for raw != "" {
		var seg string
		seg, raw, _ = strings.Cut(raw, "&")
		if seg == "" {
			continue
		}
		name, value, _ := strings.Cut(seg, "=")
		var p queryPair
		var ok bool
		p.ks = len(enc)
		if enc, ok = appendQueryComponent(enc, name); !ok {
			return dst, errArgument("The query string is not validly encoded near %q.", clip(seg))
		}
		p.ke = len(enc)
		if skipSignature && string(enc[p.ks:p.ke]) == "X-Amz-Signature" {
			enc = enc[:p.ks]
			continue
		}
		p.vs = len(enc)
		if enc, ok = appendQueryComponent(enc, value); !ok {
			return dst, errArgument("The query string is not validly encoded near %q.", clip(seg))
		}
		p.ve = len(enc)
		pairs = append(pairs, p)
	}
	slices.SortFunc(pairs, func(a, b queryPair) int {
		if c := bytes.Compare(enc[a.ks:a.ke], enc[b.ks:b.ke]); c != 0 {
			return c
		}
		return bytes.Compare(enc[a.vs:a.ve], enc[b.vs:b.ve])
	})
	for i, p := range pairs {
		if i > 0 {
			dst = append(dst, '&')
		}
		dst = append(dst, enc[p.ks:p.ke]...)
		dst = append(dst, '=')
		dst = append(dst, enc[p.vs:p.ve]...)
	}
	return dst, nil
}

// appendCanonicalHeaders appends "name:value\n" for each signed header, in
// the order the client listed them (which AWS requires to be sorted).
func appendCanonicalHeaders(dst []byte, r *http.Request, signed string) []byte {
	for signed != "" {
		var name string
		name, signed, _ = strings.Cut(signed, ";")
		dst = append(dst, name...)
		dst = append(dst, ':')
		dst = appendHeaderValue(dst, r, name)
		dst = append(dst, '\n')
	}
	return dst
}

// appendHeaderValue appends the canonical value of one header: each value
// trimmed with inner runs of spaces collapsed, several joined by ",".
// net/http moves some headers out of r.Header; they are read back from
// where it put them.
func appendHeaderValue(dst []byte, r *http.Request, name string) []byte {
	switch {
	case strings.EqualFold(name, "host"), name == authority:
		host := r.Host
		if host == "" && r.URL != nil {
			host = r.URL.Host
		}
		return appendTrimmed(dst, host)
	case strings.EqualFold(name, "content-length"):
		if vs := lookupHeader(r.Header, name); len(vs) > 0 {
			return appendValues(dst, vs)
		}
		if r.ContentLength > 0 {
			return strconv.AppendInt(dst, r.ContentLength, 10)
		}
		return dst
	case strings.EqualFold(name, "expect"):
		if vs := lookupHeader(r.Header, name); len(vs) > 0 || r.ProtoMajor != 2 {
			return appendValues(dst, vs)
		}
		// net/http's HTTP/2 server answers "Expect: 100-continue" itself
		// and takes it out of the header; curl signs it.
		return append(dst, "100-continue"...)
	case strings.EqualFold(name, "transfer-encoding"):
		if vs := lookupHeader(r.Header, name); len(vs) > 0 {
			return appendValues(dst, vs)
		}
		return appendValues(dst, r.TransferEncoding)
	}
	return appendValues(dst, lookupHeader(r.Header, name))
}

func appendValues(dst []byte, vs []string) []byte {
	for i, v := range vs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendTrimmed(dst, v)
	}
	return dst
}

// appendTrimmed is AWS's "trimall": no leading or trailing spaces, and each
// run of inner spaces as one.
func appendTrimmed(dst []byte, v string) []byte {
	v = strings.Trim(v, " ")
	space := false
	for i := 0; i < len(v); i++ {
		if v[i] == ' ' {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		dst = append(dst, v[i])
	}
	return dst
}

// lookupHeader finds a header by any case of its name without allocating:
// it canonicalises into a stack buffer, and falls back to a scan for names
// textproto would not canonicalise.
func lookupHeader(h http.Header, name string) []string {
	if len(name) <= 128 {
		var kb [128]byte
		k := kb[:len(name)]
		upper := true
		for i := 0; i < len(name); i++ {
			c := name[i]
			if upper && 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			} else if !upper && 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			k[i] = c
			upper = c == '-'
		}
		if vs, ok := h[string(k)]; ok {
			return vs
		}
	}
	for k, vs := range h {
		if strings.EqualFold(k, name) {
			return vs
		}
	}
	return nil
}

// clip shortens attacker-supplied text quoted in error messages.
func clip(s string) string {
	const max = 64
	if len(s) > max {
		return s[:max] + "..."
	}
	return s
}
