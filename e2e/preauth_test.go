package e2e

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgproto3"
)

// Authenticate before spending: what an unauthenticated client can make
// tarn spend is bounded, on every listener.

// startLimited runs tarn with short body and startup timeouts.
func startLimited(t *testing.T) *server {
	t.Helper()
	cfg := filepath.Join(t.TempDir(), "tarn.yaml")
	if err := os.WriteFile(cfg, []byte("limits:\n  body_timeout: 2s\n  pg_startup_timeout: 3s\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return startServer(t, "--config", cfg)
}

// fromAddr dials from a loopback source address of its own, as another
// client machine would.
func fromAddr(ip string) *net.Dialer {
	return &net.Dialer{Timeout: 10 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
}

// rssKiB reads the server's resident memory, 0 if it cannot.
func rssKiB(srv *server) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", srv.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	return 0
}

// idleRSS is the server's resident memory at rest, skipping the test where
// it cannot be read.
func idleRSS(t *testing.T, srv *server) int64 {
	t.Helper()
	time.Sleep(500 * time.Millisecond)
	n := rssKiB(srv)
	if n == 0 {
		t.Skip("no /proc/PID/status VmRSS")
	}
	return n
}

// signedHead is the wire form of a PUT's head, signed by id/secret for a
// body of length bytes that is not sent with it.
func signedHead(t *testing.T, srv *server, path, id, secret string, length int64) []byte {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPut, srv.URL()+path, nil)
	req.ContentLength = length
	req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
	if err := v4.NewSigner().SignHTTP(ctx(t), aws.Credentials{AccessKeyID: id, SecretAccessKey: secret}, req,
		"UNSIGNED-PAYLOAD", "s3", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "PUT %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n", path, srv.AWSAddr, length)
	for k, vs := range req.Header {
		for _, v := range vs {
			fmt.Fprintf(&b, "%s: %s\r\n", k, v)
		}
	}
	b.WriteString("\r\n")
	return b.Bytes()
}

// (a) 32 clients, each from an address of its own, send a 16 MiB PUT with a
// wrong signature. Each is answered 403 after only the first MiB has gone
// out, and the server's memory stays near idle.
func TestPreauthBadSignatureSpendsNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	srv := startLimited(t)
	if _, err := srv.root().CreateBucket(ctx(t), &s3.CreateBucketInput{Bucket: aws.String("pre")}); err != nil {
		t.Fatal(err)
	}
	idle := idleRSS(t, srv)

	const clients, size = 32, 16 << 20
	var peak int64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			peak = max(peak, rssKiB(srv))
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()

	head := signedHead(t, srv, "/pre/big", rootID, "not-the-secret", size)
	chunk := bytes.Repeat([]byte("x"), 1<<20)
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for i := range clients {
		wg.Go(func() {
			nc, err := fromAddr(fmt.Sprintf("127.0.0.%d", 10+i)).Dial("tcp", srv.AWSAddr)
			if err != nil {
				errs <- err
				return
			}
			defer nc.Close()
			nc.SetDeadline(time.Now().Add(time.Minute))
			// The head and 1 MiB of the 16, and no more: the answer must
			// come without the rest. (The server may close before taking
			// all of the first MiB: the write's error does not matter.)
			go nc.Write(append(head[:len(head):len(head)], chunk...))
			resp, err := http.ReadResponse(bufio.NewReader(nc), nil)
			if err != nil {
				errs <- fmt.Errorf("client %d: no answer before the body: %w", i, err)
				return
			}
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			if resp.StatusCode != 403 || errorCode(b) != "SignatureDoesNotMatch" {
				errs <- fmt.Errorf("client %d: %d %s", i, resp.StatusCode, b)
			}
		})
	}
	wg.Wait()
	close(stop)
	<-sampled
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	t.Logf("RSS idle %d KiB, peak during %d bad-signature uploads %d KiB", idle, clients, peak)
	if peak-idle > 50<<10 {
		t.Errorf("RSS grew by %d KiB (idle %d, peak %d): bodies were read before their signatures were checked", peak-idle, idle, peak)
	}
	log := srv.logText()
	if !strings.Contains(log, `msg="request refused"`) || !strings.Contains(log, "key="+rootID) || !strings.Contains(log, "code=SignatureDoesNotMatch") ||
		!strings.Contains(log, "remote=127.0.0.10:") {
		t.Errorf("refusals not logged with key, code and address")
	}

	// From one address, wrong signatures soon get SlowDown without being
	// checked; the key's owner elsewhere goes on.
	bad := srv.client(rootID, "not-the-secret", func(o *s3.Options) { o.RetryMaxAttempts = 1 })
	var slowed bool
	for range 20 {
		_, err := bad.HeadBucket(ctx(t), &s3.HeadBucketInput{Bucket: aws.String("pre")})
		if err != nil && strings.Contains(err.Error(), "503") {
			slowed = true
			break
		}
	}
	if !slowed {
		t.Error("20 wrong signatures from one address were never slowed down")
	}
	other := srv.client(rootID, rootSecret, func(o *s3.Options) {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.DialContext = fromAddr("127.0.0.99").DialContext
		o.HTTPClient = &http.Client{Transport: tr}
	})
	if _, err := other.HeadBucket(ctx(t), &s3.HeadBucketInput{Bucket: aws.String("pre")}); err != nil {
		t.Errorf("the key's owner at another address: %v", err)
	}
}

// (a, JSON) The JSON APIs sign the hash of a body they do not send, so a
// body must be read before its signature can be checked: 32 clients with
// wrong signatures and 16 MiB bodies are read at most buffer_bytes (16 MiB,
// the default) at a time, and the others wait, then get SlowDown.
func TestPreauthJSONBodiesBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	srv := startLimited(t)
	idle := idleRSS(t, srv)

	const clients, size = 32, 16 << 20
	req, _ := http.NewRequest(http.MethodPost, srv.URL()+"/", nil)
	req.ContentLength = size
	req.Header.Set("X-Amz-Target", "Kinesis_20131202.PutRecord")
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	if err := v4.NewSigner().SignHTTP(ctx(t), aws.Credentials{AccessKeyID: rootID, SecretAccessKey: "not-the-secret"}, req,
		sha256Hex(nil), "kinesis", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	var head bytes.Buffer
	fmt.Fprintf(&head, "POST / HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n", srv.AWSAddr, size)
	req.Header.Write(&head)
	head.WriteString("\r\n")
	body := bytes.Repeat([]byte("y"), size)

	var peak int64
	stop, sampled := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			peak = max(peak, rssKiB(srv))
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	var mu sync.Mutex
	codes := map[string]int{}
	var wg sync.WaitGroup
	for i := range clients {
		wg.Go(func() {
			nc, err := fromAddr(fmt.Sprintf("127.0.1.%d", 10+i)).Dial("tcp", srv.AWSAddr)
			if err != nil {
				t.Error(err)
				return
			}
			defer nc.Close()
			nc.SetDeadline(time.Now().Add(2 * time.Minute))
			go func() { nc.Write(head.Bytes()); nc.Write(body) }()
			resp, err := http.ReadResponse(bufio.NewReader(nc), nil)
			code := "no answer"
			if err == nil {
				code = resp.Header.Get("X-Amzn-ErrorType")
			}
			mu.Lock()
			codes[code]++
			mu.Unlock()
		})
	}
	wg.Wait()
	close(stop)
	<-sampled
	t.Logf("RSS idle %d KiB, peak during %d bad-signature 16 MiB JSON calls %d KiB; answers %v", idle, clients, peak, codes)
	if codes["SignatureDoesNotMatch"]+codes["SlowDown"] != clients || codes["SignatureDoesNotMatch"] == 0 {
		t.Errorf("answers %v: want SignatureDoesNotMatch, or SlowDown past the budget", codes)
	}
	if peak-idle > 50<<10 {
		t.Errorf("RSS grew by %d KiB (idle %d, peak %d)", peak-idle, idle, peak)
	}
}

// (b) An upload whose body stalls is cut by the server (body_timeout 2s):
// the connection closes and no object appears. One that is slow but keeps
// moving completes.
func TestPreauthStalledBody(t *testing.T) {
	srv := startLimited(t)
	if _, err := srv.root().CreateBucket(ctx(t), &s3.CreateBucketInput{Bucket: aws.String("pre")}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		chunked bool
	}{{"content-length", false}, {"signed length sent chunked", true}} {
		t.Run(c.name, func(t *testing.T) {
			nc, err := net.Dial("tcp", srv.AWSAddr)
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			head := signedHead(t, srv, "/pre/stalled", rootID, rootSecret, 1<<20)
			first := []byte("the first few bytes, then nothing")
			if c.chunked {
				head = bytes.Replace(head, []byte("Content-Length: 1048576\r\n"), []byte("Transfer-Encoding: chunked\r\n"), 1)
				first = fmt.Appendf(nil, "%x\r\n%s\r\n", len(first), first)
			}
			start := time.Now()
			nc.Write(append(head, first...))
			nc.SetReadDeadline(time.Now().Add(time.Minute))
			got, err := io.ReadAll(nc)
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("the server kept a stalled upload open for a minute")
			}
			t.Logf("cut after %v: %.80q", time.Since(start).Round(time.Millisecond), got)
			if len(got) > 0 && !bytes.Contains(got, []byte("RequestTimeout")) {
				t.Errorf("answer %q", got)
			}
			mustNotExist(t, srv.root(), "pre", "stalled")
		})
	}

	t.Run("slow but moving", func(t *testing.T) {
		nc, err := net.Dial("tcp", srv.AWSAddr)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		data := []byte("0123456789abcdefghij")
		nc.Write(signedHead(t, srv, "/pre/slow", rootID, rootSecret, int64(len(data))))
		for i := range data { // a byte every 200 ms for 4 s: twice the timeout in all
			time.Sleep(200 * time.Millisecond)
			nc.Write(data[i : i+1])
		}
		nc.SetReadDeadline(time.Now().Add(time.Minute))
		resp, err := http.ReadResponse(bufio.NewReader(nc), nil)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("slow upload: %v %v", resp, err)
		}
		out, err := srv.root().GetObject(ctx(t), &s3.GetObjectInput{Bucket: aws.String("pre"), Key: aws.String("slow")})
		if err != nil {
			t.Fatal(err)
		}
		if b, _ := io.ReadAll(out.Body); !bytes.Equal(b, data) {
			t.Fatalf("stored %q", b)
		}
	})
}

// (c) 64 PostgreSQL connections that send a startup packet and stall do not
// lock out a real client, and are cut at the startup timeout (3s).
func TestPreauthStalledPGStartups(t *testing.T) {
	srv := startLimited(t)
	startup, _ := (&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber,
		Parameters: map[string]string{"user": rootID, "database": "tarn"}}).Encode(nil)
	var stalled []net.Conn
	for range 64 {
		nc, err := net.DialTimeout("tcp", srv.PGAddr, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		if _, err := nc.Write(startup); err != nil {
			t.Fatal(err)
		}
		stalled = append(stalled, nc)
	}
	// Each has been asked for its password: they hold what they can.
	for _, nc := range stalled {
		nc.SetReadDeadline(time.Now().Add(30 * time.Second))
		if _, err := pgproto3.NewFrontend(nc, nil).Receive(); err != nil {
			t.Fatalf("stalled client not asked for a password: %v", err)
		}
	}

	cx, cancel := context.WithTimeout(ctx(t), 30*time.Second)
	defer cancel()
	start := time.Now()
	u := url.URL{Scheme: "postgres", User: url.UserPassword(rootID, rootSecret), Host: srv.PGAddr, Path: "/tarn", RawQuery: "sslmode=disable"}
	conn, err := pgx.Connect(cx, u.String())
	if err != nil {
		t.Fatalf("a real client is locked out by 64 stalled startups: %v", err)
	}
	defer conn.Close(context.Background())
	var one int
	if err := conn.QueryRow(cx, "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("SELECT 1: %v %v", one, err)
	}
	t.Logf("connected and ran SELECT 1 beside 64 stalled startups in %v", time.Since(start).Round(time.Millisecond))

	for i, nc := range stalled {
		nc.SetReadDeadline(time.Now().Add(time.Minute))
		_, err := io.ReadAll(nc)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("stalled connection %d still open after a minute", i)
		}
	}
	if _, err := conn.Exec(cx, "SELECT 2"); err != nil {
		t.Fatalf("the real session after the stalled ones were cut: %v", err)
	}
}

// (d) Wrong passwords over HTTP basic auth are soon answered 429 without
// being checked, each refusal is logged, and the key's owner at another
// address is not locked out.
func TestPreauthBasicAuthThrottled(t *testing.T) {
	srv := startLimited(t)
	post := func(client *http.Client, secret string) int {
		req, _ := http.NewRequest("POST", "http://"+srv.HTTPAddr+"/v1/sql", strings.NewReader("SELECT 1"))
		req.SetBasicAuth(rootID, secret)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	counts := map[int]int{}
	for range 50 {
		counts[post(http.DefaultClient, "guess")]++
	}
	t.Logf("50 wrong passwords: %v", counts)
	if counts[401] > 10 || counts[429] < 40 {
		t.Errorf("wrong passwords not slowed down: %v", counts)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = fromAddr("127.0.0.77").DialContext
	if status := post(&http.Client{Transport: tr}, rootSecret); status != 200 {
		t.Errorf("the key's owner at another address: %d", status)
	}
	log := srv.logText()
	for _, want := range []string{`msg="request refused" component=http key=` + rootID + ` op="POST /v1/sql" remote=127.0.0.1:`, "status=401", "status=429"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q", want)
		}
	}
}
