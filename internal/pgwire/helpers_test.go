package pgwire

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"runtime"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

const (
	testKey    = "AKIATESTKEY"
	testSecret = "s3cr3t/Pa55+word"
)

func testSecrets(user string) (string, bool) {
	if user == testKey || user == "nosession" {
		return testSecret, true
	}
	return "", false
}

// startServer serves a fake engine on a loopback port until the test ends.
func startServer(t *testing.T, opts Options, tweaks ...func(*Server)) (*Server, *fakeEngine, string) {
	t.Helper()
	eng := newFakeEngine()
	if opts.Engine == nil {
		opts.Engine = eng
	}
	opts.Secret = testSecrets
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := New(opts)
	for _, f := range tweaks {
		f(s)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()
	t.Cleanup(func() {
		s.Close()
		if err := <-done; !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve returned %v", err)
		}
		if n := s.panics.Load(); n != 0 {
			t.Errorf("%d connection panics", n)
		}
	})
	return s, eng, ln.Addr().String()
}

func connURL(addr, user, pass, db, query string) string {
	u := url.URL{Scheme: "postgres", User: url.UserPassword(user, pass), Host: addr, Path: "/" + db,
		RawQuery: "sslmode=disable&connect_timeout=5"}
	if query != "" {
		u.RawQuery += "&" + query
	}
	return u.String()
}

// waitGoroutines waits for the goroutine count to fall back to n.
func waitGoroutines(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > n {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("goroutines: %d, want <= %d\n%s", runtime.NumGoroutine(), n, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// rawClient speaks the protocol by hand, for what drivers cannot send.
type rawClient struct {
	t  *testing.T
	nc net.Conn
	fe *pgproto3.Frontend
}

func dialRaw(t *testing.T, addr string) *rawClient {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return newRawClient(t, nc)
}

func newRawClient(t *testing.T, nc net.Conn) *rawClient {
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	return &rawClient{t: t, nc: nc, fe: pgproto3.NewFrontend(nc, nc)}
}

func (c *rawClient) send(msgs ...pgproto3.FrontendMessage) {
	c.t.Helper()
	for _, m := range msgs {
		c.fe.Send(m)
	}
	if err := c.fe.Flush(); err != nil {
		c.t.Fatal(err)
	}
}

func (c *rawClient) recv() pgproto3.BackendMessage {
	c.t.Helper()
	m, err := c.fe.Receive()
	if err != nil {
		c.t.Fatal(err)
	}
	return m
}

// login authenticates with a cleartext password (the server must use
// Auth "password") and reads up to ReadyForQuery.
func (c *rawClient) login(user, pass string) {
	c.t.Helper()
	c.send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber,
		Parameters: map[string]string{"user": user, "database": "tarn"}})
	for {
		switch m := c.recv().(type) {
		case *pgproto3.AuthenticationCleartextPassword:
			c.send(&pgproto3.PasswordMessage{Password: pass})
		case *pgproto3.ErrorResponse:
			c.t.Fatalf("login: %s %s", m.Code, m.Message)
		case *pgproto3.ReadyForQuery:
			return
		}
	}
}

// trace receives messages up to and including ReadyForQuery (or the first
// of stopAt) and describes them compactly: "T D D C Z".
func (c *rawClient) trace(stopAt ...byte) (string, []pgproto3.BackendMessage) {
	c.t.Helper()
	var out []byte
	var msgs []pgproto3.BackendMessage
	for {
		m := c.recv()
		enc, _ := m.Encode(nil)
		decoded := decodeBackend(c.t, enc)
		msgs = append(msgs, decoded)
		if len(out) > 0 {
			out = append(out, ' ')
		}
		out = append(out, enc[0])
		for _, s := range append(stopAt, 'Z') {
			if enc[0] == s {
				return string(out), msgs
			}
		}
	}
}

// decodeBackend re-reads an encoded message into a fresh value, since
// Frontend.Receive reuses its messages.
func decodeBackend(t *testing.T, enc []byte) pgproto3.BackendMessage {
	t.Helper()
	fe := pgproto3.NewFrontend(&sliceReader{b: enc}, nil)
	m, err := fe.Receive()
	if err != nil {
		t.Fatal(fmt.Errorf("re-decode %q: %w", enc[0], err))
	}
	return m
}

type sliceReader struct{ b []byte }

func (r *sliceReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, errors.New("EOF")
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}
