package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// boto3Hint is how a machine gets the boto3 these tests want: Debian 12's,
// 1.26, which presigns S3 URLs with Signature Version 2 by default.
const boto3Hint = "apt-get install -y python3-boto3"

// TestBoto3 runs Debian's boto3 (testdata/clients/boto3_clients.py) against
// tarn over plain HTTP and TLS: S3 with SigV4 and with SigV2 headers,
// Kinesis, Glue and Athena; then fetches its default presigned URL with
// curl, and checks that SigV2 URLs signed with a wrong secret, or past
// their Expires, are refused.
func TestBoto3(t *testing.T) {
	python := requireCmd(t, "python3", boto3Hint, "/usr/bin/python3")
	if _, err := os.Stat("/usr/lib/python3/dist-packages/boto3"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Debian's boto3 is required in CI: %s", boto3Hint)
		}
		t.Skipf("no Debian boto3: %s", boto3Hint)
	}
	for _, mode := range tlsModes {
		t.Run(mode.name, func(t *testing.T) {
			srv := startServer(t, mode.args...)
			home := t.TempDir()
			name := "boto3-" + mode.name
			cmd := exec.CommandContext(ctx(t), python, "testdata/clients/boto3_clients.py", srv.URL(), name)
			cmd.Env = []string{
				"PATH=" + os.Getenv("PATH"), "HOME=" + home, "LANG=C.UTF-8",
				"AWS_ACCESS_KEY_ID=" + rootID, "AWS_SECRET_ACCESS_KEY=" + rootSecret,
				"AWS_CONFIG_FILE=" + home + "/config", "AWS_SHARED_CREDENTIALS_FILE=" + home + "/credentials",
				"AWS_EC2_METADATA_DISABLED=true",
			}
			if srv.TLS {
				cmd.Env = append(cmd.Env, "AWS_CA_BUNDLE="+srv.certFile())
			}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("boto3_clients.py: %v\n%s%s", err, out, stderr.Bytes())
			}
			t.Logf("%s", out)
			for _, line := range []string{"ok s3 dir/hello.txt", "ok s3 sigv2 put,head,get,list,delete", "ok presign sigv2",
				"ok kinesis shardId-000000000000", "ok glue " + strings.ReplaceAll(name, "-", "_"), "ok athena "} {
				if !bytes.Contains(out, []byte(line)) {
					t.Fatalf("no line %q in:\n%s", line, out)
				}
			}
			lines := bytes.Split(bytes.TrimSpace(out), []byte("\n"))
			var urls struct {
				Presigned   string `json:"presigned"`
				WrongSecret string `json:"wrong_secret"`
				Short       string `json:"short"`
			}
			if err := json.Unmarshal(lines[len(lines)-1], &urls); err != nil {
				t.Fatalf("last line: %v\n%s", err, out)
			}
			if !strings.Contains(urls.Presigned, "AWSAccessKeyId=") || !strings.Contains(urls.Presigned, "Expires=") {
				t.Fatalf("boto3's default presigned URL is not SigV2: %s", urls.Presigned)
			}

			status, _, body := curlH2(t, srv, "--http1.1", urls.Presigned)
			if status != 200 || string(body) != "hello from boto3\n" {
				t.Fatalf("presigned URL: %d %q", status, body)
			}
			status, version, body := curlH2(t, srv, urls.Presigned)
			if status != 200 || version != "2" || string(body) != "hello from boto3\n" {
				t.Fatalf("presigned URL over HTTP/2: %d HTTP/%s %q", status, version, body)
			}
			status, _, body = curlH2(t, srv, urls.WrongSecret)
			if status != 403 || errorCode(body) != "SignatureDoesNotMatch" {
				t.Fatalf("presigned with a wrong secret: %d %s", status, body)
			}
			for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(200 * time.Millisecond) { // polling for the expiry
				status, _, body = curlH2(t, srv, urls.Short)
				if status == 403 {
					if errorCode(body) != "AccessDenied" || !bytes.Contains(body, []byte("Request has expired")) {
						t.Fatalf("expired presigned URL: %d %s", status, body)
					}
					break
				}
				if status != 200 || time.Now().After(deadline) {
					t.Fatalf("presigned URL valid for 1s, fetched later: %d %s", status, body)
				}
			}
		})
	}
}

// TestAWSCLIv1PresignSigV2: the aws CLI v1, where one is on PATH, presigns
// with Signature Version 2 unless configured otherwise; curl fetches its URL.
// A fresh machine has only Debian's v2, so this skips there.
func TestAWSCLIv1PresignSigV2(t *testing.T) {
	bin, err := exec.LookPath("aws")
	if err != nil || !awsCLIIsV1(t, bin, t.TempDir()) {
		t.Skip("no aws CLI v1 on PATH (pip install awscli gives one)")
	}
	srv := startServer(t)
	cli := newAWSCLI(t, bin, srv)
	writeFile(t, filepath.Join(cli.dir, "config"), nil) // the CLI's defaults, not newAWSCLI's s3v4
	src := filepath.Join(t.TempDir(), "obj.txt")
	writeFile(t, src, []byte("presigned by the aws CLI v1\n"))
	cli.must(t, "s3", "mb", "s3://cli-v1-presign")
	cli.must(t, "s3", "cp", src, "s3://cli-v1-presign/obj.txt", "--no-progress")
	url := strings.TrimSpace(cli.must(t, "s3", "presign", "s3://cli-v1-presign/obj.txt", "--expires-in", "300"))
	if !strings.Contains(url, "AWSAccessKeyId=") {
		t.Fatalf("the CLI v1 presigned %q, not a SigV2 URL", url)
	}
	if status, _, body := curlH2(t, srv, url); status != 200 || string(body) != "presigned by the aws CLI v1\n" {
		t.Fatalf("curl presigned URL: %d %q", status, body)
	}
}
