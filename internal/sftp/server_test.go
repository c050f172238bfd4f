package sftp

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

func TestHostKey(t *testing.T) {
	file := filepath.Join(t.TempDir(), "keys", "ssh_host_ed25519_key")
	fx := start(t, func(o *Options) { o.HostKeyFile = file })
	fi, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("host key mode %v, want 0600", fi.Mode().Perm())
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.ParsePrivateKey(b)
	if err != nil {
		t.Fatal(err)
	}
	if signer.PublicKey().Type() != ssh.KeyAlgoED25519 {
		t.Errorf("host key type %s", signer.PublicKey().Type())
	}
	dial := func(fx *fixture) error {
		conn, err := ssh.Dial("tcp", fx.addr, &ssh.ClientConfig{User: "writer", Auth: password(writerKey.Secret),
			HostKeyCallback: ssh.FixedHostKey(signer.PublicKey()), Timeout: 5 * time.Second})
		if err == nil {
			conn.Close()
		}
		return err
	}
	if err := dial(fx); err != nil {
		t.Fatalf("the server does not present the key in its file: %v", err)
	}
	// A second start (a restart) keeps the key.
	if err := dial(start(t, func(o *Options) { o.HostKeyFile = file })); err != nil {
		t.Fatalf("after a restart: %v", err)
	}
	if b2, _ := os.ReadFile(file); !bytes.Equal(b, b2) {
		t.Error("the host key file was rewritten")
	}
	if des, _ := os.ReadDir(filepath.Dir(file)); len(des) != 1 {
		t.Errorf("files beside the host key: %v", des)
	}
	// An unreadable key fails Run, not a connection later.
	bad := filepath.Join(t.TempDir(), "bad_key")
	os.WriteFile(bad, []byte("not a key"), 0o600)
	s := New(Options{Addr: "127.0.0.1:0", HostKeyFile: bad, Lake: fx.store, Keys: fx.srv.opts.Keys})
	if err := s.Run(context.Background()); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("Run with a bad host key: %v", err)
	}
	s.Close()
}

// expectClosed reads until the server closes nc; it fails the test if
// that takes longer than within.
func expectClosed(t *testing.T, nc net.Conn, within time.Duration) {
	t.Helper()
	start := time.Now()
	nc.SetReadDeadline(time.Now().Add(within + 5*time.Second))
	_, err := io.Copy(io.Discard, nc)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the server did not close the connection: %v", err)
	}
	if d := time.Since(start); d > within+2*time.Second {
		t.Errorf("the server took %v to close the connection", d)
	}
}

func TestBadInput(t *testing.T) {
	const deadline = 500 * time.Millisecond
	fx := start(t, func(o *Options) { o.HandshakeTimeout = deadline })
	for _, c := range []struct {
		name string
		send []byte
	}{
		{"http request", []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")},
		{"random bytes", randomBytes(64 << 10)},
		{"silence", nil},
		{"banner then garbage", append([]byte("SSH-2.0-evil\r\n"), randomBytes(4096)...)},
		{"banner then a huge packet length", []byte("SSH-2.0-evil\r\n\x7f\xff\xff\xff\x00\x00\x00\x00")},
		{"banner then silence", []byte("SSH-2.0-OpenSSH_9.2\r\n")},
		{"endless banner", bytes.Repeat([]byte("x"), 1<<20)},
	} {
		t.Run(c.name, func(t *testing.T) {
			nc, err := net.Dial("tcp", fx.addr)
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			go nc.Write(c.send) // may fail once the server has closed
			expectClosed(t, nc, deadline)
		})
	}
	// The server is still well, and forgot the connections.
	fx.client(t, "writer", password(writerKey.Secret))
	eventually(t, "the bad connections to be forgotten", func() bool {
		fx.srv.mu.Lock()
		defer fx.srv.mu.Unlock()
		return fx.srv.pending == 0
	})
}

func TestMaxStartups(t *testing.T) {
	fx := start(t, func(o *Options) { o.MaxStartups = 1; o.HandshakeTimeout = 10 * time.Second })
	idle, err := net.Dial("tcp", fx.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	eventually(t, "the idle connection to start", func() bool {
		fx.srv.mu.Lock()
		defer fx.srv.mu.Unlock()
		return fx.srv.pending == 1
	})
	// A second connection is closed at once, not after the timeout.
	nc, err := net.Dial("tcp", fx.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	expectClosed(t, nc, 0)
	idle.Close()
	eventually(t, "room for a login", func() bool {
		c, conn, err := fx.connect("writer", password(writerKey.Secret))
		if err == nil {
			c.Close()
			conn.Close()
		}
		return err == nil
	})
}

func TestMaxConns(t *testing.T) {
	fx := start(t, func(o *Options) { o.MaxConns = 1 })
	fx.client(t, "writer", password(writerKey.Secret))
	conn, err := ssh.Dial("tcp", fx.addr, &ssh.ClientConfig{User: "reader", Auth: password(readerKey.Secret),
		HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := sftp.NewClient(conn); err == nil || !strings.Contains(err.Error(), "too many SFTP connections") {
		t.Errorf("a connection beyond MaxConns: %v", err)
	}
}

func TestOnlySFTP(t *testing.T) {
	fx := start(t)
	conn, err := ssh.Dial("tcp", fx.addr, &ssh.ClientConfig{User: "writer", Auth: password(writerKey.Secret),
		HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	sess, err := conn.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	if out, err := sess.CombinedOutput("cat /etc/passwd"); err == nil || strings.Contains(string(out), "root:") {
		t.Errorf("exec ran: %q %v", out, err)
	}
	if _, _, err := conn.OpenChannel("direct-tcpip", nil); err == nil {
		t.Error("port forwarding was allowed")
	}
}

func TestCloseAbortsUploads(t *testing.T) {
	fx := start(t)
	c := fx.client(t, "writer", password(writerKey.Secret))
	f, err := c.Create("/landing/during-shutdown.bin")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(randomBytes(100_000)); err != nil {
		t.Fatal(err)
	}
	if err := fx.srv.Close(); err != nil {
		t.Fatal(err)
	}
	if _, ok := fx.object(t, "landing", "during-shutdown.bin"); ok {
		t.Error("an upload cut by Close became an object")
	}
	if err := fx.srv.Listen(); !errors.Is(err, ErrServerClosed) {
		t.Errorf("Listen after Close: %v", err)
	}
}
