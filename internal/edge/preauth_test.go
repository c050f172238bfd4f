package edge

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/tarnlake/tarn/internal/authlimit"
	"github.com/tarnlake/tarn/internal/edge/sigv4"
)

// syncBuffer collects log output from many goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testEdge serves an edge with opts (keys, verifier and handlers filled
// in); S3 and the "Echo_1" target read the whole body and answer it.
func testEdge(t *testing.T, opts Options) (*httptest.Server, *Edge, *syncBuffer) {
	t.Helper()
	ks := keys{"AKID": {ID: "AKID", Secret: "secret", Root: true}, "OTHER": {ID: "OTHER", Secret: "other", Root: true}}
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, err.Error())
			return
		}
		w.Write(b)
	})
	opts.Verifier, opts.Keys, opts.S3 = &sigv4.Verifier{Secrets: ks}, ks, echo
	opts.Targets = map[string]Target{"Echo_1": {API: "echo", Handler: echo}}
	if opts.SpoolDir == "" {
		opts.SpoolDir = t.TempDir()
	}
	logs := &syncBuffer{}
	e := New(slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})), NewMetrics(prometheus.NewRegistry()), opts)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return srv, e, logs
}

// signed builds a request whose body comes from body (a pipe, so the test
// controls when bytes go out), signed by id/secret. payload is the
// x-amz-content-sha256 to send, or "" for a JSON call that signs a hash it
// does not send (then hashOf is the body's whole content).
func signed(t *testing.T, method, url, id, secret, payload string, length int64, body io.Reader, hashOf []byte) *http.Request {
	t.Helper()
	r, _ := http.NewRequest(method, url, body)
	r.ContentLength = length
	service, hash := "s3", payload
	if payload == "" {
		service = "echo"
		r.Header.Set("X-Amz-Target", "Echo_1.Do")
		sum := sha256.Sum256(hashOf)
		hash = hex.EncodeToString(sum[:])
	} else {
		r.Header.Set("X-Amz-Content-Sha256", payload)
	}
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: id, SecretAccessKey: secret}, r, hash, service, "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	return r
}

// rawSend writes r's head and body to a new connection in the background
// and returns the connection's reader, for what the server answers.
func rawSend(t *testing.T, srv *httptest.Server, r *http.Request) (net.Conn, *bufio.Reader) {
	t.Helper()
	nc, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	go r.Write(nc)
	return nc, bufio.NewReader(nc)
}

func readStatus(t *testing.T, nc net.Conn, br *bufio.Reader, r *http.Request) (int, string) {
	t.Helper()
	nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(br, r)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// A wrong signature is refused before the body: only its head is sent, and
// the answer comes anyway.
func TestBadSignatureAnsweredBeforeBody(t *testing.T) {
	srv, _, logs := testEdge(t, Options{})
	for _, payload := range []string{"UNSIGNED-PAYLOAD", strings.Repeat("ab", 32)} {
		pr, pw := io.Pipe()
		defer pw.Close()
		r := signed(t, "PUT", srv.URL+"/b/k", "AKID", "wrong", payload, 16<<20, pr, nil)
		nc, br := rawSend(t, srv, r)
		if status, body := readStatus(t, nc, br, r); status != 403 || !strings.Contains(body, "SignatureDoesNotMatch") {
			t.Fatalf("%s: %d %s", payload, status, body)
		}
	}
	// Refusals are logged with the key, the operation, the address and the code.
	out := logs.String()
	for _, want := range []string{`msg="request refused"`, "key=AKID", "op=Authenticate", "remote=127.0.0.1:", "code=SignatureDoesNotMatch", "status=403"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}

// A JSON call's signature covers its body, so the body is read first; but
// what can fail without it fails before it is read.
func TestJSONRefusedBeforeBodyWherePossible(t *testing.T) {
	srv, _, _ := testEdge(t, Options{})
	for _, c := range []struct{ id, code string }{{"NOPE", "InvalidAccessKeyId"}} {
		pr, pw := io.Pipe()
		defer pw.Close()
		r := signed(t, "POST", srv.URL+"/", c.id, "x", "", 1<<20, pr, []byte("x"))
		nc, br := rawSend(t, srv, r)
		if status, body := readStatus(t, nc, br, r); status != 403 || !strings.Contains(body, c.code) {
			t.Fatalf("%d %s", status, body)
		}
	}
}

// Bodies held in memory before verification share BufferBytes: past it a
// request waits, then gets SlowDown; the memory comes back when requests end.
func TestBufferBudget(t *testing.T) {
	srv, e, _ := testEdge(t, Options{BufferBytes: 1 << 20, BudgetWait: 100 * time.Millisecond})
	// One request holds the whole budget while its body trickles.
	pr, pw := io.Pipe()
	big := bytes.Repeat([]byte("a"), 1<<20)
	r := signed(t, "POST", srv.URL+"/", "AKID", "secret", "", int64(len(big)), pr, big)
	nc, br := rawSend(t, srv, r)
	pw.Write(big[:10])
	waitFor(t, func() bool { return e.memory.inUse() == 1<<20 })

	small := []byte(`{}`)
	r2 := signed(t, "POST", srv.URL+"/", "AKID", "secret", "", int64(len(small)), bytes.NewReader(small), small)
	resp, err := http.DefaultClient.Do(r2)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 503 || !strings.Contains(string(b), "SlowDown") {
		t.Fatalf("over budget: %d %s", resp.StatusCode, b)
	}

	pw.Write(big[10:])
	if status, body := readStatus(t, nc, br, r); status != 200 || len(body) != len(big) {
		t.Fatalf("budget holder: %d, %d bytes", status, len(body))
	}
	waitFor(t, func() bool { return e.memory.inUse() == 0 })
	r2 = signed(t, "POST", srv.URL+"/", "AKID", "secret", "", int64(len(small)), bytes.NewReader(small), small)
	if resp, err := http.DefaultClient.Do(r2); err != nil || resp.StatusCode != 200 {
		t.Fatalf("after the budget came back: %v %v", resp, err)
	}
}

// A body spooled to learn its length counts against SpoolBytes, which also
// bounds one such body.
func TestSpoolBudget(t *testing.T) {
	srv, e, _ := testEdge(t, Options{SpoolBytes: 64 << 10, BudgetWait: 100 * time.Millisecond})
	chunkedPut := func(body io.Reader, length int64) *http.Request {
		r := signed(t, "PUT", srv.URL+"/b/k", "AKID", "secret", "UNSIGNED-PAYLOAD", length, body, nil)
		r.ContentLength = -1 // signed, then sent chunked
		return r
	}
	resp, err := http.DefaultClient.Do(chunkedPut(bytes.NewReader(make([]byte, 100<<10)), 100<<10))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 400 || !strings.Contains(string(b), "EntityTooLarge") {
		t.Fatalf("over the bound: %d %s", resp.StatusCode, b)
	}

	pr, pw := io.Pipe()
	r := chunkedPut(pr, 64<<10)
	nc, br := rawSend(t, srv, r)
	pw.Write(make([]byte, 10))
	waitFor(t, func() bool { return e.spool.inUse() == 64<<10 })
	resp, err = http.DefaultClient.Do(chunkedPut(bytes.NewReader([]byte("x")), 1))
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	if resp.StatusCode != 503 || !strings.Contains(string(b), "SlowDown") {
		t.Fatalf("over budget: %d %s", resp.StatusCode, b)
	}
	pw.Write(make([]byte, 64<<10-10))
	pw.Close()
	if status, body := readStatus(t, nc, br, r); status != 200 || len(body) != 64<<10 {
		t.Fatalf("budget holder: %d, %d bytes", status, len(body))
	}
	waitFor(t, func() bool { return e.spool.inUse() == 0 })
}

// A body that stops arriving ends its request and its connection; one that
// is slow but moving does not.
func TestBodyStall(t *testing.T) {
	srv, _, _ := testEdge(t, Options{BodyTimeout: time.Second})

	pr, pw := io.Pipe()
	defer pw.Close()
	r := signed(t, "PUT", srv.URL+"/b/k", "AKID", "secret", "UNSIGNED-PAYLOAD", 1000, pr, nil)
	nc, br := rawSend(t, srv, r)
	pw.Write([]byte("just a few bytes"))
	if status, body := readStatus(t, nc, br, r); status != 400 || !strings.Contains(body, "RequestTimeout") {
		t.Fatalf("stalled body: %d %s", status, body)
	}
	nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := br.ReadByte(); err == nil || isTimeout(err) {
		t.Fatalf("connection still open after a stalled body: %v", err)
	}

	// One byte every 30 ms for half a second, with a 1 s timeout (a wide margin on a busy machine).
	pr, pw = io.Pipe()
	r = signed(t, "PUT", srv.URL+"/b/k", "AKID", "secret", "UNSIGNED-PAYLOAD", 16, pr, nil)
	nc, br = rawSend(t, srv, r)
	for range 16 {
		time.Sleep(30 * time.Millisecond)
		pw.Write([]byte("z"))
	}
	if status, body := readStatus(t, nc, br, r); status != 200 || body != strings.Repeat("z", 16) {
		t.Fatalf("slow body: %d %q", status, body)
	}
}

// A handler that answers slowly after reading its body is not cut by the
// body's deadline.
func TestBodyDeadlineEndsWithBody(t *testing.T) {
	ks := keys{"AKID": {ID: "AKID", Secret: "secret", Root: true}}
	e := New(slog.New(slog.DiscardHandler), NewMetrics(prometheus.NewRegistry()), Options{
		Verifier: &sigv4.Verifier{Secrets: ks}, Keys: ks, BodyTimeout: 100 * time.Millisecond,
		S3: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.ReadAll(r.Body)
			select {
			case <-time.After(500 * time.Millisecond):
				io.WriteString(w, "done")
			case <-r.Context().Done():
				t.Error("request cancelled after its body was read")
			}
		}),
	})
	srv := httptest.NewServer(e)
	defer srv.Close()
	r := signed(t, "PUT", srv.URL+"/b/k", "AKID", "secret", "UNSIGNED-PAYLOAD", 4, strings.NewReader("data"), nil)
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(resp.Body); string(b) != "done" {
		t.Fatalf("answer %q", b)
	}
}

// Repeated wrong signatures for a key from one address are refused for a
// while, without being checked; other keys go on, and the first refusal of
// each backoff is logged at info, the rest at debug.
func TestSignatureFailuresThrottled(t *testing.T) {
	srv, _, logs := testEdge(t, Options{Throttle: authlimit.New(authlimit.Options{Free: 3, Base: time.Minute})})
	get := func(id, secret string) (int, string, http.Header) {
		r := signed(t, "GET", srv.URL+"/b/k", id, secret, "UNSIGNED-PAYLOAD", 0, nil, nil)
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header
	}
	for i := range 3 {
		if status, body, _ := get("AKID", "wrong"); status != 403 {
			t.Fatalf("attempt %d: %d %s", i, status, body)
		}
	}
	for range 3 {
		status, body, h := get("AKID", "secret") // even the right secret waits
		if status != 503 || !strings.Contains(body, "SlowDown") || h.Get("Retry-After") == "" {
			t.Fatalf("throttled: %d %s %v", status, body, h)
		}
	}
	if status, body, _ := get("OTHER", "other"); status != 200 {
		t.Fatalf("another key: %d %s", status, body)
	}
	out := logs.String()
	if n := strings.Count(out, `level=INFO msg="request refused" component=edge key=AKID api=s3 op=Authenticate method=GET path=/b/k remote=127.0.0.1`); n != 4 {
		t.Errorf("%d info lines for 3 failures and a throttled burst, want 4:\n%s", n, out)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
	}
}

func TestClaimedKey(t *testing.T) {
	for _, c := range []struct{ auth, query, want string }{
		{"AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00", "", "AKID"},
		{"AWS AKID2:c2lnbmF0dXJl", "", "AKID2"},
		{"", "X-Amz-Credential=AKID3%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=00", "AKID3"},
		{"", "AWSAccessKeyId=AKID4&Expires=1&Signature=x", "AKID4"},
		{"", "prefix=a", ""},
		{"Bearer x", "", ""},
	} {
		r := httptest.NewRequest("GET", "/b/k?"+c.query, nil)
		if c.auth != "" {
			r.Header.Set("Authorization", c.auth)
		}
		if got := claimedKey(r); got != c.want {
			t.Errorf("claimedKey(%q, %q) = %q, want %q", c.auth, c.query, got, c.want)
		}
	}
}

// A handler's 4xx is logged with its error code and the verified key.
func TestHandlerRefusalLogged(t *testing.T) {
	srv, _, logs := testEdge(t, Options{})
	body := []byte(`{}`)
	r := signed(t, "POST", srv.URL+"/", "AKID", "secret", "", int64(len(body)), bytes.NewReader(body), body)
	r.Header.Set("X-Amz-Target", "Nope_1.Do")
	v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "AKID", SecretAccessKey: "secret"}, r,
		hex.EncodeToString(func() []byte { s := sha256.Sum256(body); return s[:] }()), "nope", "us-east-1", time.Now())
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if out := logs.String(); resp.StatusCode != 400 || !strings.Contains(out, "key=AKID api=unknown op=Unknown method=POST path=/ target=Nope_1.Do") ||
		!strings.Contains(out, "code=UnknownOperationException") {
		t.Fatalf("%d\n%s", resp.StatusCode, out)
	}
}
