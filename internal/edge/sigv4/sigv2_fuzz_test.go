package sigv4

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// FuzzVerifyV2 drives the SigV2 verifier with arbitrary Authorization
// headers, queries, paths, hosts and dates: it must not panic, must give
// every failure an S3 code, must pass a verified body through unchanged,
// and must not verify the same request under a second secret.
func FuzzVerifyV2(f *testing.F) {
	date := "Tue, 27 Mar 2007 19:36:42 +0000"
	f.Add("AWS AKIAIOSFODNN7EXAMPLE:bWq2s1WEIj+Ydj0vQ697zp+IXMU=", "", "/photos/puppy.jpg", "johnsmith.s3.amazonaws.com", date, "", []byte(nil))
	f.Add("", "AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D&Expires=1175139620", "/photos/puppy.jpg", "johnsmith.s3.amazonaws.com", "", "", []byte(nil))
	f.Add("AWS AKIAIOSFODNN7EXAMPLE:lx3byBScXR6KzyMaifNkardMwNk=", "", "/johnsmith/photos/puppy.jpg", "s3.amazonaws.com", "Tue, 27 Mar 2007 21:20:27 +0000", "Tue, 27 Mar 2007 21:20:26 +0000", []byte("body"))
	f.Add("AWS AKIAIOSFODNN7EXAMPLE:c2WLPFtWHVgbEmeEG93a4cG37dM=", "acl&versionId=%zz&uploadId=a=b&partNumber", "/", "johnsmith.s3.amazonaws.com:80", "Tue, 27 Mar 2007 19:44:46 +0000", "", []byte(nil))
	f.Add("AWS :", "Signature=&x-amz-meta-a=%&content-type=x", "/a%2Fb/%E2%82%AC//x", "[::1]:9800", "", "20070327T193642Z", []byte("x"))
	f.Add("AWS", "AWSAccessKeyId=A&Signature=+++&Expires=99999999999999999999&X-Amz-Signature=00", "", "", "", "", []byte(nil))

	f.Fuzz(func(t *testing.T, authz, query, path, host, date, amzDate string, body []byte) {
		u, err := url.ParseRequestURI(path)
		if err != nil {
			u = &url.URL{Path: path}
		}
		u.RawQuery = query
		newRequest := func() *http.Request {
			r := &http.Request{
				Method:        http.MethodPut,
				URL:           u,
				Host:          host,
				Header:        http.Header{"Content-Type": {"text/plain"}, "X-Amz-Meta-A": {"1", "2"}},
				Body:          io.NopCloser(bytes.NewReader(body)),
				ContentLength: int64(len(body)),
			}
			if authz != "" {
				r.Header.Set("Authorization", authz)
			}
			if date != "" {
				r.Header.Set("Date", date)
			}
			if amzDate != "" {
				r.Header.Set("X-Amz-Date", amzDate)
			}
			return r
		}
		now := time.Date(2007, 3, 27, 19, 40, 0, 0, time.UTC)
		v := &Verifier{Secrets: anySecret{}, Now: func() time.Time { return now }, S3Domains: []string{"s3.amazonaws.com"}}
		res, err := v.Verify(newRequest())
		checkErr(t, err)
		if _, perr := v.Prepare(newRequest()); (perr == nil) != (err == nil) && v2FormOf(newRequest()) != v2None {
			t.Fatalf("Prepare %v, Verify %v", perr, err)
		}
		if err != nil {
			if res != nil {
				t.Fatal("result with an error")
			}
			return
		}
		if v2FormOf(newRequest()) == v2None {
			return // a SigV4 request: FuzzVerify's part
		}
		got, err := io.ReadAll(res.Body)
		if err != nil || !bytes.Equal(got, body) {
			t.Fatalf("body %q, %v; sent %q", got, err, body)
		}
		other := &Verifier{Secrets: secretMap{res.AccessKeyID: "another secret"}, Now: v.Now, S3Domains: v.S3Domains}
		if _, err := other.Verify(newRequest()); err == nil {
			t.Fatal("verified under two secrets")
		}
	})
}
