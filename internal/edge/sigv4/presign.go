package sigv4

import (
	"net/url"
	"strconv"
	"strings"
	"time"
)

// maxPresignExpires is S3's limit on X-Amz-Expires: seven days.
const maxPresignExpires = 7 * 24 * 60 * 60

// hasQueryAuth reports whether a raw query carries presigned-URL
// authentication. Names are decoded first, so an escaped spelling of
// X-Amz-Signature is not mistaken for an ordinary parameter.
func hasQueryAuth(raw string) bool {
	if !strings.Contains(raw, "X-Amz-") && !strings.Contains(raw, "%") {
		return false // the common case, decided without decoding
	}
	for raw != "" {
		var seg string
		seg, raw, _ = strings.Cut(raw, "&")
		name, _, _ := strings.Cut(seg, "=")
		if n, err := url.QueryUnescape(name); err == nil {
			switch n {
			case "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature":
				return true
			}
		}
	}
	return false
}

// parsePresigned reads the X-Amz-* authentication parameters of a
// presigned URL.
func parsePresigned(raw string) (credential, error) {
	var c credential
	var alg, cred, date, expires, signed, sig string
	var have [6]bool
	for raw != "" {
		var seg string
		seg, raw, _ = strings.Cut(raw, "&")
		if seg == "" {
			continue
		}
		rawName, rawValue, _ := strings.Cut(seg, "=")
		name, err := url.QueryUnescape(rawName)
		if err != nil {
			return c, errQueryParams("the parameter name %q is not validly encoded", clip(rawName))
		}
		var dst *string
		var i int
		switch name {
		case "X-Amz-Algorithm":
			dst, i = &alg, 0
		case "X-Amz-Credential":
			dst, i = &cred, 1
		case "X-Amz-Date":
			dst, i = &date, 2
		case "X-Amz-Expires":
			dst, i = &expires, 3
		case "X-Amz-SignedHeaders":
			dst, i = &signed, 4
		case "X-Amz-Signature":
			dst, i = &sig, 5
		default:
			continue
		}
		if have[i] {
			return c, errQueryParams("%s is given more than once", name)
		}
		have[i] = true
		if *dst, err = url.QueryUnescape(rawValue); err != nil {
			return c, errQueryParams("%s is not validly encoded", name)
		}
	}
	for i, name := range [...]string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Signature"} {
		if !have[i] {
			return c, errQueryParams("%s is missing", name)
		}
	}
	if alg != algorithm {
		return c, errQueryParams("X-Amz-Algorithm only supports %q, got %q", algorithm, clip(alg))
	}
	if detail := c.setCredential(cred); detail != "" {
		return c, errQueryParams("%s", detail)
	}
	secs, err := strconv.ParseInt(expires, 10, 64)
	if err != nil || secs < 1 || secs > maxPresignExpires {
		return c, errQueryParams("X-Amz-Expires must be a number of seconds from 1 to %d, got %q", maxPresignExpires, clip(expires))
	}
	if detail := checkSignedHeaders(signed); detail != "" {
		return c, errQueryParams("X-Amz-SignedHeaders: %s", detail)
	}
	if !decodeSignature(&c.signature, sig) {
		return c, errSignature("request")
	}
	c.presigned = true
	c.amzDate = date
	c.expires = time.Duration(secs) * time.Second
	c.signedHeaders = signed
	return c, nil
}
