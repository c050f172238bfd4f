package sigv4

import (
	"bytes"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"testing"
)

// TestAuthoritySigned: over HTTP/2 the AWS SDK for JavaScript v3 signs the
// :authority pseudo-header in place of host. net/http hands the request
// over with the authority in r.Host and no Host header.
func TestAuthoritySigned(t *testing.T) {
	body := []byte("{}")
	const signed = ":authority;content-type;x-amz-date;x-amz-target"
	cr := "POST\n/\n\n" +
		":authority:127.0.0.1:9800\ncontent-type:application/x-amz-json-1.1\nx-amz-date:20130524T000000Z\nx-amz-target:Kinesis_20131202.ListStreams\n\n" +
		signed + "\n" + sha256Hex(body)
	sts := "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/kinesis/aws4_request\n" + sha256Hex([]byte(cr))
	sig := hex.EncodeToString(testHMAC(testSigningKey(exampleSecret, "20130524", "us-east-1", "kinesis"), sts))
	request := func(host, signedHeaders string) *http.Request {
		return &http.Request{
			Method: http.MethodPost, Proto: "HTTP/2.0", ProtoMajor: 2,
			URL:  &url.URL{Path: "/"},
			Host: host,
			Header: http.Header{
				"Content-Type":  {"application/x-amz-json-1.1"},
				"X-Amz-Date":    {"20130524T000000Z"},
				"X-Amz-Target":  {"Kinesis_20131202.ListStreams"},
				"Authorization": {"AWS4-HMAC-SHA256 Credential=" + exampleAKID + "/20130524/us-east-1/kinesis/aws4_request, SignedHeaders=" + signedHeaders + ", Signature=" + sig},
			},
			Body:          io.NopCloser(bytes.NewReader(body)),
			ContentLength: int64(len(body)),
		}
	}
	res, err := exampleVerifier(exampleTime).Verify(request("127.0.0.1:9800", signed))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := io.ReadAll(res.Body); err != nil || !bytes.Equal(got, body) {
		t.Fatalf("body %q %v", got, err)
	}
	_, err = exampleVerifier(exampleTime).Verify(request("127.0.0.2:9800", signed))
	wantCode(t, err, "SignatureDoesNotMatch")
	_, err = exampleVerifier(exampleTime).Verify(request("127.0.0.1:9800", ":path;content-type;x-amz-date;x-amz-target"))
	wantCode(t, err, "AuthorizationHeaderMalformed")
}

// TestExpectSignedOverHTTP2: curl signs "Expect: 100-continue", which
// net/http's HTTP/2 server answers itself and removes from the header.
func TestExpectSignedOverHTTP2(t *testing.T) {
	body := []byte("curl body\n")
	const signed = "expect;host;x-amz-content-sha256;x-amz-date"
	cr := "PUT\n/b/k.txt\n\nexpect:100-continue\nhost:127.0.0.1:9800\nx-amz-content-sha256:" + sha256Hex(body) +
		"\nx-amz-date:20130524T000000Z\n\n" + signed + "\n" + sha256Hex(body)
	sts := "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n" + sha256Hex([]byte(cr))
	sig := hex.EncodeToString(testHMAC(testSigningKey(exampleSecret, "20130524", "us-east-1", "s3"), sts))
	request := func(protoMajor int) *http.Request {
		return &http.Request{
			Method: http.MethodPut, ProtoMajor: protoMajor,
			URL:  &url.URL{Path: "/b/k.txt"},
			Host: "127.0.0.1:9800",
			Header: http.Header{
				"X-Amz-Date":           {"20130524T000000Z"},
				"X-Amz-Content-Sha256": {sha256Hex(body)},
				"Authorization":        {"AWS4-HMAC-SHA256 Credential=" + exampleAKID + "/20130524/us-east-1/s3/aws4_request, SignedHeaders=" + signed + ", Signature=" + sig},
			},
			Body:          io.NopCloser(bytes.NewReader(body)),
			ContentLength: int64(len(body)),
		}
	}
	if _, err := exampleVerifier(exampleTime).Verify(request(2)); err != nil {
		t.Fatal(err)
	}
	// Over HTTP/1.1 the header stays where the client put it.
	_, err := exampleVerifier(exampleTime).Verify(request(1))
	wantCode(t, err, "SignatureDoesNotMatch")
	r := request(1)
	r.Header.Set("Expect", "100-continue")
	if _, err := exampleVerifier(exampleTime).Verify(r); err != nil {
		t.Fatal(err)
	}
}
