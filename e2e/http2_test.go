package e2e

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// HTTP/2 on both HTTP listeners: h2 through ALPN over TLS, h2c with prior
// knowledge on plain TCP, HTTP/1.1 as before; driven by curl, aws-sdk-go-v2
// and the AWS SDK for JavaScript v3, whose Kinesis client speaks nothing
// else.

// requireCmd finds a client program: the first of paths that exists, or
// name on PATH. Without one the test is skipped, or fails on CI.
func requireCmd(t *testing.T, name, hint string, paths ...string) string {
	t.Helper()
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is required in CI: %s", name, hint)
	}
	t.Skipf("no %s: %s", name, hint)
	return ""
}

// tlsModes are the two ways a test starts tarn: plain (HTTP/2 is h2c) and
// with its self-signed certificate (h2 through ALPN).
var tlsModes = []struct {
	name string
	args []string
}{{"h2c", nil}, {"h2", []string{"--tls-self-signed"}}}

// certFile is the server's self-signed certificate, which is its own CA.
func (s *server) certFile() string { return filepath.Join(s.Data, "tls", "cert.pem") }

// curlH2 runs curl with HTTP/2 (or the protocol flag given first in args)
// and returns the status, the HTTP version curl saw and the body.
func curlH2(t *testing.T, srv *server, args ...string) (status int, version string, body []byte) {
	t.Helper()
	bin := requireCmd(t, "curl", "apt-get install -y curl", "/usr/bin/curl")
	out := filepath.Join(t.TempDir(), "body")
	full := []string{"-sS", "-o", out, "-w", "%{http_code} %{http_version}"}
	switch {
	case len(args) > 0 && strings.HasPrefix(args[0], "--http"):
	case srv.TLS:
		full = append(full, "--http2")
	default:
		full = append(full, "--http2-prior-knowledge")
	}
	if srv.TLS {
		full = append(full, "--cacert", srv.certFile())
	}
	res, err := exec.CommandContext(ctx(t), bin, append(full, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("curl %v: %v\n%s", args, err, res)
	}
	code, version, _ := strings.Cut(strings.TrimSpace(string(res)), " ")
	if status, err = strconv.Atoi(code); err != nil {
		t.Fatalf("curl %v printed %q", args, res)
	}
	return status, version, readFile(t, out)
}

// TestCurlHTTP2: curl --http2 over TLS and --http2-prior-knowledge on plain
// HTTP reach both listeners over HTTP/2: signed S3 calls (an upload with
// Expect: 100-continue among them), /healthz, /metrics and a streamed SQL
// answer; --http1.1 still gets HTTP/1.1.
func TestCurlHTTP2(t *testing.T) {
	for _, mode := range tlsModes {
		t.Run(mode.name, func(t *testing.T) {
			srv := startServer(t, mode.args...)
			scheme := "http://"
			if srv.TLS {
				scheme = "https://"
			}
			awsURL, web := scheme+srv.AWSAddr, scheme+srv.HTTPAddr
			sign := []string{"--aws-sigv4", "aws:amz:us-east-1:s3", "--user", rootID + ":" + rootSecret}
			want := func(what string, status int, version string, wantStatus int) {
				t.Helper()
				if status != wantStatus || version != "2" {
					t.Fatalf("%s: status %d over HTTP/%s, want %d over HTTP/2", what, status, version, wantStatus)
				}
			}

			status, version, _ := curlH2(t, srv, append(sign, "-X", "PUT", awsURL+"/curl-h2")...)
			want("CreateBucket", status, version, 200)
			src := filepath.Join(t.TempDir(), "obj")
			data := genBytes(11, 256<<10)
			writeFile(t, src, data)
			status, version, body := curlH2(t, srv, append(sign, "-X", "PUT", "--data-binary", "@"+src,
				"-H", "Content-Type: application/octet-stream", "-H", "Expect: 100-continue", awsURL+"/curl-h2/obj")...)
			if status != 200 {
				t.Fatalf("PutObject: %d %s", status, body)
			}
			want("PutObject", status, version, 200)
			status, version, body = curlH2(t, srv, append(sign, awsURL+"/curl-h2/obj")...)
			want("GetObject", status, version, 200)
			if !bytes.Equal(body, data) {
				t.Fatalf("GetObject: %d bytes back of %d", len(body), len(data))
			}
			status, version, body = curlH2(t, srv, append(sign, awsURL+"/")...)
			want("ListBuckets", status, version, 200)
			if !bytes.Contains(body, []byte("<Name>curl-h2</Name>")) {
				t.Fatalf("ListBuckets: %s", body)
			}
			status, version, body = curlH2(t, srv, awsURL+"/curl-h2/obj")
			want("anonymous GetObject", status, version, 403)
			if errorCode(body) != "AccessDenied" {
				t.Fatalf("anonymous GetObject: %s", body)
			}

			status, version, _ = curlH2(t, srv, web+"/healthz")
			want("/healthz", status, version, 200)
			status, version, body = curlH2(t, srv, "-u", rootID+":"+rootSecret, web+"/metrics")
			want("/metrics", status, version, 200)
			if !bytes.Contains(body, []byte(`tarn_aws_requests_total{api="s3"`)) {
				t.Fatalf("/metrics has no S3 request counts:\n%.500s", body)
			}
			// A streamed answer, flushed as it goes, with a trailer announced.
			status, version, body = curlH2(t, srv, "-u", rootID+":"+rootSecret, "--data-binary",
				"SELECT i FROM range(200000) t(i)", web+"/v1/sql?format=csv")
			want("/v1/sql", status, version, 200)
			if lines := bytes.Count(body, []byte("\n")); lines != 200001 || !bytes.HasSuffix(body, []byte("199999\n")) {
				t.Fatalf("/v1/sql: %d lines, ending %q", lines, body[max(0, len(body)-20):])
			}

			for _, u := range []string{awsURL + "/", web + "/healthz"} {
				if _, version, _ := curlH2(t, srv, "--http1.1", u); version != "1.1" {
					t.Fatalf("curl --http1.1 %s: HTTP/%s", u, version)
				}
			}
		})
	}
}

// protoRecorder remembers the protocol of every response.
type protoRecorder struct {
	rt     http.RoundTripper
	protos []string
}

func (p *protoRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	res, err := p.rt.RoundTrip(r)
	if err == nil {
		p.protos = append(p.protos, res.Proto)
	}
	return res, err
}

// TestSDKOverHTTP2: aws-sdk-go-v2 over TLS negotiates HTTP/2, where a
// non-seekable body goes as aws-chunked with a trailing checksum, and a
// seekable one over 2 MiB with Expect: 100-continue.
func TestSDKOverHTTP2(t *testing.T) {
	srv := startServer(t, "--tls-self-signed")
	hc := srv.httpClient()
	rec := &protoRecorder{rt: hc.Transport}
	hc.Transport = rec
	c, cx := srv.client(rootID, rootSecret, func(o *s3.Options) { o.HTTPClient = hc; o.RetryMaxAttempts = 1 }), ctx(t)
	if _, err := c.CreateBucket(cx, &s3.CreateBucketInput{Bucket: aws.String("sdk-h2")}); err != nil {
		t.Fatal(err)
	}
	streamed := genBytes(5, 3<<20+123)
	pr, pw := io.Pipe()
	go func() { pw.Write(streamed); pw.Close() }()
	if _, err := c.PutObject(cx, &s3.PutObjectInput{Bucket: aws.String("sdk-h2"), Key: aws.String("streamed"), Body: pr,
		ContentLength: aws.Int64(int64(len(streamed)))}); err != nil {
		t.Fatal(err)
	}
	seekable := genBytes(6, 5<<20)
	if _, err := c.PutObject(cx, &s3.PutObjectInput{Bucket: aws.String("sdk-h2"), Key: aws.String("seekable"), Body: bytes.NewReader(seekable)}); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string][]byte{"streamed": streamed, "seekable": seekable} {
		get, err := c.GetObject(cx, &s3.GetObjectInput{Bucket: aws.String("sdk-h2"), Key: aws.String(key)})
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(get.Body)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%s: %d bytes back of %d, %v", key, len(got), len(want), err)
		}
	}
	for _, p := range rec.protos {
		if p != "HTTP/2.0" {
			t.Fatalf("responses over %v, want HTTP/2.0 only", rec.protos)
		}
	}
	if len(rec.protos) < 5 {
		t.Fatalf("%d responses recorded", len(rec.protos))
	}
}

// jsClientsDir holds the script and its locked dependencies.
const jsClientsDir = "testdata/clients/js"

// npmCI installs the locked dependencies unless node_modules is up to date
// with package-lock.json.
func npmCI(t *testing.T) {
	t.Helper()
	npm := requireCmd(t, "npm", "install Node.js and npm", "/usr/bin/npm")
	lock, err := os.Stat(filepath.Join(jsClientsDir, "package-lock.json"))
	if err != nil {
		t.Fatal(err)
	}
	if inst, err := os.Stat(filepath.Join(jsClientsDir, "node_modules", ".package-lock.json")); err == nil && !inst.ModTime().Before(lock.ModTime()) {
		return
	}
	cmd := exec.CommandContext(ctx(t), npm, "ci", "--no-audit", "--no-fund", "--loglevel=error")
	cmd.Dir = jsClientsDir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm ci in %s: %v\n%s", jsClientsDir, err, out)
	}
}

// TestJSClients runs the AWS SDK for JavaScript v3 (S3 over HTTP/1.1,
// Kinesis over HTTP/2, both with their default handlers) against tarn over
// plain HTTP and over TLS, trusting the server's certificate.
func TestJSClients(t *testing.T) {
	node := requireCmd(t, "node", "install Node.js", "/usr/bin/node")
	npmCI(t)
	for _, mode := range tlsModes {
		t.Run(mode.name, func(t *testing.T) {
			srv := startServer(t, mode.args...)
			home := t.TempDir()
			name := "js-" + mode.name
			cmd := exec.CommandContext(ctx(t), node, "--no-warnings", "clients.mjs", name)
			cmd.Dir = jsClientsDir
			cmd.Env = []string{
				"PATH=" + os.Getenv("PATH"), "HOME=" + home,
				"TARN_ENDPOINT=" + srv.URL(),
				"AWS_ACCESS_KEY_ID=" + rootID, "AWS_SECRET_ACCESS_KEY=" + rootSecret, "AWS_REGION=us-east-1",
				"AWS_CONFIG_FILE=" + filepath.Join(home, "config"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "credentials"),
				"AWS_EC2_METADATA_DISABLED=true",
			}
			if srv.TLS {
				cmd.Env = append(cmd.Env, "NODE_EXTRA_CA_CERTS="+srv.certFile())
			}
			start := time.Now()
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("node clients.mjs: %v\n%s", err, out)
			}
			for _, line := range []string{
				"ok s3-handler NodeHttpHandler", "ok kinesis-handler NodeHttp2Handler",
				"ok CreateBucket " + name, "ok ListObjectsV2 dir/big.bin,dir/small.txt",
				"ok CreateStream " + name, "ok DescribeStreamSummary ACTIVE", "ok PutRecords 3",
				"ok GetRecords record-0,record-1,record-2,record-3", "ok ListStreams " + name, "done",
			} {
				if !strings.Contains(string(out), line+"\n") {
					t.Fatalf("no line %q in:\n%s", line, out)
				}
			}
			t.Logf("AWS SDK for JavaScript v3 over %s: %v", mode.name, time.Since(start).Round(time.Millisecond))
		})
	}
}
