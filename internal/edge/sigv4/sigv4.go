// Package sigv4 verifies AWS Signature Version 4 on incoming HTTP requests,
// so the aws CLI and the AWS SDKs can talk to tarn unchanged, and S3's
// Signature Version 2 for the clients that still sign or presign with it.
//
// It checks the Authorization header and presigned URLs, and wraps the body
// so that what the handler reads is what was signed: a SHA-256 payload hash
// is checked as the body streams, and aws-chunked uploads are decoded and
// their chunk signatures checked one chunk at a time.
package sigv4

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"
)

const (
	algorithm      = "AWS4-HMAC-SHA256"
	amzDateLayout  = "20060102T150405Z"
	defaultMaxSkew = 15 * time.Minute
	scopeTerminal  = "aws4_request"
)

// Secrets looks up the secret key of an access key id.
type Secrets interface {
	Secret(accessKeyID string) (secret string, ok bool)
}

// Result is a verified request.
type Result struct {
	AccessKeyID string
	Region      string
	Service     string
	Presigned   bool
	// Body replaces r.Body: it yields the decoded payload (aws-chunked framing removed)
	// and returns an *Error from Read at the end if the payload does not match what was signed
	// (XAmzContentSHA256Mismatch for a signed SHA256 payload, SignatureDoesNotMatch for a bad chunk signature,
	// IncompleteBody when the body ends early / framing is broken).
	Body io.ReadCloser
	// DecodedLength is the payload length: X-Amz-Decoded-Content-Length for aws-chunked bodies, else r.ContentLength (-1 unknown).
	DecodedLength int64

	chunked *chunkReader
	release func() // see Release
}

// Trailer returns the trailing headers (lower-case names, e.g. "x-amz-checksum-crc32") of an aws-chunked body,
// available once Body has returned io.EOF; nil otherwise.
func (r *Result) Trailer() map[string]string {
	if r == nil || r.chunked == nil {
		return nil
	}
	return r.chunked.trailerMap()
}

// Verifier checks SigV4 signatures. Use it through a pointer: it holds a
// cache of derived signing keys.
type Verifier struct {
	Secrets Secrets
	Now     func() time.Time // nil: time.Now
	MaxSkew time.Duration    // 0: 15 minutes
	// S3Domains are the domains under which "bucket.<domain>" hosts name a
	// bucket, as the S3 API reads them: Signature Version 2 signs the
	// bucket's name, which such a request carries only in its host.
	S3Domains []string

	keys keyCache
}

// credential is what a request claims about its signer, from either the
// Authorization header or the presigned query.
type credential struct {
	accessKeyID   string
	date          string // the scope's date, YYYYMMDD
	region        string
	service       string
	scope         string // date/region/service/aws4_request
	signedHeaders string // as the client listed them, ";"-separated
	signature     [sha256.Size]byte

	presigned bool
	amzDate   string // presigned only: X-Amz-Date
	expires   time.Duration
}

// Verify checks r's signature (Authorization header or presigned query, SigV4 or, for S3, SigV2) and returns the result.
// An unsigned (anonymous) request gets Code "AccessDenied". It must never panic on any input.
//
// The body is read before the signature is checked only when the signature
// covers a payload hash the request does not carry (see Prepare); other
// bodies are checked as the handler reads them.
func (v *Verifier) Verify(r *http.Request) (*Result, error) {
	if form := v2FormOf(r); form != v2None {
		return v.verifyV2(r, form)
	}
	h, err := v.head(r)
	if err != nil {
		return nil, err
	}
	c, p := &h.cred, &h.payload
	if p.kind == payloadBuffered {
		// Non-S3 APIs sign the body's hash without sending it: the body has
		// to be read before the signature can be checked.
		if err := p.readAll(r); err != nil {
			return nil, err
		}
	}

	key := v.keys.get(h.secret, c.date, c.region, c.service)
	sig, err := requestSignature(r, c, h.amzDate, p.hash, &key)
	if err != nil {
		p.release()
		return nil, err
	}
	if subtle.ConstantTimeCompare(sig[:], c.signature[:]) != 1 {
		p.release()
		return nil, errSignature("request")
	}

	res := &Result{
		AccessKeyID: c.accessKeyID,
		Region:      c.region,
		Service:     c.service,
		Presigned:   c.presigned,
	}
	if err := p.attach(res, r, &chunkSigner{key: key, amzDate: h.amzDate, scope: c.scope, seed: sig}); err != nil {
		p.release()
		return nil, err
	}
	return res, nil
}

// Plan is what Prepare learns of a request from its head.
type Plan struct {
	AccessKeyID string
	// Buffer is the most body bytes Verify will read into memory before it
	// can check the signature: the signature of a non-S3 request covers the
	// hash of a body whose hash it does not send. 0 for every other
	// request: Verify checks its signature from the head alone.
	Buffer int64
}

// Prepare checks all of r's authentication that needs neither its body nor
// its signature: the form of the credential, that the key exists, the
// request time, the payload header and the query's encoding. A caller that
// must spend something on the body before Verify can check it (read it
// into memory, or spool it to learn its length) calls Prepare first, so
// that what fails anyway fails before anything is spent. Verify repeats
// these checks.
func (v *Verifier) Prepare(r *http.Request) (Plan, error) {
	if form := v2FormOf(r); form != v2None {
		return v.prepareV2(r, form)
	}
	h, err := v.head(r)
	if err != nil {
		return Plan{}, err
	}
	var crBuf [512]byte
	if _, err := appendCanonicalQuery(crBuf[:0], r.URL.RawQuery, h.cred.presigned); err != nil {
		return Plan{}, err
	}
	plan := Plan{AccessKeyID: h.cred.accessKeyID}
	if h.payload.kind == payloadBuffered && r.Body != nil && r.Body != http.NoBody {
		switch {
		case r.ContentLength > maxBufferedBody:
			return Plan{}, errTooLarge(maxBufferedBody)
		case r.ContentLength >= 0:
			plan.Buffer = r.ContentLength
		default:
			plan.Buffer = maxBufferedBody
		}
	}
	return plan, nil
}

// head is what Verify and Prepare check before the signature.
type head struct {
	cred    credential
	secret  string
	amzDate string
	payload payload
}

func (v *Verifier) head(r *http.Request) (head, error) {
	if r == nil || r.URL == nil {
		return head{}, errors.New("sigv4: verify: request without a URL")
	}
	if v.Secrets == nil {
		return head{}, errors.New("sigv4: verify: Verifier has no Secrets")
	}

	authz := r.Header["Authorization"]
	presigned := hasQueryAuth(r.URL.RawQuery)
	var h head
	var err error
	switch {
	case len(authz) > 0 && presigned:
		return head{}, errArgument("Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified.")
	case len(authz) > 1:
		return head{}, errHeaderMalformed("more than one Authorization header")
	case len(authz) == 1:
		h.cred, err = parseAuthorization(authz[0])
	case presigned:
		h.cred, err = parsePresigned(r.URL.RawQuery)
	default:
		return head{}, errAnonymous()
	}
	if err != nil {
		return head{}, err
	}

	var ok bool
	if h.secret, ok = v.Secrets.Secret(h.cred.accessKeyID); !ok {
		return head{}, errUnknownKey(h.cred.accessKeyID)
	}
	if h.amzDate, err = v.checkTime(r, &h.cred); err != nil {
		return head{}, err
	}
	if h.payload, err = choosePayload(r, &h.cred); err != nil {
		return head{}, err
	}
	return h, nil
}

func (v *Verifier) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

func (v *Verifier) maxSkew() time.Duration {
	if v.MaxSkew > 0 {
		return v.MaxSkew
	}
	return defaultMaxSkew
}

// checkTime finds the request time, checks it against the credential scope
// and the clock, and returns it as the string to sign carries it.
func (v *Verifier) checkTime(r *http.Request, c *credential) (string, error) {
	now := v.now()
	skew := v.maxSkew()
	if c.presigned {
		t, ok := parseAmzDate(c.amzDate)
		if !ok {
			return "", errQueryParams("X-Amz-Date must be in the ISO8601 basic format yyyyMMdd'T'HHmmss'Z', got %q", clip(c.amzDate))
		}
		if c.amzDate[:8] != c.date {
			return "", errQueryParams("the credential scope date %q does not match X-Amz-Date %q", c.date, c.amzDate)
		}
		if t.After(now.Add(skew)) {
			return "", errNotYetValid()
		}
		if now.After(t.Add(c.expires)) {
			return "", errExpired()
		}
		return c.amzDate, nil
	}

	var amzDate string
	var t time.Time
	if vs := r.Header["X-Amz-Date"]; len(vs) > 0 {
		var ok bool
		if t, ok = parseAmzDate(vs[0]); !ok {
			return "", errNoDate()
		}
		amzDate = vs[0]
	} else if vs := r.Header["Date"]; len(vs) > 0 {
		var err error
		if t, err = http.ParseTime(vs[0]); err != nil {
			var ok bool
			if t, ok = parseAmzDate(vs[0]); !ok {
				return "", errNoDate()
			}
		}
		amzDate = t.UTC().Format(amzDateLayout)
	} else {
		return "", errNoDate()
	}
	if amzDate[:8] != c.date {
		return "", errHeaderMalformed("the credential scope date %q does not match the request date %q", c.date, amzDate)
	}
	if d := now.Sub(t); d > skew || d < -skew {
		return "", errSkewed(amzDate, now.UTC().Format(amzDateLayout))
	}
	return amzDate, nil
}

func parseAmzDate(s string) (time.Time, bool) {
	if len(s) != len(amzDateLayout) {
		return time.Time{}, false
	}
	t, err := time.Parse(amzDateLayout, s)
	return t, err == nil
}

// parseAuthorization reads
//
//	AWS4-HMAC-SHA256 Credential=AKID/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=...
//
// tolerating spaces and commas around the parts as AWS does.
func parseAuthorization(h string) (credential, error) {
	var c credential
	h = strings.TrimLeft(h, " \t")
	rest, ok := strings.CutPrefix(h, algorithm)
	if !ok || rest != "" && rest[0] != ' ' && rest[0] != ',' {
		alg, _, _ := strings.Cut(h, " ")
		if alg == "AWS4-ECDSA-P256-SHA256" {
			return c, errUnsupportedAuth("The authorization mechanism you have provided (SigV4a, AWS4-ECDSA-P256-SHA256) is not supported. Please use AWS4-HMAC-SHA256.")
		}
		return c, errHeaderMalformed("unsupported algorithm %q, expected %s", clip(alg), algorithm)
	}

	var cred, signed, sig string
	var haveCred, haveSigned, haveSig bool
	for rest != "" {
		var part string
		part, rest, _ = strings.Cut(rest, ",")
		part = strings.Trim(part, " \t")
		if part == "" {
			continue
		}
		k, val, ok := strings.Cut(part, "=")
		if !ok {
			return c, errHeaderMalformed("component %q has no '='", clip(part))
		}
		val = strings.Trim(val, " \t")
		var seen *bool
		switch strings.TrimRight(k, " \t") {
		case "Credential":
			cred, seen = val, &haveCred
		case "SignedHeaders":
			signed, seen = val, &haveSigned
		case "Signature":
			sig, seen = val, &haveSig
		default:
			return c, errHeaderMalformed("unknown component %q", clip(k))
		}
		if *seen {
			return c, errHeaderMalformed("%s given twice", k)
		}
		*seen = true
	}
	if !haveCred || !haveSigned || !haveSig {
		return c, errHeaderMalformed("Credential, SignedHeaders and Signature are all required")
	}
	if detail := c.setCredential(cred); detail != "" {
		return c, errHeaderMalformed("%s", detail)
	}
	if detail := checkSignedHeaders(signed); detail != "" {
		return c, errHeaderMalformed("%s", detail)
	}
	c.signedHeaders = signed
	if !decodeSignature(&c.signature, sig) {
		return c, errSignature("request")
	}
	return c, nil
}

// setCredential parses "AKID/date/region/service/aws4_request"; it returns
// what is wrong, or "".
func (c *credential) setCredential(s string) string {
	akid, scope, ok := strings.Cut(s, "/")
	if !ok || akid == "" {
		return "the Credential has no access key id (" + quote(s) + ")"
	}
	date, rest, _ := strings.Cut(scope, "/")
	region, rest, _ := strings.Cut(rest, "/")
	service, term, _ := strings.Cut(rest, "/")
	if term != scopeTerminal {
		return "the Credential scope must be date/region/service/aws4_request, got " + quote(scope)
	}
	if len(date) != 8 || strings.Trim(date, "0123456789") != "" {
		return "the Credential scope date must be yyyyMMdd, got " + quote(date)
	}
	if region == "" || service == "" {
		return "the Credential scope has an empty region or service (" + quote(scope) + ")"
	}
	c.accessKeyID, c.scope, c.date, c.region, c.service = akid, scope, date, region, service
	return ""
}

// maxSignedHeaders bounds the work one request can ask for.
const maxSignedHeaders = 256

// authority is HTTP/2's pseudo-header for the host. The AWS SDK for
// JavaScript v3 signs it, and not host, on its HTTP/2 requests.
const authority = ":authority"

// checkSignedHeaders checks the ";"-list of signed header names; host (or
// :authority) must be among them, since the signature would not otherwise
// bind the request to this endpoint.
func checkSignedHeaders(s string) string {
	if s == "" {
		return "SignedHeaders is empty"
	}
	n, host := 0, false
	for rest := s; rest != ""; {
		var name string
		name, rest, _ = strings.Cut(rest, ";")
		if name == "" || name != authority && strings.ContainsAny(name, " \t:\r\n") {
			return "SignedHeaders has an invalid name in " + quote(s)
		}
		if name == "host" || name == authority {
			host = true
		}
		if n++; n > maxSignedHeaders {
			return "SignedHeaders lists too many headers"
		}
	}
	if strings.HasSuffix(s, ";") {
		return "SignedHeaders has an invalid name in " + quote(s)
	}
	if !host {
		return "SignedHeaders must include host"
	}
	return ""
}

func decodeSignature[T string | []byte](dst *[sha256.Size]byte, s T) bool {
	if len(s) != 2*sha256.Size {
		return false
	}
	for i := range dst {
		hi, ok1 := unhex(s[2*i])
		lo, ok2 := unhex(s[2*i+1])
		if !ok1 || !ok2 {
			return false
		}
		dst[i] = hi<<4 | lo
	}
	return true
}

func quote(s string) string { return `"` + clip(s) + `"` }

// requestSignature computes the signature of r as the client should have:
// HMAC(signing key, string to sign), the string to sign ending in the hash
// of the canonical request.
func requestSignature(r *http.Request, c *credential, amzDate, payloadHash string, key *[sha256.Size]byte) ([sha256.Size]byte, error) {
	var crBuf [1024]byte
	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	cr := append(crBuf[:0], method...)
	cr = append(cr, '\n')
	cr = appendCanonicalURI(cr, r.URL, c.service == "s3")
	cr = append(cr, '\n')
	cr, err := appendCanonicalQuery(cr, r.URL.RawQuery, c.presigned)
	if err != nil {
		return [sha256.Size]byte{}, err
	}
	cr = append(cr, '\n')
	cr = appendCanonicalHeaders(cr, r, c.signedHeaders)
	cr = append(cr, '\n')
	cr = append(cr, c.signedHeaders...)
	cr = append(cr, '\n')
	cr = append(cr, payloadHash...)
	crHash := sha256.Sum256(cr)

	var stsBuf [stackMsg]byte
	sts := append(stsBuf[:0], algorithm+"\n"...)
	sts = append(sts, amzDate...)
	sts = append(sts, '\n')
	sts = append(sts, c.scope...)
	sts = append(sts, '\n')
	sts = hex.AppendEncode(sts, crHash[:])
	return hmacSHA256(key[:], sts), nil
}
