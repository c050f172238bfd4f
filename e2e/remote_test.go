package e2e

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/tarnlake/tarn/internal/lake"
	"github.com/tarnlake/tarn/internal/lake/laketest"
	lakes3 "github.com/tarnlake/tarn/internal/lake/s3"
)

// TestS3BackendConformance runs the lake's shared suite against the S3
// backend, with a second tarn serve as the remote store.
func TestS3BackendConformance(t *testing.T) {
	remote := startServer(t)
	laketest.Run(t, func(t *testing.T) lake.Store {
		s, err := lakes3.New(lakes3.Options{Endpoint: remote.URL(), Region: "us-east-1", PathStyle: true,
			AccessKeyID: rootID, SecretAccessKey: rootSecret, TempDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestServeOnRemoteLake runs tarn with its lake on another tarn's S3 API:
// what a client writes to the first lands in the second.
func TestServeOnRemoteLake(t *testing.T) {
	remote := startServer(t)
	front := startServer(t, "--config", remoteLakeConfig(t, remote, ""))
	c, cx := front.root(), ctx(t)
	if _, err := c.CreateBucket(cx, &s3.CreateBucketInput{Bucket: aws.String("chained")}); err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("remote "), 100000)
	if _, err := c.PutObject(cx, &s3.PutObjectInput{Bucket: aws.String("chained"), Key: aws.String("a/b.txt"), Body: bytes.NewReader(data)}); err != nil {
		t.Fatal(err)
	}
	out, err := remote.root().GetObject(cx, &s3.GetObjectInput{Bucket: aws.String("chained"), Key: aws.String("a/b.txt")})
	if err != nil {
		t.Fatalf("object not in the remote store: %v", err)
	}
	got, _ := io.ReadAll(out.Body)
	if !bytes.Equal(got, data) {
		t.Fatalf("remote holds %d bytes, want %d", len(got), len(data))
	}
	res, err := c.ListObjectsV2(cx, &s3.ListObjectsV2Input{Bucket: aws.String("chained"), Delimiter: aws.String("/")})
	if err != nil || len(res.CommonPrefixes) != 1 || aws.ToString(res.CommonPrefixes[0].Prefix) != "a/" {
		t.Fatalf("listing through the front: %+v %v", res, err)
	}
}

// remoteLakeConfig writes a config file that puts the lake on remote's S3
// API, followed by extra YAML, and returns its path.
func remoteLakeConfig(t *testing.T, remote *server, extra string) string {
	t.Helper()
	cfg := filepath.Join(t.TempDir(), "tarn.yaml")
	yaml := fmt.Sprintf("lake:\n  backend: s3\n  endpoint: %s\n  access_key_id: %s\n  secret_access_key: %s\n  path_style: true\n",
		remote.URL(), rootID, rootSecret) + extra
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfg
}
