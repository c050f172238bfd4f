package sftp

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pkg/sftp"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/crypto/ssh"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/authlimit"
	"github.com/tarnlake/tarn/internal/lake"
	"github.com/tarnlake/tarn/internal/lake/localfs"
)

// The keys every test server knows. The writer also logs in with
// clientKey; root is the keyring's root key.
var (
	rootKey   = access.Key{ID: "TKROOT0000000000000", Secret: "root-secret"}
	writerKey = access.Key{ID: "TKWRITER00000000000", Secret: "writer-secret", Name: "writer", Grants: []access.Grant{
		{Resource: "s3:landing", Read: true, Write: true}, {Resource: "s3:lake", Read: true, Write: true},
	}}
	readerKey = access.Key{ID: "TKREADER00000000000", Secret: "reader-secret", Name: "reader", Grants: []access.Grant{
		{Resource: "s3:landing", Read: true},
	}}
	dropKey = access.Key{ID: "TKDROP0000000000000", Secret: "drop-secret", Name: "dropbox", Grants: []access.Grant{
		{Resource: "s3:landing", Write: true},
	}}
	buckets = []string{"landing", "lake", "secret"}
)

// clientKey is the writer's SSH key pair.
var clientKey = func() ssh.Signer {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		panic(err)
	}
	return s
}()

// fixture is a running server over a local-folder lake.
type fixture struct {
	srv      *Server
	addr     string
	store    lake.Store // raises events into events
	dir      string
	keysFile string
	events   *events
}

type events struct {
	mu  sync.Mutex
	all []lake.Event
}

func (e *events) Notify(_ context.Context, ev lake.Event) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.all = append(e.all, ev)
	return nil
}

// named returns the events raised for bucket/key, by name.
func (e *events) named(bucket, key string) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, ev := range e.all {
		if ev.Bucket == bucket && ev.Key == key {
			out = append(out, ev.Name)
		}
	}
	return out
}

// start runs a server; opts may change its options before it starts.
func start(t *testing.T, opts ...func(*Options)) *fixture {
	t.Helper()
	dir := t.TempDir()
	fs, err := localfs.Open(filepath.Join(dir, "lake"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, b := range buckets {
		if err := fs.CreateBucket(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	ev := &events{}
	fx := &fixture{dir: dir, keysFile: filepath.Join(dir, "keys.json"), events: ev, store: lake.WithEvents(fs, ev)}
	w := writerKey
	w.SSHKeys = []string{"# a comment line", string(ssh.MarshalAuthorizedKey(clientKey.PublicKey()))}
	if err := access.WriteFile(fx.keysFile, []access.Key{w, readerKey, dropKey}); err != nil {
		t.Fatal(err)
	}
	kr, err := access.NewKeyring(rootKey, fx.keysFile)
	if err != nil {
		t.Fatal(err)
	}
	o := Options{Addr: "127.0.0.1:0", HostKeyFile: filepath.Join(dir, "ssh_host_ed25519_key"), Lake: fx.store, Keys: kr,
		Limiter: authlimit.New(authlimit.Options{}), Log: testLog(t)}
	for _, f := range opts {
		f(&o)
	}
	fx.srv = New(o)
	if err := fx.srv.Listen(); err != nil {
		t.Fatal(err)
	}
	fx.addr = fx.srv.Addr().String()
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- fx.srv.Run(runCtx) }()
	t.Cleanup(func() {
		cancel()
		fx.srv.Close()
		if n := fx.srv.panics.Load(); n != 0 {
			t.Errorf("%d panics recovered", n)
		}
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Run did not return after Close")
		}
	})
	return fx
}

// testLog sends the server's log to the test's, until the test ends.
func testLog(t *testing.T) *slog.Logger {
	w := &testWriter{t: t}
	t.Cleanup(w.stop) // registered first: runs after the server's Close
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct {
	mu      sync.Mutex
	t       *testing.T
	stopped bool
}

func (w *testWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.stopped {
		w.t.Log(strings.TrimSuffix(string(b), "\n"))
	}
	return len(b), nil
}

func (w *testWriter) stop() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.stopped = true
}

func password(p string) []ssh.AuthMethod { return []ssh.AuthMethod{ssh.Password(p)} }

// connect logs in as user and opens an SFTP client.
func (fx *fixture) connect(user string, auth []ssh.AuthMethod, opts ...sftp.ClientOption) (*sftp.Client, *ssh.Client, error) {
	conn, err := ssh.Dial("tcp", fx.addr, &ssh.ClientConfig{User: user, Auth: auth,
		HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: 5 * time.Second})
	if err != nil {
		return nil, nil, err
	}
	c, err := sftp.NewClient(conn, opts...)
	if err != nil {
		conn.Close()
		return nil, nil, err
	}
	return c, conn, nil
}

// client logs in or fails the test.
func (fx *fixture) client(t *testing.T, user string, auth []ssh.AuthMethod, opts ...sftp.ClientOption) *sftp.Client {
	t.Helper()
	c, conn, err := fx.connect(user, auth, opts...)
	if err != nil {
		t.Fatalf("login as %s: %v", user, err)
	}
	t.Cleanup(func() { c.Close(); conn.Close() })
	return c
}

// object returns an object's bytes, or nil and false when it is missing.
func (fx *fixture) object(t *testing.T, bucket, key string) ([]byte, bool) {
	t.Helper()
	rc, _, err := fx.store.Get(context.Background(), bucket, key, nil)
	if errors.Is(err, lake.ErrNoSuchKey) {
		return nil, false
	}
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b, true
}

func (fx *fixture) putObject(t *testing.T, bucket, key string, b []byte) {
	t.Helper()
	if _, err := fx.store.Put(context.Background(), bucket, key, bytes.NewReader(b), lake.PutOptions{Size: int64(len(b))}); err != nil {
		t.Fatal(err)
	}
}

// randomBytes returns n bytes that no two calls repeat.
func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// eventually polls cond for up to 10s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// counter reads a counter's value.
func counter(c prometheus.Counter) float64 {
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	mfs, err := reg.Gather()
	if err != nil || len(mfs) != 1 {
		panic(fmt.Sprint("gather: ", err))
	}
	return mfs[0].GetMetric()[0].GetCounter().GetValue()
}
