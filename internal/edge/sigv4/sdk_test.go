package sigv4

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Cross-checks against aws-sdk-go-v2's signer, an independent implementation.

const (
	sdkAKID   = "AKIDTARNTEST"
	sdkSecret = "tarn/secret+key=with/odd chars"
	sdkHost   = "tarn.example.test:9000"
)

var sdkTime = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

func sdkVerifier(now time.Time) *Verifier {
	return &Verifier{
		Secrets: secretMap{sdkAKID: sdkSecret, "OTHER": "other secret"},
		Now:     func() time.Time { return now },
	}
}

func sdkCreds() aws.Credentials {
	return aws.Credentials{AccessKeyID: sdkAKID, SecretAccessKey: sdkSecret}
}

// s3Path spells a key the way the S3 SDKs send it: every byte but the
// unreserved ones and "/" percent-encoded.
func s3Path(bucket, key string) string {
	var b strings.Builder
	b.WriteString("/" + bucket + "/")
	for _, c := range []byte(key) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', strings.IndexByte("-._~/", c) >= 0:
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// sdkRequest builds a client request for an S3 key, the path spelled as the
// S3 client spells it.
func sdkRequest(t testing.TB, method, key, query string, body []byte) *http.Request {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, "http://"+sdkHost+"/", rd)
	if err != nil {
		t.Fatal(err)
	}
	p := s3Path("bucket", key)
	req.URL.RawPath = p
	if req.URL.Path, err = url.PathUnescape(p); err != nil {
		t.Fatal(err)
	}
	req.URL.RawQuery = query
	return req
}

func signS3(t testing.TB, req *http.Request, payloadHash string) {
	t.Helper()
	req.Header.Set("X-Amz-Content-Sha256", payloadHash)
	s := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	if err := s.SignHTTP(context.Background(), sdkCreds(), req, payloadHash, "s3", "eu-tarn-1", sdkTime); err != nil {
		t.Fatal(err)
	}
}

var oddKeys = []string{
	"plain.txt",
	"with space/and  two",
	"ünïcødé/ключ/日本語.txt",
	"plus+sign",
	"percent%25and%",
	"tilde~and-dash_under.dot",
	"double//slash///",
	"/leading-slash",
	"trailing/",
	"!$&'()*+,;=:@",
	"quote\"back\\slash",
	"emoji 😀",
	"dot/./dotdot/../x",
	"question?hash#",
}

var oddQueries = []string{
	"",
	"uploads",
	"uploads=",
	"prefix=a%20b&delimiter=%2F",
	"empty=&k&x=1",
	"a=2&a=1&a=&b=%2B",
	"list-type=2&continuation-token=abc%2Bdef%2F%3D%3D&start-after=%C3%BC",
	"versionId=null&tagging",
	"weird%20name=v%26alue",
}

func TestSDKHeaderSigned(t *testing.T) {
	for _, key := range oddKeys {
		for _, q := range oddQueries {
			t.Run(key+"?"+q, func(t *testing.T) {
				body := []byte("payload for " + key)
				req := sdkRequest(t, http.MethodPut, key, q, body)
				req.Header.Set("X-Amz-Meta-Note", "  spaced   out  value ")
				req.Header.Add("X-Amz-Meta-Multi", "one")
				req.Header.Add("X-Amz-Meta-Multi", "two")
				req.Header.Set("Content-Type", "text/plain")
				signS3(t, req, sha256Hex(body))
				r := onWire(t, req)

				res, err := sdkVerifier(sdkTime.Add(time.Minute)).Verify(r)
				if err != nil {
					t.Fatalf("Verify: %v\npath %s", err, r.URL.EscapedPath())
				}
				if res.Region != "eu-tarn-1" || res.Service != "s3" || res.AccessKeyID != sdkAKID || res.DecodedLength != int64(len(body)) {
					t.Errorf("result %+v", res)
				}
				got, err := io.ReadAll(res.Body)
				if err != nil || !bytes.Equal(got, body) {
					t.Errorf("body %q, %v", got, err)
				}
			})
		}
	}
}

// The query may reach the server spelled differently from how it was
// signed (order, "+" for space, lower-case hex); it still verifies.
func TestSDKQuerySpelling(t *testing.T) {
	req := sdkRequest(t, http.MethodGet, "k", "prefix=a%20b&marker=x%2Fy&a=1&a=2", nil)
	signS3(t, req, "UNSIGNED-PAYLOAD")
	for _, q := range []string{
		"prefix=a+b&marker=x%2fy&a=1&a=2",
		"a=2&marker=x/y&a=1&prefix=a%20b",
		"prefix=a%20b&&marker=x%2Fy&a=1&a=2&",
	} {
		r := onWire(t, req.Clone(context.Background()))
		r.URL.RawQuery = q
		if _, err := sdkVerifier(sdkTime).Verify(r); err != nil {
			t.Errorf("query %q: %v", q, err)
		}
	}
	r := onWire(t, req)
	r.URL.RawQuery = "prefix=a+b&marker=x%2Fy&a=1&a=3"
	_, err := sdkVerifier(sdkTime).Verify(r)
	wantCode(t, err, "SignatureDoesNotMatch")
}

func TestSDKTampering(t *testing.T) {
	body := []byte("the body that was signed")
	newReq := func() *http.Request {
		req := sdkRequest(t, http.MethodPut, "dir/obj", "partNumber=1&uploadId=u", body)
		req.Header.Set("Range", "bytes=0-9")
		signS3(t, req, sha256Hex(body))
		return req
	}
	v := sdkVerifier(sdkTime)

	t.Run("signature", func(t *testing.T) {
		r := onWire(t, newReq())
		a := r.Header.Get("Authorization")
		last := a[len(a)-1]
		flip := byte('0')
		if last == '0' {
			flip = '1'
		}
		r.Header.Set("Authorization", a[:len(a)-1]+string(flip))
		_, err := v.Verify(r)
		wantCode(t, err, "SignatureDoesNotMatch")
	})
	t.Run("signed header", func(t *testing.T) {
		r := onWire(t, newReq())
		r.Header.Set("Range", "bytes=0-8")
		_, err := v.Verify(r)
		wantCode(t, err, "SignatureDoesNotMatch")
	})
	t.Run("path", func(t *testing.T) {
		r := onWire(t, newReq())
		r.URL.Path, r.URL.RawPath = "/bucket/dir/obk", ""
		_, err := v.Verify(r)
		wantCode(t, err, "SignatureDoesNotMatch")
	})
	t.Run("method", func(t *testing.T) {
		r := onWire(t, newReq())
		r.Method = http.MethodPost
		_, err := v.Verify(r)
		wantCode(t, err, "SignatureDoesNotMatch")
	})
	t.Run("host", func(t *testing.T) {
		r := onWire(t, newReq())
		r.Host = "evil.example.test:9000"
		_, err := v.Verify(r)
		wantCode(t, err, "SignatureDoesNotMatch")
	})
	t.Run("body", func(t *testing.T) {
		req := newReq()
		req.Body = io.NopCloser(bytes.NewReader(bytes.ToUpper(body)))
		res, err := v.Verify(onWire(t, req))
		if err != nil {
			t.Fatalf("Verify: %v", err)
		}
		_, err = io.ReadAll(res.Body)
		wantCode(t, err, "XAmzContentSHA256Mismatch")
	})
	t.Run("short body", func(t *testing.T) {
		r := onWire(t, newReq())
		r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body[:5]), iotestErrReader{io.ErrUnexpectedEOF}))
		res, err := v.Verify(r)
		if err != nil {
			t.Fatalf("Verify: %v", err)
		}
		_, err = io.ReadAll(res.Body)
		wantCode(t, err, "IncompleteBody")
	})
	t.Run("wrong secret", func(t *testing.T) {
		req := sdkRequest(t, http.MethodGet, "k", "", nil)
		req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
		creds := aws.Credentials{AccessKeyID: sdkAKID, SecretAccessKey: sdkSecret + "x"}
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, "UNSIGNED-PAYLOAD", "s3", "us-east-1", sdkTime); err != nil {
			t.Fatal(err)
		}
		_, err := v.Verify(onWire(t, req))
		wantCode(t, err, "SignatureDoesNotMatch")
	})
	t.Run("unknown key", func(t *testing.T) {
		req := sdkRequest(t, http.MethodGet, "k", "", nil)
		creds := aws.Credentials{AccessKeyID: "NOPE", SecretAccessKey: sdkSecret}
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, "UNSIGNED-PAYLOAD", "s3", "us-east-1", sdkTime); err != nil {
			t.Fatal(err)
		}
		_, err := v.Verify(onWire(t, req))
		wantCode(t, err, "InvalidAccessKeyId")
	})
	t.Run("clock skew", func(t *testing.T) {
		_, err := sdkVerifier(sdkTime.Add(16 * time.Minute)).Verify(onWire(t, newReq()))
		wantCode(t, err, "RequestTimeTooSkewed")
		_, err = sdkVerifier(sdkTime.Add(-16 * time.Minute)).Verify(onWire(t, newReq()))
		wantCode(t, err, "RequestTimeTooSkewed")
		if _, err = sdkVerifier(sdkTime.Add(14 * time.Minute)).Verify(onWire(t, newReq())); err != nil {
			t.Errorf("within skew: %v", err)
		}
	})
}

type iotestErrReader struct{ err error }

func (r iotestErrReader) Read([]byte) (int, error) { return 0, r.err }

// Non-S3 JSON APIs send no X-Amz-Content-Sha256: the body hash is computed
// here. They also double-encode the path.
func TestSDKJSONService(t *testing.T) {
	body := []byte(`{"TableName":"things","Limit":10}`)
	req, err := http.NewRequest(http.MethodPost, "http://"+sdkHost+"/some path/x%2Fy", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810.Scan")
	if err := v4.NewSigner().SignHTTP(context.Background(), sdkCreds(), req, sha256Hex(body), "dynamodb", "us-west-2", sdkTime); err != nil {
		t.Fatal(err)
	}
	res, err := sdkVerifier(sdkTime).Verify(onWire(t, req))
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	got, err := io.ReadAll(res.Body)
	if err != nil || !bytes.Equal(got, body) || res.DecodedLength != int64(len(body)) || res.Service != "dynamodb" {
		t.Errorf("body %q, %v, result %+v", got, err, res)
	}

	// The same request with a different body fails before the handler runs.
	req.Body = io.NopCloser(bytes.NewReader(bytes.ToUpper(body)))
	_, err = sdkVerifier(sdkTime).Verify(onWire(t, req))
	wantCode(t, err, "SignatureDoesNotMatch")
}

func TestSDKPresigned(t *testing.T) {
	presign := func(t *testing.T, secret, key, query string, expires int) *http.Request {
		req := sdkRequest(t, http.MethodGet, key, query, nil)
		q := req.URL.Query()
		q.Set("X-Amz-Expires", fmt.Sprint(expires))
		req.URL.RawQuery = q.Encode()
		s := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
		creds := aws.Credentials{AccessKeyID: sdkAKID, SecretAccessKey: secret, SessionToken: "session/token+x"}
		u, hdr, err := s.PresignHTTP(context.Background(), creds, req, "UNSIGNED-PAYLOAD", "s3", "eu-tarn-1", sdkTime)
		if err != nil {
			t.Fatal(err)
		}
		out, err := http.NewRequest(http.MethodGet, u, nil)
		if err != nil {
			t.Fatal(err)
		}
		for k, vs := range hdr {
			if k != "Host" {
				out.Header[k] = vs
			}
		}
		return onWire(t, out)
	}
	for _, key := range oddKeys {
		t.Run(key, func(t *testing.T) {
			r := presign(t, sdkSecret, key, "response-content-type=text%2Fplain&x=", 900)
			res, err := sdkVerifier(sdkTime.Add(time.Minute)).Verify(r)
			if err != nil {
				t.Fatalf("Verify: %v\n%s", err, r.URL)
			}
			if !res.Presigned || res.Region != "eu-tarn-1" {
				t.Errorf("result %+v", res)
			}
		})
	}
	t.Run("expired", func(t *testing.T) {
		_, err := sdkVerifier(sdkTime.Add(901 * time.Second)).Verify(presign(t, sdkSecret, "k", "", 900))
		wantCode(t, err, "AccessDenied")
	})
	t.Run("not yet valid", func(t *testing.T) {
		_, err := sdkVerifier(sdkTime.Add(-time.Hour)).Verify(presign(t, sdkSecret, "k", "", 900))
		wantCode(t, err, "AccessDenied")
		if !strings.Contains(err.Error(), "not valid yet") {
			t.Errorf("message %q", err)
		}
	})
	t.Run("wrong secret", func(t *testing.T) {
		_, err := sdkVerifier(sdkTime).Verify(presign(t, "not the secret", "k", "", 900))
		wantCode(t, err, "SignatureDoesNotMatch")
	})
	t.Run("query tampered", func(t *testing.T) {
		r := presign(t, sdkSecret, "k", "response-content-type=text%2Fplain", 900)
		r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "text%2Fplain", "text%2Fhtml", 1)
		_, err := sdkVerifier(sdkTime).Verify(r)
		wantCode(t, err, "SignatureDoesNotMatch")
	})
	t.Run("expires too long", func(t *testing.T) {
		_, err := sdkVerifier(sdkTime).Verify(presign(t, sdkSecret, "k", "", 604801))
		wantCode(t, err, "AuthorizationQueryParametersError")
	})
}

// A streaming upload signed by the SDK (seed signature) with chunks signed
// by the test encoder.
func TestSDKChunked(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 9000) // 144000 bytes
	for _, mode := range []string{"STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER", "STREAMING-UNSIGNED-PAYLOAD-TRAILER"} {
		t.Run(mode, func(t *testing.T) {
			req := sdkRequest(t, http.MethodPut, "big/object", "", nil)
			req.Header.Set("Content-Encoding", "aws-chunked")
			req.Header.Set("X-Amz-Decoded-Content-Length", fmt.Sprint(len(data)))
			if mode != "STREAMING-AWS4-HMAC-SHA256-PAYLOAD" {
				req.Header.Set("X-Amz-Trailer", "x-amz-checksum-crc32")
			}
			signS3(t, req, mode)
			cb := chunkedBody{amzDate: sdkTime.Format(amzDateLayout), scope: "20260314/eu-tarn-1/s3/aws4_request"}
			if mode != "STREAMING-UNSIGNED-PAYLOAD-TRAILER" {
				a := req.Header.Get("Authorization")
				cb.seed = a[strings.LastIndex(a, "=")+1:]
				cb.key = testSigningKey(sdkSecret, "20260314", "eu-tarn-1", "s3")
			}
			if mode != "STREAMING-AWS4-HMAC-SHA256-PAYLOAD" {
				cb.trailers = [][2]string{{"x-amz-checksum-crc32", "AAAAAA=="}}
			}
			body := cb.encode(data, 65536, 8192)
			req.Body = io.NopCloser(bytes.NewReader(body))
			req.ContentLength = int64(len(body))

			res, err := sdkVerifier(sdkTime).Verify(onWire(t, req))
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if res.DecodedLength != int64(len(data)) {
				t.Errorf("DecodedLength %d", res.DecodedLength)
			}
			got, err := io.ReadAll(res.Body)
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("read %d bytes, %v", len(got), err)
			}
			tr := res.Trailer()
			if mode == "STREAMING-AWS4-HMAC-SHA256-PAYLOAD" && len(tr) != 0 || mode != "STREAMING-AWS4-HMAC-SHA256-PAYLOAD" && tr["x-amz-checksum-crc32"] != "AAAAAA==" {
				t.Errorf("trailers %v", tr)
			}
		})
	}
}
