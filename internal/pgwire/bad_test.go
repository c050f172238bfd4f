package pgwire

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// expectClosed reads until the server closes nc, returning what it sent.
func expectClosed(t *testing.T, nc net.Conn) []byte {
	t.Helper()
	nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	b, err := io.ReadAll(nc)
	// A reset is a close too: the server left unread bytes behind.
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("server did not close the connection: %v", err)
	}
	return b
}

func TestBadInput(t *testing.T) {
	_, eng, addr := startServer(t, Options{Auth: "password"}, func(s *Server) { s.authWait = 300 * time.Millisecond })
	before := runtime.NumGoroutine()

	// Garbage instead of a startup packet.
	nc, _ := net.Dial("tcp", addr)
	nc.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	expectClosed(t, nc)

	// A startup packet claiming 2 GiB is refused before it is read.
	nc, _ = net.Dial("tcp", addr)
	nc.Write([]byte{0x7f, 0xff, 0xff, 0xff, 0, 3, 0, 0})
	expectClosed(t, nc)

	// An unsupported protocol version gets a FATAL.
	nc, _ = net.Dial("tcp", addr)
	nc.Write([]byte{0, 0, 0, 8, 0, 2, 0, 0})
	if b := expectClosed(t, nc); len(b) == 0 || b[0] != 'E' {
		t.Errorf("protocol 2.0 answer %q", b)
	}

	// A client that never finishes the startup is dropped.
	nc, _ = net.Dial("tcp", addr)
	nc.Write([]byte{0, 0, 0})
	expectClosed(t, nc)

	// A message claiming 1 GiB after authentication: FATAL 08P01.
	c := dialRaw(t, addr)
	c.login(testKey, testSecret)
	hdr := []byte{'Q', 0, 0, 0, 0}
	binary.BigEndian.PutUint32(hdr[1:], 1<<30)
	c.nc.Write(hdr)
	if e, ok := c.recv().(*pgproto3.ErrorResponse); !ok || e.Code != "08P01" || e.Severity != "FATAL" {
		t.Errorf("oversized message answer %+v", e)
	}
	expectClosed(t, c.nc)

	// An unknown message type is a protocol violation too.
	c = dialRaw(t, addr)
	c.login(testKey, testSecret)
	c.nc.Write([]byte{'!', 0, 0, 0, 4})
	if e, ok := c.recv().(*pgproto3.ErrorResponse); !ok || e.Code != "08P01" {
		t.Errorf("unknown message answer %+v", e)
	}
	expectClosed(t, c.nc)

	// Abrupt disconnect in the middle of an endless result stops the
	// statement.
	c = dialRaw(t, addr)
	c.login(testKey, testSecret)
	c.send(&pgproto3.Query{String: "select * from big"})
	for range 100 {
		c.recv()
	}
	c.nc.Close()
	select {
	case sql := <-eng.cancelled:
		if sql != "select * from big" {
			t.Errorf("cancelled %q", sql)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("statement kept running after the client left")
	}

	// A disconnect while a statement blocks cancels it as well.
	c = dialRaw(t, addr)
	c.login(testKey, testSecret)
	c.send(&pgproto3.Query{String: "select pg_sleep(10)"})
	time.Sleep(50 * time.Millisecond)
	c.nc.Close()
	select {
	case <-eng.cancelled:
	case <-time.After(5 * time.Second):
		t.Fatal("blocked statement kept running after the client left")
	}

	waitGoroutines(t, before)
	deadline := time.Now().Add(5 * time.Second)
	for eng.openSessions() != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := eng.openSessions(); n != 0 {
		t.Errorf("%d sessions left open", n)
	}

	// GSS encryption and SSL (not configured) are declined with 'N', and
	// the startup goes on in plaintext.
	c = dialRaw(t, addr)
	for _, code := range []uint32{gssEncRequestCode, sslRequestCode} {
		req := binary.BigEndian.AppendUint32([]byte{0, 0, 0, 8}, code)
		c.nc.Write(req)
		answer := make([]byte, 1)
		if _, err := io.ReadFull(c.nc, answer); err != nil || answer[0] != 'N' {
			t.Fatalf("request %d answered %q, %v", code, answer, err)
		}
	}
	c.login(testKey, testSecret)
	c.send(&pgproto3.Query{String: " ; -- nothing\n"})
	if tr, _ := c.trace(); tr != "I Z" {
		t.Errorf("empty query: %q", tr)
	}

	// The server still serves normal clients.
	conn := connect(t, connURL(addr, testKey, testSecret, "tarn", ""))
	var n int
	if err := conn.QueryRow(context.Background(), "select 1").Scan(&n); err != nil || n != 1 {
		t.Fatal(n, err)
	}
}

// TestCloseEndsConnections checks that Close cancels running statements
// and returns with every connection goroutine gone.
func TestCloseEndsConnections(t *testing.T) {
	before := runtime.NumGoroutine()
	eng := newFakeEngine()
	s := New(Options{Engine: eng, Secret: testSecrets, Auth: "password"})
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()
	c := dialRaw(t, ln.Addr().String())
	c.login(testKey, testSecret)
	c.send(&pgproto3.Query{String: "select pg_sleep(10)"})
	time.Sleep(50 * time.Millisecond)
	s.Close()
	if err := <-done; err != ErrServerClosed {
		t.Errorf("Serve: %v", err)
	}
	<-eng.cancelled
	c.nc.Close()
	waitGoroutines(t, before)
}
