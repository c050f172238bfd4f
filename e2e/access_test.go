package e2e

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// TestKeysWithGrants: a key made with `tarn keys add` may write the landing
// bucket and nothing else, and a running server picks it up.
func TestKeysWithGrants(t *testing.T) {
	srv := startServer(t)
	root, cx := srv.root(), ctx(t)
	for _, b := range []string{"landing", "lake"} {
		if _, err := root.CreateBucket(cx, &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
			t.Fatal(err)
		}
	}
	out, err := exec.Command(tarnBin, "keys", "add", "producer", "--write", "landing", "--data", srv.Data).Output()
	if err != nil {
		t.Fatal(err)
	}
	creds := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			creds[k] = v
		}
	}
	producer := srv.client(creds["AWS_ACCESS_KEY_ID"], creds["AWS_SECRET_ACCESS_KEY"])

	// The server rereads the keys file at most once a second.
	var putErr error
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		_, putErr = producer.PutObject(cx, &s3.PutObjectInput{Bucket: aws.String("landing"), Key: aws.String("in.csv"), Body: strings.NewReader("a,b\n")})
		if putErr == nil {
			break
		}
	}
	if putErr != nil {
		t.Fatalf("producer cannot write landing: %v", putErr)
	}
	_, err = producer.PutObject(cx, &s3.PutObjectInput{Bucket: aws.String("lake"), Key: aws.String("x"), Body: strings.NewReader("x")})
	mustCode(t, err, "AccessDenied")
	_, err = producer.CopyObject(cx, &s3.CopyObjectInput{Bucket: aws.String("landing"), Key: aws.String("stolen"), CopySource: aws.String("lake/whatever")})
	mustCode(t, err, "AccessDenied")
	list, err := producer.ListBuckets(cx, &s3.ListBucketsInput{})
	if err != nil || len(list.Buckets) != 1 || aws.ToString(list.Buckets[0].Name) != "landing" {
		t.Fatalf("producer should see only landing: %+v %v", list, err)
	}
	if _, err := root.GetObject(cx, &s3.GetObjectInput{Bucket: aws.String("landing"), Key: aws.String("in.csv")}); err != nil {
		t.Fatal(err)
	}
}

// TestMetricsAndHealth: /healthz is open, /metrics needs an access key and
// counts the requests served.
func TestMetricsAndHealth(t *testing.T) {
	srv := startServer(t)
	cx := ctx(t)
	srv.root().CreateBucket(cx, &s3.CreateBucketInput{Bucket: aws.String("metered")})
	resp, err := http.Get("http://" + srv.HTTPAddr + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	resp, err = http.Get("http://" + srv.HTTPAddr + "/metrics")
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("metrics without credentials: %v %v", resp, err)
	}
	req, _ := http.NewRequest("GET", "http://"+srv.HTTPAddr+"/metrics", nil)
	req.SetBasicAuth(rootID, rootSecret)
	resp, err = http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("metrics: %v %v", resp, err)
	}
	body, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(body), `tarn_aws_requests_total{api="s3",code="200",op="CreateBucket"} 1`) {
		t.Fatalf("metrics do not count the CreateBucket:\n%s", body)
	}
}
