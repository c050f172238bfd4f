package e2e

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// TestVirtualHostStyle: with path-style off, the SDK addresses buckets as
// <bucket>.localhost; tarn serves the same objects either way.
func TestVirtualHostStyle(t *testing.T) {
	srv := startServer(t)
	_, port, _ := net.SplitHostPort(srv.AWSAddr)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	// Every *.localhost name reaches the server, as a DNS wildcard would.
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, srv.AWSAddr)
	}
	vc := s3.New(s3.Options{
		BaseEndpoint: aws.String("http://localhost:" + port), Region: "us-east-1", UsePathStyle: false,
		Credentials: credentials.NewStaticCredentialsProvider(rootID, rootSecret, ""), HTTPClient: &http.Client{Transport: tr},
	})
	cx := ctx(t)
	if _, err := vc.CreateBucket(cx, &s3.CreateBucketInput{Bucket: aws.String("vhost")}); err != nil {
		t.Fatal(err)
	}
	if _, err := vc.PutObject(cx, &s3.PutObjectInput{Bucket: aws.String("vhost"), Key: aws.String("k/v.txt"), Body: strings.NewReader("virtual")}); err != nil {
		t.Fatal(err)
	}
	out, err := srv.root().GetObject(cx, &s3.GetObjectInput{Bucket: aws.String("vhost"), Key: aws.String("k/v.txt")})
	if err != nil {
		t.Fatalf("path-style read of a virtual-host write: %v", err)
	}
	if b, _ := io.ReadAll(out.Body); string(b) != "virtual" {
		t.Fatalf("got %q", b)
	}
	res, err := vc.ListObjectsV2(cx, &s3.ListObjectsV2Input{Bucket: aws.String("vhost")})
	if err != nil || len(res.Contents) != 1 {
		t.Fatalf("virtual-host listing: %+v %v", res, err)
	}
}
