package sigv4

import (
	"bufio"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The credentials and clock of AWS's S3 SigV4 examples.
const (
	exampleAKID   = "AKIAIOSFODNN7EXAMPLE"
	exampleSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

var exampleTime = time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC)

type secretMap map[string]string

func (m secretMap) Secret(id string) (string, bool) {
	s, ok := m[id]
	return s, ok
}

func exampleVerifier(now time.Time) *Verifier {
	return &Verifier{
		Secrets: secretMap{exampleAKID: exampleSecret},
		Now:     func() time.Time { return now },
	}
}

// wireRequest parses a request as net/http's server would, from its head
// (lines separated by "\n") and body.
func wireRequest(t testing.TB, head string, body []byte) *http.Request {
	t.Helper()
	raw := strings.ReplaceAll(strings.TrimLeft(head, "\n"), "\n", "\r\n")
	if !strings.HasSuffix(raw, "\r\n\r\n") {
		raw = strings.TrimRight(raw, "\r\n") + "\r\n\r\n"
	}
	r, err := http.ReadRequest(bufio.NewReader(io.MultiReader(strings.NewReader(raw), strings.NewReader(string(body)))))
	if err != nil {
		t.Fatalf("parse request: %v", err)
	}
	return r
}

// onWire sends a client request through its wire form, giving the request
// a server handler would see.
func onWire(t testing.TB, req *http.Request) *http.Request {
	t.Helper()
	var b strings.Builder
	if err := req.Write(&b); err != nil {
		t.Fatalf("write request: %v", err)
	}
	r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(b.String())))
	if err != nil {
		t.Fatalf("read request back: %v\n%s", err, b.String())
	}
	return r
}

func codeOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err == nil {
		return ""
	}
	return "non-sigv4 error: " + err.Error()
}

func wantCode(t testing.TB, err error, code string) {
	t.Helper()
	if got := codeOf(err); got != code {
		t.Fatalf("error %v: code %q, want %q", err, got, code)
	}
}

// testHMAC and testSigningKey are a second, plain implementation from
// crypto/hmac, so the tests do not only check the code against itself.
func testHMAC(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

func testSigningKey(secret, date, region, service string) []byte {
	k := testHMAC([]byte("AWS4"+secret), date)
	k = testHMAC(k, region)
	k = testHMAC(k, service)
	return testHMAC(k, "aws4_request")
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// chunkedBody frames data as aws-chunked in chunks of the given sizes (the
// last size repeats). With key set the chunks are signed, chained from seed;
// trailers follow the last chunk, signed too when key is set.
type chunkedBody struct {
	key      []byte
	amzDate  string
	scope    string
	seed     string
	trailers [][2]string
	// sigs collects the chunk signatures written, last chunk included.
	sigs []string
}

func (cb *chunkedBody) encode(data []byte, sizes ...int) []byte {
	var out []byte
	prev := cb.seed
	writeChunk := func(chunk []byte) {
		if cb.key == nil {
			out = fmt.Appendf(out, "%x\r\n", len(chunk))
		} else {
			sts := "AWS4-HMAC-SHA256-PAYLOAD\n" + cb.amzDate + "\n" + cb.scope + "\n" + prev + "\n" +
				sha256Hex(nil) + "\n" + sha256Hex(chunk)
			prev = hex.EncodeToString(testHMAC(cb.key, sts))
			cb.sigs = append(cb.sigs, prev)
			out = fmt.Appendf(out, "%x;chunk-signature=%s\r\n", len(chunk), prev)
		}
		if len(chunk) > 0 {
			out = append(out, chunk...)
			out = append(out, "\r\n"...)
		}
	}
	for i := 0; len(data) > 0; i++ {
		n := sizes[min(i, len(sizes)-1)]
		n = min(n, len(data))
		writeChunk(data[:n])
		data = data[n:]
	}
	writeChunk(nil)
	var lines string
	for _, kv := range cb.trailers {
		line := kv[0] + ":" + kv[1]
		lines += line + "\n"
		out = append(out, line+"\r\n"...)
	}
	if cb.key != nil && cb.trailers != nil {
		sts := "AWS4-HMAC-SHA256-TRAILER\n" + cb.amzDate + "\n" + cb.scope + "\n" + prev + "\n" + sha256Hex([]byte(lines))
		out = append(out, "x-amz-trailer-signature:"+hex.EncodeToString(testHMAC(cb.key, sts))+"\r\n"...)
	}
	return append(out, "\r\n"...)
}

func bufioReader(s string) *bufio.Reader {
	return bufio.NewReaderSize(strings.NewReader(s), maxLine)
}
