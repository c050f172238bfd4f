package e2e

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// tarnBin is the binary under test, built once by TestMain.
var tarnBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "tarn-e2e-")
	if err != nil {
		panic(err)
	}
	tarnBin = filepath.Join(dir, "tarn")
	build := exec.Command("go", "build", "-tags=duckdb_arrow", "-o", tarnBin, "../cmd/tarn")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build tarn:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

const (
	rootID     = "TKE2EROOTKEY00000000"
	rootSecret = "e2e-root-secret-0123456789abcdefghijklmn"
)

// server is one running `tarn serve`.
type server struct {
	t        testing.TB
	Data     string
	AWSAddr  string
	HTTPAddr string
	PGAddr   string
	SFTPAddr string
	TLS      bool
	Args     []string
	Env      []string
	// Fixed keeps the addresses set before start, across restarts; Dir is
	// the server's working folder; OwnCreds lets it make its own root key
	// (into Data/credentials) rather than take the tests' fixed one.
	Fixed    bool
	Dir      string
	OwnCreds bool
	cmd      *exec.Cmd
	log      *os.File
}

// URL is the AWS endpoint.
func (s *server) URL() string {
	if s.TLS {
		return "https://" + s.AWSAddr
	}
	return "http://" + s.AWSAddr
}

// freeAddrs returns n distinct free addresses: each is held until all are
// found, so that the system does not hand out one twice.
func freeAddrs(t testing.TB, n int) []string {
	addrs := make([]string, n)
	for i := range addrs {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		addrs[i] = ln.Addr().String()
	}
	return addrs
}

// startServer runs tarn serve on fresh ports and a fresh data folder; the
// test's cleanup stops it.
func startServer(t testing.TB, args ...string) *server {
	t.Helper()
	s := &server{t: t, Data: t.TempDir(), Args: args}
	s.start()
	t.Cleanup(s.stop)
	return s
}

func (s *server) start() {
	s.t.Helper()
	if !s.Fixed {
		addrs := freeAddrs(s.t, 4)
		s.AWSAddr, s.HTTPAddr, s.PGAddr, s.SFTPAddr = addrs[0], addrs[1], addrs[2], addrs[3]
	}
	args := append([]string{"serve", "--data", s.Data, "--aws-addr", s.AWSAddr, "--http-addr", s.HTTPAddr,
		"--pg-addr", s.PGAddr, "--sftp-addr", s.SFTPAddr}, s.Args...)
	for _, a := range s.Args {
		if strings.HasPrefix(a, "--tls") {
			s.TLS = true
		}
	}
	var err error
	s.log, err = os.OpenFile(filepath.Join(s.Data, "..", fmt.Sprintf("tarn-%d.log", time.Now().UnixNano())), os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		s.t.Fatal(err)
	}
	s.cmd = exec.Command(tarnBin, args...)
	s.cmd.Env = append(os.Environ(), "TARN_ACCESS_KEY_ID="+rootID, "TARN_SECRET_ACCESS_KEY="+rootSecret)
	if s.OwnCreds {
		s.cmd.Env = nil
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "TARN_") && !strings.HasPrefix(kv, "AWS_") && !strings.HasPrefix(kv, "PG") {
				s.cmd.Env = append(s.cmd.Env, kv)
			}
		}
	}
	s.cmd.Env = append(s.cmd.Env, s.Env...)
	s.cmd.Dir = s.Dir
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	// Ready once it answers: tarn binds its ports before it opens its
	// stores, so a port that takes connections is not yet enough.
	scheme := "http"
	if s.TLS {
		scheme = "https"
	}
	hc := s.httpClient()
	hc.Timeout = time.Second
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := hc.Get(scheme + "://" + s.HTTPAddr + "/healthz")
		if err == nil {
			resp.Body.Close()
			return
		}
		if time.Now().After(deadline) || s.cmd.ProcessState != nil {
			s.t.Fatalf("tarn did not start: %v\n%s", err, s.logText())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *server) logText() string {
	b, _ := os.ReadFile(s.log.Name())
	return string(b)
}

// kill ends the server with SIGKILL: no shutdown code runs.
func (s *server) kill() {
	s.cmd.Process.Signal(syscall.SIGKILL)
	s.cmd.Wait()
}

// restart starts the server again on the same data folder.
func (s *server) restart() {
	s.start()
}

func (s *server) stop() {
	if s.cmd.ProcessState == nil {
		s.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { s.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			s.kill()
			s.t.Errorf("tarn did not stop on SIGTERM within 10s")
		}
	}
	if s.t.Failed() {
		s.t.Logf("tarn log:\n%s", s.logText())
	}
	s.log.Close()
}

// httpClient trusts the self-signed certificate of a TLS server.
func (s *server) httpClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true}
	return &http.Client{Transport: tr, Timeout: 2 * time.Minute}
}

// client is an aws-sdk-go-v2 S3 client for the server with the given key.
func (s *server) client(id, secret string, opts ...func(*s3.Options)) *s3.Client {
	return s3.New(s3.Options{
		BaseEndpoint: aws.String(s.URL()),
		Region:       "us-east-1",
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(id, secret, ""),
		HTTPClient:   s.httpClient(),
	}, opts...)
}

func (s *server) root() *s3.Client { return s.client(rootID, rootSecret) }

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	return c
}
