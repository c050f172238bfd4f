package sigv4

// S3's Signature Version 2: "Authorization: AWS AccessKeyId:Signature" and
// presigned URLs with AWSAccessKeyId, Expires and Signature. boto3 (1.26 as
// Debian 12 ships it, and later ones) and the aws CLI v1 presign this way
// when nothing else is configured. The signature is HMAC-SHA1 over
//
//	Method \n Content-MD5 \n Content-Type \n Date-or-Expires \n CanonicalizedAmzHeaders CanonicalizedResource
//
// and covers no body: the handler checks Content-MD5 where one is sent.

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// v2Form is how a request carries a Signature Version 2, if it does.
type v2Form int

const (
	v2None   v2Form = iota
	v2Header        // Authorization: AWS AccessKeyId:Signature
	v2Query         // ?AWSAccessKeyId=...&Expires=...&Signature=...
	v2Mixed         // a SigV2 mechanism beside another one
)

// v2FormOf tells whether r is signed with Signature Version 2.
func v2FormOf(r *http.Request) v2Form {
	if r == nil || r.URL == nil {
		return v2None
	}
	authz := r.Header["Authorization"]
	header := slices.ContainsFunc(authz, isV2Authorization)
	query := hasV2QueryAuth(r.URL.RawQuery)
	if !header && !query {
		return v2None
	}
	v4Query := hasQueryAuth(r.URL.RawQuery)
	switch {
	case header && (query || v4Query), query && (len(authz) > 0 || v4Query):
		return v2Mixed
	case header:
		return v2Header
	}
	return v2Query
}

func isV2Authorization(h string) bool {
	h = strings.TrimLeft(h, " \t")
	return h == "AWS" || strings.HasPrefix(h, "AWS ")
}

// hasV2QueryAuth reports whether a raw query names AWSAccessKeyId or
// Signature, decoding names as hasQueryAuth does.
func hasV2QueryAuth(raw string) bool {
	if !strings.Contains(raw, "Signature") && !strings.Contains(raw, "AWSAccessKeyId") && !strings.Contains(raw, "%") {
		return false
	}
	for raw != "" {
		var seg string
		seg, raw, _ = strings.Cut(raw, "&")
		name, _, _ := strings.Cut(seg, "=")
		if n, err := url.QueryUnescape(name); err == nil && (n == "AWSAccessKeyId" || n == "Signature") {
			return true
		}
	}
	return false
}

// isS3Request mirrors the edge's routing: the JSON APIs carry X-Amz-Target
// and Lambda's paths start with its API version. SigV2 is S3's alone.
func isS3Request(r *http.Request) bool {
	return r.Header.Get("X-Amz-Target") == "" && !strings.HasPrefix(r.URL.Path, "/2015-03-31/")
}

// v2Request is what a SigV2 request claims about its signer.
type v2Request struct {
	accessKeyID string
	signature   []byte
	presigned   bool
	expires     string     // presigned: as given, it takes the Date's place
	query       url.Values // presigned: content-md5, content-type and x-amz-* parameters
}

// prepareV2 is Prepare for a SigV2 request: its signature covers no body,
// so it is checked in full.
func (v *Verifier) prepareV2(r *http.Request, form v2Form) (Plan, error) {
	res, err := v.verifyV2(r, form)
	if err != nil {
		return Plan{}, err
	}
	return Plan{AccessKeyID: res.AccessKeyID}, nil
}

// verifyV2 checks a Signature Version 2 request.
func (v *Verifier) verifyV2(r *http.Request, form v2Form) (*Result, error) {
	switch {
	case v.Secrets == nil:
		return nil, errors.New("sigv4: verify: Verifier has no Secrets")
	case form == v2Mixed:
		return nil, errArgument("Only one auth mechanism allowed; only the AWSAccessKeyId/Signature query parameters, the X-Amz-Algorithm query parameter or the Authorization header should be specified.")
	case !isS3Request(r):
		return nil, errUnsupportedAuth("Signature Version 2 is accepted for S3 requests only; sign this request with AWS4-HMAC-SHA256.")
	case len(r.Header["Authorization"]) > 1:
		return nil, errHeaderMalformed("more than one Authorization header")
	}
	var q v2Request
	var err error
	if form == v2Header {
		q, err = parseV2Authorization(r.Header.Get("Authorization"))
	} else {
		q, err = parseV2Query(r.URL.RawQuery)
	}
	if err != nil {
		return nil, err
	}
	secret, ok := v.Secrets.Secret(q.accessKeyID)
	if !ok {
		return nil, errUnknownKey(q.accessKeyID)
	}

	// The Date's place: Expires for a presigned URL; else the Date header,
	// or with x-amz-date the empty string as the specification says, or
	// the Date header as botocore and MinIO sign, or x-amz-date's value as
	// the specification's own DELETE example does.
	type dateSlot struct {
		date        string
		skipAmzDate bool // leave x-amz-date out of the canonical x-amz- headers
	}
	var slots []dateSlot
	if q.presigned {
		exp, err := strconv.ParseInt(q.expires, 10, 64)
		if err != nil || exp < 0 {
			return nil, newError(codeAccessDenied, http.StatusForbidden, "Expires must be a time in seconds since the epoch, got %q", clip(q.expires))
		}
		if v.now().Unix() > exp {
			return nil, errExpired()
		}
		slots = []dateSlot{{date: q.expires}}
	} else {
		amzDate, date := firstHeader(r, "X-Amz-Date"), firstHeader(r, "Date")
		if err := v.checkV2Time(amzDate, date); err != nil {
			return nil, err
		}
		if amzDate == "" {
			slots = []dateSlot{{date: date}}
		} else {
			slots = []dateSlot{{date: ""}, {date: amzDate, skipAmzDate: true}}
			if date != "" {
				slots = append(slots, dateSlot{date: date})
			}
		}
	}

	var buf [512]byte
	match := false
	resources := resourcesV2(r, v.S3Domains)
	m := hmac.New(sha1.New, []byte(secret))
slots:
	for _, s := range slots {
		head := appendHeadV2(buf[:0], r, &q, s.date, s.skipAmzDate)
		for _, res := range resources {
			m.Reset()
			m.Write(head)
			m.Write(res)
			if subtle.ConstantTimeCompare(m.Sum(nil), q.signature) == 1 {
				match = true
				break slots
			}
		}
	}
	if !match {
		return nil, errSignature("request")
	}
	body := r.Body
	if body == nil {
		body = http.NoBody
	}
	return &Result{AccessKeyID: q.accessKeyID, Service: "s3", Presigned: q.presigned, Body: body, DecodedLength: r.ContentLength}, nil
}

// checkV2Time bounds the clock skew of a SigV2 header-signed request.
func (v *Verifier) checkV2Time(amzDate, date string) error {
	s := amzDate
	if s == "" {
		s = date
	}
	if s == "" {
		return errNoDate()
	}
	t, ok := parseV2Time(s)
	if !ok {
		return errNoDate()
	}
	now := v.now()
	if d := now.Sub(t); d > v.maxSkew() || d < -v.maxSkew() {
		return errSkewed(t.UTC().Format(amzDateLayout), now.UTC().Format(amzDateLayout))
	}
	return nil
}

// parseV2Time reads the dates SigV2 clients send: HTTP dates ("GMT"),
// RFC 1123 with a numeric zone (Python's email.utils.formatdate) and the
// ISO 8601 basic form of SigV4.
func parseV2Time(s string) (time.Time, bool) {
	if t, err := http.ParseTime(s); err == nil {
		return t, true
	}
	for _, layout := range []string{time.RFC1123Z, time.RFC1123} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return parseAmzDate(s)
}

func firstHeader(r *http.Request, name string) string {
	if vs := r.Header[name]; len(vs) > 0 {
		return strings.TrimSpace(vs[0])
	}
	return ""
}

func errV2Header() *Error {
	return errArgument("AWS authorization header is invalid. Expected AwsAccessKeyId:signature")
}

// parseV2Authorization reads "AWS AccessKeyId:Signature".
func parseV2Authorization(h string) (v2Request, error) {
	var q v2Request
	rest, ok := strings.CutPrefix(strings.TrimLeft(h, " \t"), "AWS")
	if !ok {
		return q, errV2Header()
	}
	id, sig, ok := strings.Cut(strings.TrimSpace(rest), ":")
	id, sig = strings.TrimSpace(id), strings.TrimSpace(sig)
	if !ok || id == "" || sig == "" {
		return q, errV2Header()
	}
	q.accessKeyID = id
	if q.signature, ok = decodeV2Signature(sig); !ok {
		return q, errSignature("request")
	}
	return q, nil
}

// decodeV2Signature decodes a base64 HMAC-SHA1. A '+' that a URL left
// unescaped has become a space by now; base64 has no spaces, so it is put
// back.
func decodeV2Signature(s string) ([]byte, bool) {
	s = strings.ReplaceAll(s, " ", "+")
	b, err := base64.StdEncoding.DecodeString(s)
	return b, err == nil && len(b) == sha1.Size
}

// maxV2QueryParams bounds the query parameters a presigned URL may sign.
const maxV2QueryParams = 64

// parseV2Query reads the authentication parameters of a SigV2 presigned
// URL, and the headers botocore moves into the query when it presigns
// (Content-MD5, Content-Type and x-amz-*).
func parseV2Query(raw string) (v2Request, error) {
	q := v2Request{presigned: true}
	var sig string
	var have [3]bool
	for raw != "" {
		var seg string
		seg, raw, _ = strings.Cut(raw, "&")
		if seg == "" {
			continue
		}
		rawName, rawValue, _ := strings.Cut(seg, "=")
		name, err := url.QueryUnescape(rawName)
		if err != nil {
			continue // neither an auth parameter nor a header
		}
		var dst *string
		var i int
		switch name {
		case "AWSAccessKeyId":
			dst, i = &q.accessKeyID, 0
		case "Signature":
			dst, i = &sig, 1
		case "Expires":
			dst, i = &q.expires, 2
		default:
			lower := strings.ToLower(name)
			if lower != "content-md5" && lower != "content-type" && !strings.HasPrefix(lower, "x-amz-") {
				continue
			}
			value, err := url.QueryUnescape(rawValue)
			if err != nil {
				return q, errQueryParams("%s is not validly encoded", clip(name))
			}
			if q.query == nil {
				q.query = url.Values{}
			}
			if len(q.query) >= maxV2QueryParams {
				return q, errQueryParams("too many header parameters")
			}
			q.query.Add(lower, value)
			continue
		}
		if have[i] {
			return q, errQueryParams("%s is given more than once", name)
		}
		have[i] = true
		if *dst, err = url.QueryUnescape(rawValue); err != nil {
			return q, errQueryParams("%s is not validly encoded", name)
		}
	}
	if !have[0] || !have[1] || !have[2] || q.accessKeyID == "" {
		return q, newError(codeAccessDenied, http.StatusForbidden, "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters")
	}
	var ok bool
	if q.signature, ok = decodeV2Signature(sig); !ok {
		return q, errSignature("request")
	}
	return q, nil
}

// appendHeadV2 appends the string a SigV2 client signs for r up to the
// CanonicalizedResource, with date in the Date's place.
func appendHeadV2(dst []byte, r *http.Request, q *v2Request, date string, skipAmzDate bool) []byte {
	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	dst = append(dst, method...)
	dst = append(dst, '\n')
	for _, h := range [...]string{"Content-Md5", "Content-Type"} {
		v := firstHeader(r, h)
		if v == "" && q.presigned {
			v = strings.TrimSpace(q.query.Get(strings.ToLower(h)))
		}
		dst = append(dst, v...)
		dst = append(dst, '\n')
	}
	dst = append(dst, date...)
	dst = append(dst, '\n')
	return appendAmzHeadersV2(dst, r, q, skipAmzDate)
}

// appendAmzHeadersV2 appends the CanonicalizedAmzHeaders: every x-amz-
// header, lower-cased and sorted, values trimmed and joined by commas, one
// "name:value\n" each. A presigned URL's x-amz- parameters count as headers
// where no header of that name was sent.
func appendAmzHeadersV2(dst []byte, r *http.Request, q *v2Request, skipAmzDate bool) []byte {
	var namesBuf [16]string
	names := namesBuf[:0]
	for k := range r.Header {
		if len(k) > 6 && strings.EqualFold(k[:6], "x-amz-") {
			names = append(names, strings.ToLower(k))
		}
	}
	for k := range q.query {
		if strings.HasPrefix(k, "x-amz-") && len(r.Header.Values(k)) == 0 {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	names = slices.Compact(names) // "X-Amz-Meta-A" and a non-canonical "x-amz-meta-a" key
	for _, name := range names {
		if skipAmzDate && name == "x-amz-date" {
			continue
		}
		values := headerValues(r.Header, name)
		if len(values) == 0 {
			values = q.query[name]
		}
		dst = append(dst, name...)
		dst = append(dst, ':')
		for i, v := range values {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, strings.TrimSpace(v)...)
		}
		dst = append(dst, '\n')
	}
	return dst
}

// headerValues returns the values of a lower-case header name under any
// spelling of its key.
func headerValues(h http.Header, lower string) []string {
	if vs, ok := h[http.CanonicalHeaderKey(lower)]; ok {
		return vs
	}
	var out []string
	for k, vs := range h {
		if strings.EqualFold(k, lower) {
			out = append(out, vs...)
		}
	}
	return out
}

// v2Subresources are the query parameters that SigV2's CanonicalizedResource
// keeps: S3's list of subresources and response overrides, and those
// botocore adds to it.
var v2Subresources = map[string]bool{
	"accelerate": true, "acl": true, "analytics": true, "cors": true, "defaultObjectAcl": true,
	"delete": true, "inventory": true, "lifecycle": true, "location": true, "logging": true,
	"metrics": true, "notification": true, "object-lock": true, "partNumber": true, "policy": true,
	"replication": true, "requestPayment": true, "restore": true, "select": true, "select-type": true,
	"storageClass": true, "tagging": true, "torrent": true, "uploadId": true, "uploads": true,
	"versionId": true, "versioning": true, "versions": true, "website": true,
	"response-cache-control": true, "response-content-disposition": true, "response-content-encoding": true,
	"response-content-language": true, "response-content-type": true, "response-expires": true,
}

// resourcesV2 returns the CanonicalizedResource of r as the specification
// builds it ("/bucket" when the host names the bucket, the path as sent,
// then the subresources sorted by name, their values decoded), and as
// botocore signs it where it differs:
//
//   - a path-style request for a bucket alone, "/bucket", as "/bucket/"
//     (what S3 expects, says botocore);
//   - botocore 1.29 (Debian 12's) signs the path of its API model, which
//     keeps the operation's fixed query ("/bucket?list-type=2" for
//     ListObjectsV2, "/bucket?acl" for GetBucketAcl) before the
//     subresources it then appends ("/bucket?acl?acl"). That fixed query is
//     the first one or two parameters of the URL.
//
// A form other than the specification's names the same bucket, key and
// subresources, so none lets a signature stand for another request.
func resourcesV2(r *http.Request, domains []string) [][]byte {
	var base []byte
	bucket := vhostBucket(r.Host, domains)
	if bucket != "" {
		base = append(append(base, '/'), bucket...)
	}
	p := r.URL.EscapedPath()
	if p == "" {
		p = "/"
	}
	base = append(base, p...)
	sub := appendSubresourcesV2(nil, r.URL.RawQuery)

	forms := [][]byte{slices.Concat(base, sub)}
	if bucket == "" && len(p) > 1 && strings.IndexByte(p[1:], '/') < 0 {
		forms = append(forms, slices.Concat(base, []byte{'/'}, sub))
	}
	fixed, n := 0, 0
	for raw := r.URL.RawQuery; raw != "" && n < 2; n++ {
		var seg string
		seg, raw, _ = strings.Cut(raw, "&")
		if name, _, _ := strings.Cut(seg, "="); name == "" || name == "AWSAccessKeyId" || name == "Signature" || name == "Expires" {
			break
		}
		fixed += len(seg) + 1
		forms = append(forms, slices.Concat(base, []byte{'?'}, []byte(r.URL.RawQuery[:fixed-1]), sub))
	}
	return forms
}

// appendSubresourcesV2 appends "?" and the subresources of a raw query,
// sorted by name, their values decoded; nothing if it has none.
func appendSubresourcesV2(dst []byte, rawQuery string) []byte {
	type param struct {
		name, value string
		hasValue    bool
	}
	var paramsBuf [4]param
	params := paramsBuf[:0]
	for raw := rawQuery; raw != ""; {
		var seg string
		seg, raw, _ = strings.Cut(raw, "&")
		name, value, hasValue := strings.Cut(seg, "=")
		if !v2Subresources[name] {
			continue
		}
		if v, err := url.PathUnescape(value); err == nil {
			value = v
		}
		params = append(params, param{name, value, hasValue})
	}
	slices.SortStableFunc(params, func(a, b param) int { return strings.Compare(a.name, b.name) })
	for i, p := range params {
		if i == 0 {
			dst = append(dst, '?')
		} else {
			dst = append(dst, '&')
		}
		dst = append(dst, p.name...)
		if p.hasValue {
			dst = append(dst, '=')
			dst = append(dst, p.value...)
		}
	}
	return dst
}

// vhostBucket is the bucket a virtual-host-style host names under one of
// domains, as the S3 API reads it; "" for path style.
func vhostBucket(host string, domains []string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	for _, d := range domains {
		if b, ok := strings.CutSuffix(host, "."+d); ok && b != "" {
			return b
		}
	}
	return ""
}
