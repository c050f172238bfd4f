package main

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// The events bench's server: functions at concurrency 4, events retried
// at once, and a rule that moves what lands under move/ into the lake.
const benchEventsConfig = `functions:
  max_concurrency: 4
  retry_base: 10ms
pipelines:
  rules:
    - bucket: bench-landing
      id: bench-move
      prefix: move/
      move:
        bucket: bench-lake
        key: "{rel}"
`

// The no-op functions: each logs the key of every object it is told of
// and the time it was invoked.
const (
	benchPython = "import time\n\ndef handler(event, context):\n    for r in event.get('Records', []):\n        print('INVOKED', r['s3']['object']['key'], repr(time.time()))\n    return None\n"
	benchNode   = "exports.handler = async (event) => { for (const r of event.Records || []) console.log('INVOKED', r.s3.object.key, Date.now() / 1000); return null; };\n"
	benchGo     = `package main

import (
	"bytes"
	"net/http"
	"os"
)

// A Lambda function on the Runtime API alone, answering null.
func main() {
	api := "http://" + os.Getenv("AWS_LAMBDA_RUNTIME_API") + "/2018-06-01/runtime/invocation/"
	for {
		resp, err := http.Get(api + "next")
		if err != nil {
			os.Exit(1)
		}
		id := resp.Header.Get("Lambda-Runtime-Aws-Request-Id")
		resp.Body.Close()
		r, err := http.Post(api+id+"/response", "application/json", bytes.NewReader([]byte("null")))
		if err == nil {
			r.Body.Close()
		}
	}
}
`
)

func benchEvents(ctx context.Context, o benchOptions) error {
	if o.smallFor == 0 {
		o.smallFor = 3 * time.Second
	}
	if o.endpoint == "" {
		if o.dir == "" {
			d, err := os.MkdirTemp("", "tarn-bench-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(d)
			o.dir = d
		}
		conf := filepath.Join(o.dir, "bench.yaml")
		if err := os.WriteFile(conf, []byte(benchEventsConfig), 0o600); err != nil {
			return err
		}
		o.serveArgs = []string{"--config", conf}
	}
	t, stop, err := benchClient(ctx, &o)
	if err != nil {
		return err
	}
	defer stop()
	c := s3.NewFromConfig(t.cfg, func(so *s3.Options) {
		so.UsePathStyle, so.HTTPClient = true, t.http
		so.APIOptions = append(so.APIOptions, v4.SwapComputePayloadSHA256ForUnsignedPayloadMiddleware)
	})
	lc := &lambdaClient{cfg: t.cfg, http: t.http}
	for _, b := range []string{"bench-landing", "bench-lake", "bench-plain"} {
		if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
			return fmt.Errorf("bench: %w", err)
		}
	}

	// Cold starts: a new function's first invocation, its Init Duration.
	runtimes := []struct{ name, runtime, handler, file, code string }{
		{"bench-python", "python3.11", "app.handler", "app.py", benchPython},
		{"bench-node", "nodejs20.x", "index.handler", "index.js", benchNode},
	}
	if code, err := buildBenchGo(o.dir); err != nil {
		fmt.Printf("cold start of a Go function: skipped (%v)\n", err)
	} else {
		runtimes = append(runtimes, struct{ name, runtime, handler, file, code string }{"bench-go", "provided.al2023", "bootstrap", "bootstrap", string(code)})
	}
	for _, r := range runtimes {
		var cold []float64
		for run := range o.runs {
			name := fmt.Sprintf("%s-%d", r.name, run)
			if err := lc.create(ctx, name, r.runtime, r.handler, r.file, []byte(r.code)); err != nil {
				return err
			}
			ms, err := lc.initDuration(ctx, name)
			if err != nil {
				return err
			}
			cold = append(cold, ms)
		}
		fmt.Printf("cold start %-16s Init Duration median %.1f ms (runs: %s)\n", r.runtime, median(cold), joinFloats(cold))
	}

	// PUT → function: latency, and events per second at concurrency 4.
	if err := lc.create(ctx, "bench-noop", "python3.11", "app.handler", "app.py", []byte(benchPython)); err != nil {
		return err
	}
	rule := `<NotificationConfiguration><CloudFunctionConfiguration><Id>noop</Id><CloudFunction>arn:aws:lambda:us-east-1:000000000000:function:bench-noop</CloudFunction><Event>s3:ObjectCreated:*</Event><Filter><S3Key><FilterRule><Name>prefix</Name><Value>fn/</Value></FilterRule></S3Key></Filter></CloudFunctionConfiguration></NotificationConfiguration>`
	if err := putNotification(ctx, t, "bench-landing", rule); err != nil {
		return err
	}
	small := bytes.Repeat([]byte("x"), 4096)
	put := func(bucket, key string) error {
		_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(small)})
		return err
	}
	sent := map[string]time.Time{}
	for i := range 200 {
		key := fmt.Sprintf("fn/lat/%04d", i)
		sent[key] = time.Now()
		if err := put("bench-landing", key); err != nil {
			return err
		}
		time.Sleep(10 * time.Millisecond)
	}
	invoked, err := lc.waitInvoked(ctx, "bench-noop", "fn/lat/", len(sent))
	if err != nil {
		return err
	}
	var lat []float64
	for k, at := range invoked {
		lat = append(lat, at.Sub(sent[k]).Seconds()*1000)
	}
	sort.Float64s(lat)
	fmt.Printf("PUT → function invoked (warm, one at a time): p50 %.1f ms, p99 %.1f ms\n", lat[len(lat)/2], lat[len(lat)*99/100])

	const burst = 2000
	start := time.Now()
	var next atomic.Int64
	if err := parallel(32, func(int) error {
		for i := next.Add(1); i <= burst; i = next.Add(1) {
			if err := put("bench-landing", fmt.Sprintf("fn/burst/%05d", i)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return err
	}
	got, err := lc.waitInvoked(ctx, "bench-noop", "fn/burst/", burst)
	if err != nil {
		return err
	}
	last := start
	for _, at := range got {
		if at.After(last) {
			last = at
		}
	}
	fmt.Printf("events through a no-op function (concurrency 4): %.0f events/s (%d PUTs by 32 clients)\n", burst/last.Sub(start).Seconds(), burst)

	// PUT 4 KiB x 32 with a rule that invokes a function on every object,
	// vs the same PUTs to a bucket without rules, vs 32 write+fsync loops.
	withRules := &figure{name: "PUT 4K rules/none", unit: "ops/s"}
	vsFsync := &figure{name: "PUT 4K vs fsync", unit: "ops/s"}
	refDir := filepath.Join(o.dir, "reference")
	if err := os.MkdirAll(refDir, 0o755); err != nil {
		return err
	}
	for run := range o.runs {
		plain, err := timeSmall(o.clients, o.smallFor, func(w, i int) error { return put("bench-plain", fmt.Sprintf("%d/%d/%d", run, w, i)) })
		if err != nil {
			return err
		}
		rules, err := timeSmall(o.clients, o.smallFor, func(w, i int) error { return put("bench-landing", fmt.Sprintf("fn/put/%d/%d/%d", run, w, i)) })
		if err != nil {
			return err
		}
		withRules.add(rules, plain)
		vsFsync.add(plain, refSmallFsync(refDir, o.clients, o.smallFor))
	}

	// Moves: objects/s from PUT to moved, vs PUT + CopyObject + DeleteObject.
	moves := &figure{name: "move 4 KiB", unit: "obj/s"}
	for run := range o.runs {
		const n = 1000
		start := time.Now()
		var next atomic.Int64
		if err := parallel(o.clients, func(int) error {
			for i := next.Add(1); i <= n; i = next.Add(1) {
				if err := put("bench-landing", fmt.Sprintf("move/%d/%05d", run, i)); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return err
		}
		for {
			l, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("bench-landing"), Prefix: aws.String(fmt.Sprintf("move/%d/", run))})
			if err != nil {
				return err
			}
			if len(l.Contents) == 0 {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		got := n / time.Since(start).Seconds()
		start = time.Now()
		next.Store(0)
		if err := parallel(o.clients, func(int) error {
			for i := next.Add(1); i <= n; i = next.Add(1) {
				src := fmt.Sprintf("ref/%d/%05d", run, i)
				if err := put("bench-plain", src); err != nil {
					return err
				}
				if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("bench-plain"), Key: aws.String("copied/" + src),
					CopySource: aws.String("bench-plain/" + src)}); err != nil {
					return err
				}
				if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("bench-plain"), Key: aws.String(src)}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return err
		}
		moves.add(got, n/time.Since(start).Seconds())
	}
	fmt.Println("medians:")
	for _, f := range []*figure{withRules, vsFsync, moves} {
		fmt.Println(" ", f)
	}
	if t.pid != 0 {
		fmt.Printf("  RSS of tarn serve after the run: %.1f MiB\n", rssMiB(t.pid))
	}
	return nil
}

func joinFloats(xs []float64) string {
	var s []string
	for _, x := range xs {
		s = append(s, fmt.Sprintf("%.1f", x))
	}
	return strings.Join(s, " ")
}

// buildBenchGo builds the Go no-op function, when a Go toolchain is here.
func buildBenchGo(dir string) ([]byte, error) {
	src := filepath.Join(dir, "gofn")
	if err := os.MkdirAll(src, 0o755); err != nil {
		return nil, err
	}
	os.WriteFile(filepath.Join(src, "go.mod"), []byte("module benchfn\n\ngo 1.21\n"), 0o644)
	os.WriteFile(filepath.Join(src, "main.go"), []byte(benchGo), 0o644)
	cmd := exec.Command("go", "build", "-o", "bootstrap", ".")
	cmd.Dir, cmd.Env = src, append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-mod=mod")
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build: %v %s", err, out)
	}
	return os.ReadFile(filepath.Join(src, "bootstrap"))
}

// lambdaClient makes the few Lambda and CloudWatch Logs calls the bench
// needs, signed as the SDKs sign them.
type lambdaClient struct {
	cfg  aws.Config
	http *http.Client
}

func (l *lambdaClient) do(ctx context.Context, method, path, service string, hdr map[string]string, body []byte) ([]byte, http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, method, aws.ToString(l.cfg.BaseEndpoint)+path, bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	creds, err := l.cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return nil, nil, err
	}
	sum := sha256.Sum256(body)
	if service == "s3" {
		req.Header.Set("X-Amz-Content-Sha256", hex.EncodeToString(sum[:]))
	}
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), service, "us-east-1", time.Now()); err != nil {
		return nil, nil, err
	}
	resp, err := l.http.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode >= 300 {
		err = fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, b)
	}
	return b, resp.Header, err
}

func (l *lambdaClient) create(ctx context.Context, name, runtime, handler, file string, code []byte) error {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	h := &zip.FileHeader{Name: file, Method: zip.Deflate}
	h.SetMode(0o755)
	w, err := zw.CreateHeader(h)
	if err != nil {
		return err
	}
	w.Write(code)
	zw.Close()
	body, _ := json.Marshal(map[string]any{"FunctionName": name, "Runtime": runtime, "Handler": handler, "Timeout": 30,
		"Role": "arn:aws:iam::000000000000:role/root", "Code": map[string][]byte{"ZipFile": buf.Bytes()}})
	_, _, err = l.do(ctx, "POST", "/2015-03-31/functions", "lambda", map[string]string{"Content-Type": "application/json"}, body)
	return err
}

var initDuration = regexp.MustCompile(`Init Duration: ([0-9.]+) ms`)

// initDuration invokes a new function once and reads its cold start from
// the REPORT line of its log tail.
func (l *lambdaClient) initDuration(ctx context.Context, name string) (float64, error) {
	_, hdr, err := l.do(ctx, "POST", "/2015-03-31/functions/"+name+"/invocations", "lambda", map[string]string{"X-Amz-Log-Type": "Tail"}, []byte("{}"))
	if err != nil {
		return 0, err
	}
	tail, _ := base64.StdEncoding.DecodeString(hdr.Get("X-Amz-Log-Result"))
	m := initDuration.FindSubmatch(tail)
	if m == nil {
		return 0, fmt.Errorf("%s: no Init Duration in its log: %s", name, tail)
	}
	return strconv.ParseFloat(string(m[1]), 64)
}

var invokedLine = regexp.MustCompile(`INVOKED (\S+) ([0-9.]+)`)

// waitInvoked reads the function's log until n objects under prefix were
// seen, and returns when each was.
func (l *lambdaClient) waitInvoked(ctx context.Context, fn, prefix string, n int) (map[string]time.Time, error) {
	deadline := time.Now().Add(5 * time.Minute)
	for {
		got := map[string]time.Time{}
		token := ""
		for {
			in := map[string]any{"logGroupName": "/aws/lambda/" + fn, "filterPattern": "INVOKED " + prefix, "limit": 10000}
			if token != "" {
				in["nextToken"] = token
			}
			body, _ := json.Marshal(in)
			b, _, err := l.do(ctx, "POST", "/", "logs", map[string]string{"X-Amz-Target": "Logs_20140328.FilterLogEvents",
				"Content-Type": "application/x-amz-json-1.1"}, body)
			if err != nil {
				return nil, err
			}
			var out struct {
				Events    []struct{ Message string }
				NextToken string
			}
			if err := json.Unmarshal(b, &out); err != nil {
				return nil, err
			}
			for _, e := range out.Events {
				if m := invokedLine.FindStringSubmatch(e.Message); m != nil {
					s, _ := strconv.ParseFloat(m[2], 64)
					got[m[1]] = time.Unix(0, int64(s*1e9))
				}
			}
			if token = out.NextToken; token == "" {
				break
			}
		}
		if len(got) >= n {
			return got, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%s saw %d of %d events", fn, len(got), n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// putNotification sets a bucket's notification configuration.
func putNotification(ctx context.Context, t *benchTarget, bucket, doc string) error {
	l := &lambdaClient{cfg: t.cfg, http: t.http}
	_, _, err := l.do(ctx, "PUT", "/"+bucket+"?notification", "s3", map[string]string{"Content-Type": "application/xml"}, []byte(doc))
	return err
}
