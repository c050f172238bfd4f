package sigv4

import (
	"bytes"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

const docsGETHead = `
GET /test.txt HTTP/1.1
Host: examplebucket.s3.amazonaws.com
Authorization: %AUTH%
Range: bytes=0-9
x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
x-amz-date: 20130524T000000Z
`

func withAuth(auth string) string { return strings.Replace(docsGETHead, "%AUTH%", auth, 1) }

func TestAuthorizationHeaderForms(t *testing.T) {
	const sig = "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
	const cred = "AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request"
	const signed = "host;range;x-amz-content-sha256;x-amz-date"
	ok := []string{
		"AWS4-HMAC-SHA256 Credential=" + cred + ",SignedHeaders=" + signed + ",Signature=" + sig,
		"AWS4-HMAC-SHA256 Credential=" + cred + ", SignedHeaders=" + signed + ", Signature=" + sig,
		"AWS4-HMAC-SHA256   Credential=" + cred + " ,  SignedHeaders=" + signed + " ,Signature=" + sig,
		"AWS4-HMAC-SHA256 Signature=" + sig + ", Credential=" + cred + ", SignedHeaders=" + signed,
		"AWS4-HMAC-SHA256,Credential=" + cred + ",SignedHeaders=" + signed + ",Signature=" + sig + ",",
	}
	for _, a := range ok {
		if _, err := exampleVerifier(exampleTime).Verify(wireRequest(t, withAuth(a), nil)); err != nil {
			t.Errorf("%q: %v", a, err)
		}
	}

	bad := []struct{ auth, code string }{
		{"AWS4-HMAC-SHA256", "AuthorizationHeaderMalformed"},
		{"AWS4-HMAC-SHA256 Credential=" + cred, "AuthorizationHeaderMalformed"},
		{"AWS4-HMAC-SHA256 Credential=" + cred + ", SignedHeaders=" + signed, "AuthorizationHeaderMalformed"},
		{"AWS4-HMAC-SHA256 Credential=" + cred + ", Credential=" + cred + ", SignedHeaders=" + signed + ", Signature=" + sig, "AuthorizationHeaderMalformed"},
		{"AWS4-HMAC-SHA256 Credential=" + cred + ", SignedHeaders=" + signed + ", Signature=" + sig + ", Extra=1", "AuthorizationHeaderMalformed"},
		{"AWS4-HMAC-SHA256 Credential " + cred + ", SignedHeaders=" + signed + ", Signature=" + sig, "AuthorizationHeaderMalformed"},
		{"AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3, SignedHeaders=" + signed + ", Signature=" + sig, "AuthorizationHeaderMalformed"},
		{"AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/2013052/us-east-1/s3/aws4_request, SignedHeaders=" + signed + ", Signature=" + sig, "AuthorizationHeaderMalformed"},
		{"AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130525/us-east-1/s3/aws4_request, SignedHeaders=" + signed + ", Signature=" + sig, "AuthorizationHeaderMalformed"},
		{"AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524//s3/aws4_request, SignedHeaders=" + signed + ", Signature=" + sig, "AuthorizationHeaderMalformed"},
		{"AWS4-HMAC-SHA256 Credential=/20130524/us-east-1/s3/aws4_request, SignedHeaders=" + signed + ", Signature=" + sig, "AuthorizationHeaderMalformed"},
		{"AWS4-HMAC-SHA256 Credential=" + cred + ", SignedHeaders=range;x-amz-date, Signature=" + sig, "AuthorizationHeaderMalformed"},
		{"AWS4-HMAC-SHA256 Credential=" + cred + ", SignedHeaders=host;;range, Signature=" + sig, "AuthorizationHeaderMalformed"},
		{"AWS4-HMAC-SHA256 Credential=" + cred + ", SignedHeaders=, Signature=" + sig, "AuthorizationHeaderMalformed"},
		{"AWS4-HMAC-SHA512 Credential=" + cred + ", SignedHeaders=" + signed + ", Signature=" + sig, "AuthorizationHeaderMalformed"},
		{"AWS4-HMAC-SHA256Credential=" + cred + ", SignedHeaders=" + signed + ", Signature=" + sig, "AuthorizationHeaderMalformed"},
		{"AWS AKIAIOSFODNN7EXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=", "SignatureDoesNotMatch"}, // SigV2, see sigv2_test.go
		{"AWS4-ECDSA-P256-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/s3/aws4_request, SignedHeaders=host, Signature=00", "InvalidRequest"},
		{"AWS4-HMAC-SHA256 Credential=" + cred + ", SignedHeaders=" + signed + ", Signature=" + sig[:63], "SignatureDoesNotMatch"},
		{"AWS4-HMAC-SHA256 Credential=" + cred + ", SignedHeaders=" + signed + ", Signature=" + sig[:63] + "g", "SignatureDoesNotMatch"},
		{"AWS4-HMAC-SHA256 Credential=" + cred + ", SignedHeaders=" + signed + ", Signature=" + strings.Repeat("0", 64), "SignatureDoesNotMatch"},
		{"AWS4-HMAC-SHA256 Credential=" + cred + ", SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=" + sig, "SignatureDoesNotMatch"},
		{"AWS4-HMAC-SHA256 Credential=AKIAOTHER/20130524/us-east-1/s3/aws4_request, SignedHeaders=" + signed + ", Signature=" + sig, "InvalidAccessKeyId"},
	}
	for _, tc := range bad {
		_, err := exampleVerifier(exampleTime).Verify(wireRequest(t, withAuth(tc.auth), nil))
		if got := codeOf(err); got != tc.code {
			t.Errorf("%q: %v (code %q), want %q", tc.auth, err, got, tc.code)
		}
	}

	// Upper-case hex in the signature is the same signature.
	a := "AWS4-HMAC-SHA256 Credential=" + cred + ", SignedHeaders=" + signed + ", Signature=" + strings.ToUpper(sig)
	if _, err := exampleVerifier(exampleTime).Verify(wireRequest(t, withAuth(a), nil)); err != nil {
		t.Errorf("upper-case signature: %v", err)
	}
}

func TestAnonymousAndMixed(t *testing.T) {
	v := exampleVerifier(exampleTime)
	_, err := v.Verify(wireRequest(t, "GET /bucket/key?versionId=3 HTTP/1.1\nHost: x\n", nil))
	wantCode(t, err, "AccessDenied")

	head := withAuth("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=" + strings.Repeat("0", 64))
	head = strings.Replace(head, "/test.txt", "/test.txt?X-Amz-Signature=00", 1)
	_, err = v.Verify(wireRequest(t, head, nil))
	wantCode(t, err, "InvalidArgument")

	// An escaped spelling of X-Amz-Signature is still query authentication.
	_, err = v.Verify(wireRequest(t, "GET /k?X-Amz-%53ignature=00 HTTP/1.1\nHost: x\n", nil))
	wantCode(t, err, "AuthorizationQueryParametersError")

	if _, err := (&Verifier{}).Verify(wireRequest(t, withAuth("x"), nil)); err == nil {
		t.Error("Verifier without Secrets verified")
	}
	if _, err := v.Verify(&http.Request{}); err == nil {
		t.Error("request without URL verified")
	}
	if _, err := v.Verify(nil); err == nil {
		t.Error("nil request verified")
	}
}

func TestRequestDate(t *testing.T) {
	// A request dated by the Date header alone, signed by hand.
	key := testSigningKey(exampleSecret, "20130524", "us-east-1", "s3")
	sign := func(date string) string {
		cr := "GET\n/\n\ndate:" + date + "\nhost:examplebucket.s3.amazonaws.com\nx-amz-content-sha256:UNSIGNED-PAYLOAD\n\n" +
			"date;host;x-amz-content-sha256\nUNSIGNED-PAYLOAD"
		sts := "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n" + sha256Hex([]byte(cr))
		return hex.EncodeToString(testHMAC(key, sts))
	}
	for _, date := range []string{"Fri, 24 May 2013 00:00:00 GMT", "Friday, 24-May-13 00:00:00 GMT", "20130524T000000Z"} {
		head := "GET / HTTP/1.1\nHost: examplebucket.s3.amazonaws.com\nDate: " + date +
			"\nx-amz-content-sha256: UNSIGNED-PAYLOAD\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=date;host;x-amz-content-sha256, Signature=" + sign(date) + "\n"
		if _, err := exampleVerifier(exampleTime.Add(10 * time.Minute)).Verify(wireRequest(t, head, nil)); err != nil {
			t.Errorf("Date %q: %v", date, err)
		}
	}

	for _, tc := range []struct{ header, code string }{
		{"", "AccessDenied"},
		{"x-amz-date: 2013-05-24T00:00:00Z\n", "AccessDenied"},
		{"x-amz-date: 20130524T000000\n", "AccessDenied"},
		{"Date: yesterday\n", "AccessDenied"},
	} {
		head := "GET / HTTP/1.1\nHost: h\n" + tc.header + "Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=" + strings.Repeat("a", 64) + "\n"
		_, err := exampleVerifier(exampleTime).Verify(wireRequest(t, head, nil))
		if codeOf(err) != tc.code {
			t.Errorf("%q: %v, want %s", tc.header, err, tc.code)
		}
	}

	// Skew: 15 minutes by default, MaxSkew when set; the message is S3's.
	head := withAuth("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
	_, err := exampleVerifier(exampleTime.Add(-15*time.Minute - time.Second)).Verify(wireRequest(t, head, nil))
	wantCode(t, err, "RequestTimeTooSkewed")
	if !strings.Contains(err.Error(), "The difference between the request time and the current time is too large") {
		t.Errorf("message %q", err)
	}
	if e := err.(*Error); e.Status != http.StatusForbidden {
		t.Errorf("status %d", e.Status)
	}
	v := exampleVerifier(exampleTime.Add(2 * time.Minute))
	v.MaxSkew = time.Minute
	_, err = v.Verify(wireRequest(t, head, nil))
	wantCode(t, err, "RequestTimeTooSkewed")
}

func TestPresignedParameters(t *testing.T) {
	base := url.Values{
		"X-Amz-Algorithm":     {"AWS4-HMAC-SHA256"},
		"X-Amz-Credential":    {"AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request"},
		"X-Amz-Date":          {"20130524T000000Z"},
		"X-Amz-Expires":       {"86400"},
		"X-Amz-SignedHeaders": {"host"},
		"X-Amz-Signature":     {"aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"},
	}
	verify := func(edit func(url.Values), raw string) error {
		q := url.Values{}
		for k, v := range base {
			q[k] = append([]string(nil), v...)
		}
		edit(q)
		head := "GET /test.txt?" + q.Encode() + raw + " HTTP/1.1\nHost: examplebucket.s3.amazonaws.com\n"
		_, err := exampleVerifier(exampleTime).Verify(wireRequest(t, head, nil))
		return err
	}
	if err := verify(func(url.Values) {}, ""); err != nil {
		t.Fatalf("unchanged: %v", err)
	}
	for _, tc := range []struct {
		name string
		edit func(url.Values)
		raw  string
		code string
	}{
		{"no algorithm", func(q url.Values) { q.Del("X-Amz-Algorithm") }, "", "AuthorizationQueryParametersError"},
		{"other algorithm", func(q url.Values) { q.Set("X-Amz-Algorithm", "AWS4-HMAC-SHA1") }, "", "AuthorizationQueryParametersError"},
		{"no credential", func(q url.Values) { q.Del("X-Amz-Credential") }, "", "AuthorizationQueryParametersError"},
		{"bad credential", func(q url.Values) { q.Set("X-Amz-Credential", "AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3") }, "", "AuthorizationQueryParametersError"},
		{"no date", func(q url.Values) { q.Del("X-Amz-Date") }, "", "AuthorizationQueryParametersError"},
		{"bad date", func(q url.Values) { q.Set("X-Amz-Date", "2013-05-24") }, "", "AuthorizationQueryParametersError"},
		{"scope date differs", func(q url.Values) { q.Set("X-Amz-Date", "20130523T235959Z") }, "", "AuthorizationQueryParametersError"},
		{"no expires", func(q url.Values) { q.Del("X-Amz-Expires") }, "", "AuthorizationQueryParametersError"},
		{"zero expires", func(q url.Values) { q.Set("X-Amz-Expires", "0") }, "", "AuthorizationQueryParametersError"},
		{"week+1 expires", func(q url.Values) { q.Set("X-Amz-Expires", "604801") }, "", "AuthorizationQueryParametersError"},
		{"text expires", func(q url.Values) { q.Set("X-Amz-Expires", "1d") }, "", "AuthorizationQueryParametersError"},
		{"no signed headers", func(q url.Values) { q.Del("X-Amz-SignedHeaders") }, "", "AuthorizationQueryParametersError"},
		{"host not signed", func(q url.Values) { q.Set("X-Amz-SignedHeaders", "range") }, "", "AuthorizationQueryParametersError"},
		{"no signature", func(q url.Values) { q.Del("X-Amz-Signature") }, "", "AuthorizationQueryParametersError"},
		{"two signatures", func(url.Values) {}, "&X-Amz-Signature=00", "AuthorizationQueryParametersError"},
		{"short signature", func(q url.Values) { q.Set("X-Amz-Signature", "aeeed9") }, "", "SignatureDoesNotMatch"},
		{"extra parameter", func(q url.Values) { q.Set("x-id", "GetObject") }, "", "SignatureDoesNotMatch"},
		{"unknown key", func(q url.Values) {
			q.Set("X-Amz-Credential", "AKIAOTHER/20130524/us-east-1/s3/aws4_request")
		}, "", "InvalidAccessKeyId"},
		{"future", func(q url.Values) { q.Set("X-Amz-Date", "20130524T001600Z") }, "", "AccessDenied"},
		{"bad escape", func(url.Values) {}, "&a=%zz", "InvalidArgument"},
	} {
		err := verify(tc.edit, tc.raw)
		if got := codeOf(err); got != tc.code {
			t.Errorf("%s: %v (code %q), want %s", tc.name, err, got, tc.code)
		}
	}
}

func TestContentSHA256Header(t *testing.T) {
	head := func(h string) string {
		return "PUT /b/k HTTP/1.1\nHost: h\nx-amz-date: 20130524T000000Z\nx-amz-content-sha256: " + h +
			"\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=" + strings.Repeat("a", 64) + "\n"
	}
	for h, code := range map[string]string{
		"sha256":   "InvalidArgument",
		"UNSIGNED": "InvalidArgument",
		"e3b0c442": "InvalidArgument",
		"STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD": "InvalidRequest",
		strings.Repeat("z", 64):                    "InvalidArgument",
		strings.Repeat("A", 64):                    "SignatureDoesNotMatch",
		"UNSIGNED-PAYLOAD":                         "SignatureDoesNotMatch",
	} {
		_, err := exampleVerifier(exampleTime).Verify(wireRequest(t, head(h), nil))
		if got := codeOf(err); got != code {
			t.Errorf("%q: %v, want %s", h, err, code)
		}
	}
}

func TestBufferedBodyLimit(t *testing.T) {
	head := "POST / HTTP/1.1\nHost: h\nx-amz-date: 20130524T000000Z\nContent-Length: %d\n" +
		"Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=" + strings.Repeat("a", 64) + "\n"
	big := maxBufferedBody + 1
	_, err := exampleVerifier(exampleTime).Verify(wireRequest(t, strings.Replace(head, "%d", "16777217", 1), make([]byte, big)))
	wantCode(t, err, "EntityTooLarge")

	// Chunked transfer with no declared length is cut off at the cap too.
	r := wireRequest(t, strings.Replace(head, "Content-Length: %d\n", "", 1), nil)
	r.ContentLength = -1
	r.Body = io.NopCloser(bytes.NewReader(make([]byte, big)))
	_, err = exampleVerifier(exampleTime).Verify(r)
	wantCode(t, err, "EntityTooLarge")

	// A body that ends early.
	r = wireRequest(t, strings.Replace(head, "%d", "10", 1), nil)
	r.Body = io.NopCloser(io.MultiReader(strings.NewReader("abc"), iotestErrReader{io.ErrUnexpectedEOF}))
	_, err = exampleVerifier(exampleTime).Verify(r)
	wantCode(t, err, "IncompleteBody")
}

func TestCanonicalURI(t *testing.T) {
	for _, tc := range []struct {
		target string
		s3     bool
		want   string
	}{
		{"/", true, "/"},
		{"", true, "/"},
		{"/a%7Eb~c", true, "/a~b~c"},
		{"/a%2Fb/c", true, "/a%2Fb/c"},
		{"/a%2fb", true, "/a%2Fb"},
		{"/a b", true, "/a%20b"},
		{"/a+b", true, "/a%2Bb"},
		{"/%E2%82%AC", true, "/%E2%82%AC"},
		{"//a/./b/../", true, "//a/./b/../"},
		{"/a!b", true, "/a%21b"},
		{"/a%20b", false, "/a%2520b"},
		{"/a/b", false, "/a/b"},
	} {
		u := &url.URL{}
		if tc.target != "" {
			var err error
			if u, err = url.ParseRequestURI(tc.target); err != nil {
				u = &url.URL{Path: tc.target}
			}
		}
		if got := string(appendCanonicalURI(nil, u, tc.s3)); got != tc.want {
			t.Errorf("%q (s3 %v): %q, want %q", tc.target, tc.s3, got, tc.want)
		}
	}
}

func TestCanonicalQuery(t *testing.T) {
	for _, tc := range []struct{ raw, want string }{
		{"", ""},
		{"b=2&a=1", "a=1&b=2"},
		{"a=2&a=1&a=", "a=&a=1&a=2"},
		{"uploads", "uploads="},
		{"a=x+y&b=%2b&c=%7e", "a=x%20y&b=%2B&c=~"},
		{"k=a/b:c", "k=a%2Fb%3Ac"},
		{"&&a=1&", "a=1"},
		{"B=1&a=1&_=1", "B=1&_=1&a=1"},
	} {
		got, err := appendCanonicalQuery(nil, tc.raw, false)
		if err != nil || string(got) != tc.want {
			t.Errorf("%q: %q, %v; want %q", tc.raw, got, err, tc.want)
		}
	}
	for _, raw := range []string{"a=%zz", "a=%4", "a;b=c"} {
		if _, err := appendCanonicalQuery(nil, raw, false); codeOf(err) != "InvalidArgument" {
			t.Errorf("%q: %v", raw, err)
		}
	}
	got, _ := appendCanonicalQuery(nil, "X-Amz-Signature=1&a=2&X-Amz-Date=3", true)
	if string(got) != "X-Amz-Date=3&a=2" {
		t.Errorf("presigned: %q", got)
	}
}

func TestCanonicalHeaderValues(t *testing.T) {
	r := &http.Request{
		Host:             "h.example",
		Header:           http.Header{"X-Amz-Meta-A": {"  a   b  ", "c"}, "Content-Type": {"t"}, "weird_name": {"w"}},
		ContentLength:    42,
		TransferEncoding: []string{"chunked"},
	}
	got := string(appendCanonicalHeaders(nil, r, "content-length;content-type;host;transfer-encoding;weird_name;x-amz-meta-a;x-amz-missing"))
	want := "content-length:42\ncontent-type:t\nhost:h.example\ntransfer-encoding:chunked\nweird_name:w\nx-amz-meta-a:a b,c\nx-amz-missing:\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestKeyCache(t *testing.T) {
	var c keyCache
	want := testSigningKey(exampleSecret, "20130524", "us-east-1", "s3")
	for range 2 {
		k := c.get(exampleSecret, "20130524", "us-east-1", "s3")
		if !bytes.Equal(k[:], want) {
			t.Fatalf("key %x, want %x", k, want)
		}
	}
	for i := range maxCachedKeys + 10 {
		c.get(exampleSecret, "20130524", "r"+string(rune('a'+i%26))+strings.Repeat("x", i), "s3")
	}
	if len(c.m) > maxCachedKeys {
		t.Errorf("cache holds %d keys", len(c.m))
	}
	// Long secrets (over the HMAC block) work too.
	long := strings.Repeat("s", 200)
	k := deriveKey(long, "20130524", "us-east-1", "s3")
	if !bytes.Equal(k[:], testSigningKey(long, "20130524", "us-east-1", "s3")) {
		t.Error("long secret")
	}
	if got := hmacSHA256([]byte("k"), bytes.Repeat([]byte("m"), 1000)); !bytes.Equal(got[:], testHMAC([]byte("k"), strings.Repeat("m", 1000))) {
		t.Error("long message")
	}
}
