package e2e

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

func mustCode(t *testing.T, err error, code string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want error %s, got %v", code, err)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("want error %s, got %s: %s", code, ae.ErrorCode(), ae.ErrorMessage())
	}
}

func TestSDKObjects(t *testing.T) {
	srv := startServer(t)
	c, cx := srv.root(), ctx(t)
	if _, err := c.CreateBucket(cx, &s3.CreateBucketInput{Bucket: aws.String("sdk")}); err != nil {
		t.Fatal(err)
	}
	_, err := c.CreateBucket(cx, &s3.CreateBucketInput{Bucket: aws.String("sdk")})
	mustCode(t, err, "BucketAlreadyOwnedByYou")

	body := []byte("hello, lake\n")
	put, err := c.PutObject(cx, &s3.PutObjectInput{
		Bucket: aws.String("sdk"), Key: aws.String("dir/hello world+.txt"), Body: bytes.NewReader(body),
		ContentType: aws.String("text/plain"), Metadata: map[string]string{"origin": "e2e"},
		CacheControl: aws.String("max-age=60"),
	})
	if err != nil {
		t.Fatal(err)
	}
	sum := md5.Sum(body)
	if want := `"` + hex.EncodeToString(sum[:]) + `"`; aws.ToString(put.ETag) != want {
		t.Fatalf("ETag %s, want %s", aws.ToString(put.ETag), want)
	}
	get, err := c.GetObject(cx, &s3.GetObjectInput{Bucket: aws.String("sdk"), Key: aws.String("dir/hello world+.txt")})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(get.Body)
	get.Body.Close()
	if !bytes.Equal(got, body) || aws.ToString(get.ContentType) != "text/plain" || get.Metadata["origin"] != "e2e" || aws.ToString(get.CacheControl) != "max-age=60" {
		t.Fatalf("get: %q %q %v %q", got, aws.ToString(get.ContentType), get.Metadata, aws.ToString(get.CacheControl))
	}

	t.Run("Range", func(t *testing.T) {
		r, err := c.GetObject(cx, &s3.GetObjectInput{Bucket: aws.String("sdk"), Key: aws.String("dir/hello world+.txt"), Range: aws.String("bytes=7-10")})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r.Body)
		if string(b) != "lake" || aws.ToString(r.ContentRange) != fmt.Sprintf("bytes 7-10/%d", len(body)) {
			t.Fatalf("range: %q %s", b, aws.ToString(r.ContentRange))
		}
		_, err = c.GetObject(cx, &s3.GetObjectInput{Bucket: aws.String("sdk"), Key: aws.String("dir/hello world+.txt"), Range: aws.String("bytes=100-")})
		mustCode(t, err, "InvalidRange")
	})

	t.Run("Conditions", func(t *testing.T) {
		_, err := c.GetObject(cx, &s3.GetObjectInput{Bucket: aws.String("sdk"), Key: aws.String("dir/hello world+.txt"), IfMatch: aws.String(`"nope"`)})
		mustCode(t, err, "PreconditionFailed")
		_, err = c.GetObject(cx, &s3.GetObjectInput{Bucket: aws.String("sdk"), Key: aws.String("dir/hello world+.txt"), IfNoneMatch: put.ETag})
		var re interface{ HTTPStatusCode() int }
		if !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusNotModified {
			t.Fatalf("If-None-Match on the current ETag: %v, want 304", err)
		}
		_, err = c.GetObject(cx, &s3.GetObjectInput{Bucket: aws.String("sdk"), Key: aws.String("dir/hello world+.txt"), IfModifiedSince: aws.Time(time.Now().Add(time.Hour))})
		if !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusNotModified {
			t.Fatalf("If-Modified-Since in the future: %v, want 304", err)
		}
		if _, err := c.GetObject(cx, &s3.GetObjectInput{Bucket: aws.String("sdk"), Key: aws.String("dir/hello world+.txt"), IfMatch: put.ETag}); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("Copy", func(t *testing.T) {
		_, err := c.CopyObject(cx, &s3.CopyObjectInput{Bucket: aws.String("sdk"), Key: aws.String("copy.txt"), CopySource: aws.String("sdk/dir/hello%20world%2B.txt")})
		if err != nil {
			t.Fatal(err)
		}
		h, err := c.HeadObject(cx, &s3.HeadObjectInput{Bucket: aws.String("sdk"), Key: aws.String("copy.txt")})
		if err != nil || h.Metadata["origin"] != "e2e" || aws.ToInt64(h.ContentLength) != int64(len(body)) {
			t.Fatalf("copy kept metadata? %v %v", h, err)
		}
		_, err = c.CopyObject(cx, &s3.CopyObjectInput{Bucket: aws.String("sdk"), Key: aws.String("copy.txt"), CopySource: aws.String("sdk/copy.txt"),
			MetadataDirective: types.MetadataDirectiveReplace, Metadata: map[string]string{"v": "2"}})
		if err != nil {
			t.Fatal(err)
		}
		h, _ = c.HeadObject(cx, &s3.HeadObjectInput{Bucket: aws.String("sdk"), Key: aws.String("copy.txt")})
		if h.Metadata["v"] != "2" || h.Metadata["origin"] != "" {
			t.Fatalf("REPLACE directive: metadata %v", h.Metadata)
		}
		_, err = c.CopyObject(cx, &s3.CopyObjectInput{Bucket: aws.String("sdk"), Key: aws.String("copy.txt"), CopySource: aws.String("sdk/copy.txt")})
		mustCode(t, err, "InvalidRequest")
	})

	t.Run("List", func(t *testing.T) {
		for i := range 25 {
			key := fmt.Sprintf("list/p%d/k%02d", i%3, i)
			if _, err := c.PutObject(cx, &s3.PutObjectInput{Bucket: aws.String("sdk"), Key: aws.String(key), Body: strings.NewReader(key)}); err != nil {
				t.Fatal(err)
			}
		}
		var keys []string
		p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String("sdk"), Prefix: aws.String("list/"), MaxKeys: aws.Int32(7)})
		for p.HasMorePages() {
			page, err := p.NextPage(cx)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range page.Contents {
				keys = append(keys, aws.ToString(o.Key))
			}
		}
		if len(keys) != 25 || keys[0] != "list/p0/k00" || keys[24] != "list/p2/k23" {
			t.Fatalf("paged listing: %d keys %v", len(keys), keys)
		}
		res, err := c.ListObjectsV2(cx, &s3.ListObjectsV2Input{Bucket: aws.String("sdk"), Prefix: aws.String("list/"), Delimiter: aws.String("/")})
		if err != nil || len(res.CommonPrefixes) != 3 || aws.ToString(res.CommonPrefixes[1].Prefix) != "list/p1/" || len(res.Contents) != 0 {
			t.Fatalf("delimiter listing: %+v %v", res, err)
		}
		v1, err := c.ListObjects(cx, &s3.ListObjectsInput{Bucket: aws.String("sdk"), Prefix: aws.String("list/p1/"), Marker: aws.String("list/p1/k04")})
		if err != nil || len(v1.Contents) != 6 || aws.ToString(v1.Contents[0].Key) != "list/p1/k07" {
			t.Fatalf("v1 listing with marker: %d %v", len(v1.Contents), err)
		}
		del, err := c.DeleteObjects(cx, &s3.DeleteObjectsInput{Bucket: aws.String("sdk"), Delete: &types.Delete{
			Objects: []types.ObjectIdentifier{{Key: aws.String("list/p0/k00")}, {Key: aws.String("list/p1/k01")}, {Key: aws.String("missing")}},
		}})
		if err != nil || len(del.Deleted) != 3 {
			t.Fatalf("DeleteObjects: %+v %v", del, err)
		}
	})

	t.Run("Errors", func(t *testing.T) {
		_, err := c.GetObject(cx, &s3.GetObjectInput{Bucket: aws.String("sdk"), Key: aws.String("nope")})
		mustCode(t, err, "NoSuchKey")
		_, err = c.GetObject(cx, &s3.GetObjectInput{Bucket: aws.String("nobucket"), Key: aws.String("nope")})
		mustCode(t, err, "NoSuchBucket")
		_, err = c.DeleteBucket(cx, &s3.DeleteBucketInput{Bucket: aws.String("sdk")})
		mustCode(t, err, "BucketNotEmpty")
		_, err = c.CreateBucket(cx, &s3.CreateBucketInput{Bucket: aws.String("Bad_Name")})
		mustCode(t, err, "InvalidBucketName")
	})
}

func TestSDKMultipart(t *testing.T) {
	srv := startServer(t)
	c, cx := srv.root(), ctx(t)
	c.CreateBucket(cx, &s3.CreateBucketInput{Bucket: aws.String("mpu")})
	c.PutObject(cx, &s3.PutObjectInput{Bucket: aws.String("mpu"), Key: aws.String("src"), Body: bytes.NewReader(bytes.Repeat([]byte("s"), 6<<20))})

	up, err := c.CreateMultipartUpload(cx, &s3.CreateMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String("big"), ContentType: aws.String("application/x-test")})
	if err != nil {
		t.Fatal(err)
	}
	part1 := bytes.Repeat([]byte("1"), 5<<20)
	p1, err := c.UploadPart(cx, &s3.UploadPartInput{Bucket: aws.String("mpu"), Key: aws.String("big"), UploadId: up.UploadId, PartNumber: aws.Int32(1), Body: bytes.NewReader(part1)})
	if err != nil {
		t.Fatal(err)
	}
	p2, err := c.UploadPartCopy(cx, &s3.UploadPartCopyInput{Bucket: aws.String("mpu"), Key: aws.String("big"), UploadId: up.UploadId, PartNumber: aws.Int32(2),
		CopySource: aws.String("mpu/src"), CopySourceRange: aws.String("bytes=0-5242879")})
	if err != nil {
		t.Fatal(err)
	}
	p3, err := c.UploadPart(cx, &s3.UploadPartInput{Bucket: aws.String("mpu"), Key: aws.String("big"), UploadId: up.UploadId, PartNumber: aws.Int32(3), Body: strings.NewReader("tail")})
	if err != nil {
		t.Fatal(err)
	}
	parts, err := c.ListParts(cx, &s3.ListPartsInput{Bucket: aws.String("mpu"), Key: aws.String("big"), UploadId: up.UploadId})
	if err != nil || len(parts.Parts) != 3 {
		t.Fatalf("ListParts: %v %v", parts, err)
	}
	ups, err := c.ListMultipartUploads(cx, &s3.ListMultipartUploadsInput{Bucket: aws.String("mpu")})
	if err != nil || len(ups.Uploads) != 1 || aws.ToString(ups.Uploads[0].UploadId) != aws.ToString(up.UploadId) {
		t.Fatalf("ListMultipartUploads: %v %v", ups, err)
	}
	done, err := c.CompleteMultipartUpload(cx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String("big"), UploadId: up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{
			{PartNumber: aws.Int32(1), ETag: p1.ETag}, {PartNumber: aws.Int32(2), ETag: p2.CopyPartResult.ETag}, {PartNumber: aws.Int32(3), ETag: p3.ETag},
		}}})
	if err != nil {
		t.Fatal(err)
	}
	// S3's multipart ETag: MD5 of the parts' binary MD5s, then "-N".
	h := md5.New()
	for _, p := range [][]byte{part1, bytes.Repeat([]byte("s"), 5<<20), []byte("tail")} {
		s := md5.Sum(p)
		h.Write(s[:])
	}
	if want := `"` + hex.EncodeToString(h.Sum(nil)) + `-3"`; aws.ToString(done.ETag) != want {
		t.Fatalf("multipart ETag %s, want %s", aws.ToString(done.ETag), want)
	}
	head, err := c.HeadObject(cx, &s3.HeadObjectInput{Bucket: aws.String("mpu"), Key: aws.String("big")})
	if err != nil || aws.ToInt64(head.ContentLength) != 10<<20+4 || aws.ToString(head.ContentType) != "application/x-test" {
		t.Fatalf("head of completed upload: %+v %v", head, err)
	}

	up2, _ := c.CreateMultipartUpload(cx, &s3.CreateMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String("aborted")})
	if _, err := c.AbortMultipartUpload(cx, &s3.AbortMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String("aborted"), UploadId: up2.UploadId}); err != nil {
		t.Fatal(err)
	}
	_, err = c.ListParts(cx, &s3.ListPartsInput{Bucket: aws.String("mpu"), Key: aws.String("aborted"), UploadId: up2.UploadId})
	mustCode(t, err, "NoSuchUpload")
}

// TestSDKOverTLS: over HTTPS the SDK streams non-seekable bodies as
// aws-chunked with a trailing CRC32, the variant most uploads use today.
func TestSDKOverTLS(t *testing.T) {
	srv := startServer(t, "--tls-self-signed")
	c, cx := srv.client(rootID, rootSecret, func(o *s3.Options) { o.RetryMaxAttempts = 1 }), ctx(t)
	if _, err := c.CreateBucket(cx, &s3.CreateBucketInput{Bucket: aws.String("tls")}); err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("0123456789abcdef"), 1<<18) // 4 MiB
	pr, pw := io.Pipe()
	go func() { pw.Write(data); pw.Close() }()
	_, err := c.PutObject(cx, &s3.PutObjectInput{Bucket: aws.String("tls"), Key: aws.String("streamed"), Body: pr, ContentLength: aws.Int64(int64(len(data)))})
	if err != nil {
		t.Fatal(err)
	}
	get, err := c.GetObject(cx, &s3.GetObjectInput{Bucket: aws.String("tls"), Key: aws.String("streamed")})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(get.Body)
	if !bytes.Equal(got, data) || aws.ToString(get.ContentEncoding) != "" {
		t.Fatalf("aws-chunked upload stored %d bytes (want %d), Content-Encoding %q", len(got), len(data), aws.ToString(get.ContentEncoding))
	}
}
