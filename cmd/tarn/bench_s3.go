package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/jackc/pgx/v5"

	"github.com/tarnlake/tarn/internal/access"
)

type benchOptions struct {
	endpoint, dir    string
	serveArgs        []string // for the server bench starts itself
	runs, bigObjects int
	clients, records int
	smallFor         time.Duration
	warehouseDSN     string
}

const bigSize = 16 << 20

// benchTarget is the server under test and a client configuration for it.
type benchTarget struct {
	cfg    aws.Config
	http   *http.Client
	pgAddr string // the PostgreSQL wire listener of a server bench started
	pid    int    // of a server bench started itself, else 0
}

// pgConn connects pgx to the PostgreSQL port of a server bench started,
// as the bench's key.
func (t *benchTarget) pgConn(ctx context.Context) (*pgx.Conn, error) {
	creds, err := t.cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return nil, err
	}
	u := url.URL{Scheme: "postgres", User: url.UserPassword(creds.AccessKeyID, creds.SecretAccessKey), Host: t.pgAddr, Path: "/tarn", RawQuery: "sslmode=disable"}
	pc, err := pgx.Connect(ctx, u.String())
	if err != nil {
		return nil, fmt.Errorf("bench: connect: %w", err)
	}
	return pc, nil
}

// benchClient starts a tarn serve unless o names an endpoint, and returns
// how to reach it.
func benchClient(ctx context.Context, o *benchOptions) (*benchTarget, func(), error) {
	stop := func() {}
	if o.dir == "" {
		d, err := os.MkdirTemp("", "tarn-bench-")
		if err != nil {
			return nil, nil, err
		}
		o.dir = d
		stop = func() { os.RemoveAll(d) }
	}
	id, secret := os.Getenv("TARN_ACCESS_KEY_ID"), os.Getenv("TARN_SECRET_ACCESS_KEY")
	t := &benchTarget{http: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
	if o.endpoint == "" {
		k := access.NewKey("bench")
		id, secret = k.ID, k.Secret
		ep, pgAddr, pid, stopServer, err := startBenchServer(ctx, o.dir, id, secret, o.serveArgs...)
		if err != nil {
			stop()
			return nil, nil, err
		}
		o.endpoint, t.pid, t.pgAddr = ep, pid, pgAddr
		rm := stop
		stop = func() { stopServer(); rm() }
	}
	if id == "" {
		stop()
		return nil, nil, fmt.Errorf("bench: set TARN_ACCESS_KEY_ID and TARN_SECRET_ACCESS_KEY for %s", o.endpoint)
	}
	t.cfg = aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(o.endpoint),
		Credentials: credentials.NewStaticCredentialsProvider(id, secret, "")}
	if t.pid != 0 {
		time.Sleep(500 * time.Millisecond)
		fmt.Printf("idle RSS of tarn serve: %.1f MiB\n", rssMiB(t.pid))
	}
	return t, stop, nil
}

func benchS3(ctx context.Context, o benchOptions) error {
	if o.smallFor == 0 {
		o.smallFor = 3 * time.Second
	}
	t, stop, err := benchClient(ctx, &o)
	if err != nil {
		return err
	}
	defer stop()
	pid := t.pid
	c := s3.NewFromConfig(t.cfg, func(so *s3.Options) {
		so.UsePathStyle, so.HTTPClient = true, t.http
		// Measure the server, not the client's SHA256 of each body.
		so.APIOptions = append(so.APIOptions, v4.SwapComputePayloadSHA256ForUnsignedPayloadMiddleware)
	})
	bucket := fmt.Sprintf("bench-%d", time.Now().UnixNano())
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &bucket}); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	refDir := filepath.Join(o.dir, "reference")
	if err := os.MkdirAll(refDir, 0o755); err != nil {
		return err
	}
	big := bytes.Repeat([]byte("tarn-lake-bench!"), bigSize/16)
	put16 := &figure{name: "PUT 16 MiB", unit: "MiB/s"}
	get16 := &figure{name: "GET 16 MiB", unit: "MiB/s"}
	put4k := &figure{name: "PUT 4 KiB x" + strconv.Itoa(o.clients), unit: "ops/s"}
	for run := 1; run <= o.runs; run++ {
		ref, err := refWriteFsync(refDir, big, o.bigObjects)
		if err != nil {
			return err
		}
		got, err := timeBig(o.bigObjects, bigSize, func(i int) error {
			_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: aws.String(fmt.Sprintf("big/%d", i)), Body: bytes.NewReader(big)})
			return err
		})
		if err != nil {
			return fmt.Errorf("bench PUT: %w", err)
		}
		put16.add(got, ref)

		if ref, err = refTCPCopy(big, o.bigObjects); err != nil {
			return err
		}
		got, err = timeBig(o.bigObjects, bigSize, func(i int) error {
			out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: aws.String(fmt.Sprintf("big/%d", i))})
			if err != nil {
				return err
			}
			defer out.Body.Close()
			return drain(out.Body, int64(bigSize))
		})
		if err != nil {
			return fmt.Errorf("bench GET: %w", err)
		}
		get16.add(got, ref)

		ref = refSmallFsync(refDir, o.clients, o.smallFor)
		got, err = timeSmall(o.clients, o.smallFor, func(w, i int) error {
			_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: aws.String(fmt.Sprintf("small/%d/%d", w, i)), Body: bytes.NewReader(big[:4096])})
			return err
		})
		if err != nil {
			return fmt.Errorf("bench PUT 4 KiB: %w", err)
		}
		put4k.add(got, ref)
		fmt.Printf("run %d/%d: PUT 16 MiB %.0f MiB/s (ref %.0f), GET 16 MiB %.0f MiB/s (ref %.0f), PUT 4 KiB %.0f ops/s (ref %.0f)\n",
			run, o.runs, put16.got[run-1], put16.ref[run-1], get16.got[run-1], get16.ref[run-1], put4k.got[run-1], put4k.ref[run-1])
	}
	fmt.Println("medians:")
	for _, f := range []*figure{put16, get16, put4k} {
		fmt.Println(" ", f)
	}
	if pid != 0 {
		fmt.Printf("  RSS of tarn serve after the run: %.1f MiB\n", rssMiB(pid))
	}
	return nil
}

// timeBig runs n sequential transfers of size bytes and returns MiB/s.
func timeBig(n, size int, do func(i int) error) (float64, error) {
	start := time.Now()
	for i := range n {
		if err := do(i); err != nil {
			return 0, err
		}
	}
	return float64(n*size) / (1 << 20) / time.Since(start).Seconds(), nil
}

// timeSmall runs clients loops for d and returns operations per second.
func timeSmall(clients int, d time.Duration, do func(w, i int) error) (float64, error) {
	var ops atomic.Int64
	var firstErr atomic.Value
	deadline := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; time.Now().Before(deadline); i++ {
				if err := do(w, i); err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
				ops.Add(1)
			}
		}()
	}
	wg.Wait()
	if err, _ := firstErr.Load().(error); err != nil {
		return 0, err
	}
	return float64(ops.Load()) / time.Since(start).Seconds(), nil
}

// refWriteFsync writes n files of data with fsync: the durable-write ceiling.
func refWriteFsync(dir string, data []byte, n int) (float64, error) {
	return timeBig(n, len(data), func(i int) error {
		f, err := os.CreateTemp(dir, "big-*")
		if err != nil {
			return err
		}
		defer os.Remove(f.Name())
		defer f.Close()
		if _, err := f.Write(data); err != nil {
			return err
		}
		return f.Sync()
	})
}

// refTCPCopy sends data n times over one loopback TCP connection.
func refTCPCopy(data []byte, n int) (float64, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		for range n {
			c.Write(data)
		}
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		return 0, err
	}
	defer c.Close()
	return timeBig(n, len(data), func(int) error { return drain(c, int64(len(data))) })
}

// drain reads n bytes from r in large reads, as a client that keeps what it
// reads would; both a GET and its reference read this way.
func drain(r io.Reader, n int64) error {
	buf := make([]byte, 1<<20)
	for n > 0 {
		m, err := r.Read(buf[:min(int64(len(buf)), n)])
		n -= int64(m)
		if err == io.EOF && n == 0 {
			return nil
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// refSmallFsync runs clients loops of 4 KiB write+fsync+rename for d.
func refSmallFsync(dir string, clients int, d time.Duration) float64 {
	data := bytes.Repeat([]byte("x"), 4096)
	ops, _ := timeSmall(clients, d, func(w, i int) error {
		f, err := os.CreateTemp(dir, "small-*")
		if err != nil {
			return err
		}
		f.Write(data)
		f.Sync()
		f.Close()
		return os.Rename(f.Name(), filepath.Join(dir, fmt.Sprintf("s-%d-%d", w, i%64)))
	})
	return ops
}

// startBenchServer runs this binary's serve on free ports.
func startBenchServer(ctx context.Context, dir, id, secret string, args ...string) (endpoint, pgAddr string, pid int, stop func(), err error) {
	exe, err := os.Executable()
	if err != nil {
		return "", "", 0, nil, err
	}
	var addrs [4]string
	var held []net.Listener // until all are found, so that none is handed out twice
	for i := range addrs {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			for _, ln := range held {
				ln.Close()
			}
			return "", "", 0, nil, err
		}
		held = append(held, ln)
		addrs[i] = ln.Addr().String()
	}
	for _, ln := range held {
		ln.Close()
	}
	aws, httpAddr, pgAddr := addrs[0], addrs[1], addrs[2]
	cmd := exec.CommandContext(ctx, exe, append([]string{"serve", "--data", filepath.Join(dir, "data"), "--aws-addr", aws,
		"--http-addr", httpAddr, "--pg-addr", pgAddr, "--sftp-addr", addrs[3], "--log-level", "warn"}, args...)...)
	cmd.Env = append(os.Environ(), "TARN_ACCESS_KEY_ID="+id, "TARN_SECRET_ACCESS_KEY="+secret)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return "", "", 0, nil, err
	}
	stop = func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() }
	// Ready once it answers: tarn serve binds its ports before it opens
	// its stores.
	hc := &http.Client{Timeout: time.Second}
	for deadline := time.Now().Add(10 * time.Second); ; {
		if resp, err := hc.Get("http://" + httpAddr + "/healthz"); err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			stop()
			return "", "", 0, nil, fmt.Errorf("bench: tarn serve did not start")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return "http://" + aws, pgAddr, cmd.Process.Pid, stop, nil
}

// rssMiB reads a process's resident set size from /proc.
func rssMiB(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}
