package pgwire

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/tarnlake/tarn/internal/authlimit"
)

// stalledStartup connects, sends a startup packet and then nothing, as a
// client that stops before its password.
func stalledStartup(t *testing.T, addr string) net.Conn {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	b, _ := (&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber,
		Parameters: map[string]string{"user": testKey, "database": "tarn"}}).Encode(nil)
	if _, err := nc.Write(b); err != nil {
		t.Fatal(err)
	}
	return nc
}

// Connections that stall in their startup hold no session slot: a real
// client still gets in, and the stalled ones are cut at the timeout.
func TestStalledStartupsDoNotLockOut(t *testing.T) {
	s, _, addr := startServer(t, Options{MaxConns: 2, StartupTimeout: 400 * time.Millisecond})
	var stalled []net.Conn
	for range 6 { // three times MaxConns, within MaxStartups (8)
		stalled = append(stalled, stalledStartup(t, addr))
	}
	time.Sleep(50 * time.Millisecond) // let them reach the password
	conn := connect(t, connURL(addr, testKey, testSecret, "tarn", ""))
	if _, err := conn.Exec(context.Background(), "select 1"); err != nil {
		t.Fatal(err)
	}
	for _, nc := range stalled {
		expectClosed(t, nc)
	}
	// The server counts a cut connection out just after closing it.
	var pending, clients int
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		s.mu.Lock()
		pending, clients = s.pending, s.clients
		s.mu.Unlock()
		if pending == 0 && clients == 1 {
			return
		}
	}
	t.Errorf("after the timeout: %d starting, %d clients", pending, clients)
}

// Past MaxStartups new connections are refused at once, without being
// read; once the stalled ones are cut, clients get in again.
func TestMaxStartups(t *testing.T) {
	_, _, addr := startServer(t, Options{MaxStartups: 4, StartupTimeout: 500 * time.Millisecond})
	for range 4 {
		stalledStartup(t, addr)
	}
	time.Sleep(50 * time.Millisecond)
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	if b := expectClosed(t, nc); !bytes.Contains(b, []byte("53300")) {
		t.Fatalf("refusal %q", b)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := connectErr(connURL(addr, testKey, testSecret, "tarn", ""))
		if err == nil {
			c.Close(context.Background())
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("still refused after the stalled startups timed out: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Repeated wrong passwords from one address are refused for a while, even
// before the right one is checked; a success resets the count; refusals
// are logged with the user, the address and the code.
func TestPasswordFailuresThrottled(t *testing.T) {
	for _, auth := range []string{"scram-sha-256", "password"} {
		t.Run(auth, func(t *testing.T) {
			logs := &lockedBuffer{}
			_, _, addr := startServer(t, Options{Auth: auth, Log: slog.New(slog.NewTextHandler(logs, nil)),
				Throttle: authlimit.New(authlimit.Options{Free: 3, Base: time.Minute})})
			wrong := func() {
				t.Helper()
				_, err := connectErr(connURL(addr, testKey, "wrong", "tarn", ""))
				pgErr(t, err, "28P01")
			}
			wrong()
			wrong()
			connect(t, connURL(addr, testKey, testSecret, "tarn", "")).Close(context.Background()) // resets
			wrong()
			wrong()
			wrong() // the third in a row: backoff
			_, err := connectErr(connURL(addr, testKey, testSecret, "tarn", ""))
			if pe := pgErr(t, err, "28000"); !strings.Contains(pe.Message, "too many failed password attempts") {
				t.Errorf("throttled message %q", pe.Message)
			}
			// Other users are not slowed.
			_, err = connectErr(connURL(addr, "nosession", testSecret, "tarn", ""))
			pgErr(t, err, "XX000")

			out := logs.String()
			for _, want := range []string{`msg="pgwire: login refused" key=` + testKey + " op=login remote=127.0.0.1:", "code=28P01", "code=28000"} {
				if !strings.Contains(out, want) {
					t.Errorf("log lacks %q:\n%s", want, out)
				}
			}
		})
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
