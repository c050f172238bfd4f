package e2e

import (
	"bufio"
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// rawReq is one hand-made S3 request.
type rawReq struct {
	method string
	path   string // the request path exactly as sent ("/bucket/key")
	// signPath is the path the signature covers, when it differs from how
	// path is spelled on the wire (e.g. "%2e%2e" sent, ".." signed).
	signPath string
	query    string // raw query, without "?"
	body     []byte
	header   http.Header
	// Signing; the zero values sign correctly with the root key now.
	id, secret  string
	at          time.Time
	payloadHash string // X-Amz-Content-Sha256; "" is the body's SHA-256
	anonymous   bool   // send no authentication at all
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func md5Base64(b []byte) string {
	s := md5.Sum(b)
	return base64.StdEncoding.EncodeToString(s[:])
}

// build returns r as a signed *http.Request for srv.
func (r rawReq) build(t *testing.T, srv *server) *http.Request {
	t.Helper()
	if r.method == "" {
		r.method = http.MethodGet
	}
	if r.signPath == "" {
		r.signPath = r.path
	}
	scheme := "http"
	if srv.TLS {
		scheme = "https"
	}
	var body io.Reader = http.NoBody
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx(t), r.method, scheme+"://"+srv.AWSAddr+"/", body)
	if err != nil {
		t.Fatal(err)
	}
	// Opaque keeps the path as written: Go neither cleans nor re-escapes it.
	req.URL = &url.URL{Scheme: scheme, Host: srv.AWSAddr, Opaque: r.signPath, RawQuery: r.query}
	for k, vs := range r.header {
		req.Header[k] = vs
	}
	if r.anonymous {
		req.URL.Opaque = r.path
		return req
	}
	if r.id == "" {
		r.id, r.secret = rootID, rootSecret
	}
	if r.at.IsZero() {
		r.at = time.Now()
	}
	if r.payloadHash == "" {
		r.payloadHash = sha256Hex(r.body)
	}
	req.Header.Set("X-Amz-Content-Sha256", r.payloadHash)
	err = v4.NewSigner().SignHTTP(ctx(t), aws.Credentials{AccessKeyID: r.id, SecretAccessKey: r.secret}, req,
		r.payloadHash, "s3", "us-east-1", r.at, func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	if err != nil {
		t.Fatal(err)
	}
	req.URL.Opaque = r.path
	return req
}

// send sends a request and returns the status and body of the answer.
func send(t *testing.T, srv *server, req *http.Request) (int, []byte) {
	t.Helper()
	res, err := srv.httpClient().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Opaque, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: read answer: %v", req.Method, req.URL.Opaque, err)
	}
	return res.StatusCode, b
}

// do builds, signs and sends r.
func (r rawReq) do(t *testing.T, srv *server) (int, []byte) {
	t.Helper()
	return send(t, srv, r.build(t, srv))
}

// presign returns a presigned URL for method on path, signed at `at` and
// valid for expires.
func presign(t *testing.T, srv *server, method, path string, at time.Time, expires time.Duration) string {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx(t), method, srv.URL()+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.URL.RawQuery = fmt.Sprintf("X-Amz-Expires=%d", int(expires.Seconds()))
	u, _, err := v4.NewSigner().PresignHTTP(ctx(t), aws.Credentials{AccessKeyID: rootID, SecretAccessKey: rootSecret}, req,
		"UNSIGNED-PAYLOAD", "s3", "us-east-1", at, func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// awsChunked frames data as an aws-chunked body with unsigned chunks of
// chunk bytes and the given trailer lines ("name:value").
func awsChunked(data []byte, chunk int, trailers ...string) []byte {
	var b bytes.Buffer
	for off := 0; off < len(data); off += chunk {
		part := data[off:min(off+chunk, len(data))]
		fmt.Fprintf(&b, "%x\r\n%s\r\n", len(part), part)
	}
	b.WriteString("0\r\n")
	for _, t := range trailers {
		b.WriteString(t + "\r\n")
	}
	b.WriteString("\r\n")
	return b.Bytes()
}

// chunkedPut is a PUT of data as aws-chunked with a trailing CRC32 and
// decoded length n, as SDKs send over HTTPS.
func chunkedPut(path string, data []byte, crc []byte, n int) rawReq {
	return rawReq{method: http.MethodPut, path: path, payloadHash: "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
		body: awsChunked(data, 1000, "x-amz-checksum-crc32:"+base64.StdEncoding.EncodeToString(crc)),
		header: http.Header{
			"Content-Encoding":             {"aws-chunked"},
			"X-Amz-Decoded-Content-Length": {fmt.Sprint(n)},
			"X-Amz-Trailer":                {"x-amz-checksum-crc32"},
		}}
}

func crc32Of(b []byte) []byte { return binary.BigEndian.AppendUint32(nil, crc32.ChecksumIEEE(b)) }

// mustNotExist checks that HeadObject answers 404 for key.
func mustNotExist(t *testing.T, c *s3.Client, bucket, key string) {
	t.Helper()
	_, err := c.HeadObject(ctx(t), &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	var nf *types.NotFound
	if !errors.As(err, &nf) {
		t.Errorf("HeadObject %s/%s after a refused request: %v, want 404", bucket, key, err)
	}
}

// listing returns "key etag size" for every object in bucket.
func listing(t *testing.T, c *s3.Client, bucket string) []string {
	t.Helper()
	var out []string
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx(t))
		if err != nil {
			t.Fatalf("list %s: %v", bucket, err)
		}
		for _, o := range page.Contents {
			out = append(out, fmt.Sprintf("%s %s %d", aws.ToString(o.Key), aws.ToString(o.ETag), aws.ToInt64(o.Size)))
		}
	}
	return out
}

// waitNoTempFiles polls until the folders for bodies being received and
// objects being written are empty: a refused upload must leave nothing.
func waitNoTempFiles(t *testing.T, srv *server) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for _, dir := range []string{filepath.Join(srv.Data, "lake", ".tmp"), filepath.Join(srv.Data, "spool")} {
		for {
			entries, err := os.ReadDir(dir)
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				t.Fatal(err)
			}
			if len(entries) == 0 {
				break
			}
			if time.Now().After(deadline) {
				var names []string
				for _, e := range entries {
					names = append(names, e.Name())
				}
				t.Errorf("temporary files left in %s: %v", dir, names)
				break
			}
			time.Sleep(50 * time.Millisecond) // polling for the server to finish the request
		}
	}
}

func TestBadInput(t *testing.T) {
	srv := startServer(t)
	c := srv.root()
	const bucket = "bad"
	if _, err := c.CreateBucket(ctx(t), &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	seed := []byte("the one object that must survive\n")
	if _, err := c.PutObject(ctx(t), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("seed"), Body: bytes.NewReader(seed)}); err != nil {
		t.Fatal(err)
	}
	before := listing(t, c, bucket)

	// stillServing checks that a valid request right after works.
	stillServing := func(t *testing.T) {
		t.Helper()
		if status, got := (rawReq{path: "/" + bucket + "/seed"}).do(t, srv); status != 200 || !bytes.Equal(got, seed) {
			t.Fatalf("valid GET after a bad request: %d %q", status, got)
		}
	}

	body := []byte("a body that must never be stored\n")
	put := func(key string) rawReq {
		return rawReq{method: http.MethodPut, path: "/" + bucket + "/" + key, body: body}
	}
	with := func(r rawReq, f func(*rawReq)) rawReq { f(&r); return r }
	header := func(kv ...string) http.Header {
		h := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			h.Set(kv[i], kv[i+1])
		}
		return h
	}
	wrongCRC := binary.BigEndian.AppendUint32(nil, crc32.ChecksumIEEE(body)+1)
	chunkData := genBytes(5, 2500)
	longKey := strings.Repeat("k", 1025)

	type upload struct{ key, id string }
	newUpload := func(t *testing.T, key string) upload {
		t.Helper()
		up, err := c.CreateMultipartUpload(ctx(t), &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(key)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			c.AbortMultipartUpload(ctx(t), &s3.AbortMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(key), UploadId: up.UploadId})
		})
		return upload{key, aws.ToString(up.UploadId)}
	}
	partsOf := func(t *testing.T, u upload) int {
		t.Helper()
		res, err := c.ListParts(ctx(t), &s3.ListPartsInput{Bucket: aws.String(bucket), Key: aws.String(u.key), UploadId: aws.String(u.id)})
		if err != nil {
			t.Fatalf("ListParts after a refused request: %v", err)
		}
		return len(res.Parts)
	}

	cases := []struct {
		name   string
		req    func(t *testing.T) rawReq
		status int
		code   string
		key    string             // must not exist afterwards
		after  func(t *testing.T) // more checks
	}{
		{name: "wrong secret", status: 403, code: "SignatureDoesNotMatch", key: "auth/wrong-secret",
			req: func(t *testing.T) rawReq {
				return with(put("auth/wrong-secret"), func(r *rawReq) { r.id, r.secret = rootID, "not-the-secret" })
			}},
		{name: "unknown access key", status: 403, code: "InvalidAccessKeyId", key: "auth/unknown-key",
			req: func(t *testing.T) rawReq {
				return with(put("auth/unknown-key"), func(r *rawReq) { r.id, r.secret = "TKUNKNOWNKEY00000000", rootSecret })
			}},
		{name: "no authentication", status: 403, code: "AccessDenied", key: "auth/anonymous",
			req: func(t *testing.T) rawReq {
				return with(put("auth/anonymous"), func(r *rawReq) { r.anonymous = true })
			}},
		{name: "expired presigned URL", status: 403, code: "AccessDenied", key: "auth/expired",
			req: func(t *testing.T) rawReq {
				u, err := url.Parse(presign(t, srv, http.MethodPut, "/"+bucket+"/auth/expired", time.Now().Add(-10*time.Minute), time.Minute))
				if err != nil {
					t.Fatal(err)
				}
				return rawReq{method: http.MethodPut, path: u.EscapedPath(), query: u.RawQuery, body: body, anonymous: true}
			}},
		{name: "request time 20 minutes ago", status: 403, code: "RequestTimeTooSkewed", key: "auth/skewed",
			req: func(t *testing.T) rawReq {
				return with(put("auth/skewed"), func(r *rawReq) { r.at = time.Now().Add(-20 * time.Minute) })
			}},
		{name: "unknown bucket", status: 404, code: "NoSuchBucket",
			req: func(t *testing.T) rawReq {
				return rawReq{method: http.MethodPut, path: "/no-such-bucket/k", body: body}
			},
			after: func(t *testing.T) {
				if _, err := c.HeadBucket(ctx(t), &s3.HeadBucketInput{Bucket: aws.String("no-such-bucket")}); err == nil {
					t.Error("a PUT to an unknown bucket created it")
				}
			}},
		{name: "unknown key", status: 404, code: "NoSuchKey", key: "missing",
			req: func(t *testing.T) rawReq { return rawReq{path: "/" + bucket + "/missing"} }},
		{name: "DeleteObjects with truncated XML", status: 400, code: "MalformedXML",
			req: func(t *testing.T) rawReq {
				x := []byte(`<Delete><Object><Key>seed</Key></Object>`)
				return rawReq{method: http.MethodPost, path: "/" + bucket, query: "delete=", body: x, header: header("Content-MD5", md5Base64(x))}
			}},
		{name: "DeleteObjects with a body that is not XML", status: 400, code: "MalformedXML",
			req: func(t *testing.T) rawReq {
				x := []byte(`{"Objects":[{"Key":"seed"}]}`)
				return rawReq{method: http.MethodPost, path: "/" + bucket, query: "delete=", body: x, header: header("Content-MD5", md5Base64(x))}
			}},
		{name: "CompleteMultipartUpload with truncated XML", status: 400, code: "MalformedXML", key: "mpu/truncated-xml",
			req: func(t *testing.T) rawReq {
				u := newUpload(t, "mpu/truncated-xml")
				if _, err := c.UploadPart(ctx(t), &s3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String(u.key), UploadId: aws.String(u.id),
					PartNumber: aws.Int32(1), Body: bytes.NewReader(body)}); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() {
					if n := partsOf(t, u); n != 1 {
						t.Errorf("upload has %d parts after a malformed complete, want 1", n)
					}
				})
				return rawReq{method: http.MethodPost, path: "/" + bucket + "/" + u.key, query: "uploadId=" + u.id,
					body: []byte(`<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>`)}
			}},
		{name: "CompleteMultipartUpload without parts", status: 400, code: "MalformedXML", key: "mpu/no-parts",
			req: func(t *testing.T) rawReq {
				u := newUpload(t, "mpu/no-parts")
				return rawReq{method: http.MethodPost, path: "/" + bucket + "/" + u.key, query: "uploadId=" + u.id,
					body: []byte(`<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></CompleteMultipartUpload>`)}
			}},
		{name: "Content-MD5 does not match", status: 400, code: "BadDigest", key: "digest/md5-mismatch",
			req: func(t *testing.T) rawReq {
				return with(put("digest/md5-mismatch"), func(r *rawReq) { r.header = header("Content-MD5", md5Base64([]byte("other"))) })
			}},
		{name: "Content-MD5 does not match an UploadPart", status: 400, code: "BadDigest", key: "mpu/md5-mismatch",
			req: func(t *testing.T) rawReq {
				u := newUpload(t, "mpu/md5-mismatch")
				t.Cleanup(func() {
					if n := partsOf(t, u); n != 0 {
						t.Errorf("a part with a wrong Content-MD5 was kept (%d parts)", n)
					}
				})
				return rawReq{method: http.MethodPut, path: "/" + bucket + "/" + u.key, query: "partNumber=1&uploadId=" + u.id, body: body,
					header: header("Content-MD5", md5Base64([]byte("other")))}
			}},
		{name: "Content-MD5 is not base64", status: 400, code: "InvalidDigest", key: "digest/md5-not-base64",
			req: func(t *testing.T) rawReq {
				return with(put("digest/md5-not-base64"), func(r *rawReq) { r.header = header("Content-MD5", "not base64!") })
			}},
		{name: "Content-MD5 is 4 bytes", status: 400, code: "InvalidDigest", key: "digest/md5-short",
			req: func(t *testing.T) rawReq {
				return with(put("digest/md5-short"), func(r *rawReq) { r.header = header("Content-MD5", base64.StdEncoding.EncodeToString([]byte("abcd"))) })
			}},
		{name: "x-amz-checksum-crc32 does not match", status: 400, code: "BadDigest", key: "digest/crc32-mismatch",
			req: func(t *testing.T) rawReq {
				return with(put("digest/crc32-mismatch"), func(r *rawReq) {
					r.header = header("X-Amz-Checksum-Crc32", base64.StdEncoding.EncodeToString(wrongCRC))
				})
			}},
		{name: "X-Amz-Content-Sha256 does not match", status: 400, code: "XAmzContentSHA256Mismatch", key: "digest/sha256-mismatch",
			req: func(t *testing.T) rawReq {
				return with(put("digest/sha256-mismatch"), func(r *rawReq) { r.payloadHash = sha256Hex([]byte("other")) })
			}},
		{name: "aws-chunked trailing checksum does not match", status: 400, code: "BadDigest", key: "chunked/crc32-mismatch",
			req: func(t *testing.T) rawReq {
				return chunkedPut("/"+bucket+"/chunked/crc32-mismatch", chunkData, wrongCRC, len(chunkData))
			}},
		{name: "aws-chunked body shorter than its decoded length", status: 400, code: "IncompleteBody", key: "chunked/short",
			req: func(t *testing.T) rawReq {
				return chunkedPut("/"+bucket+"/chunked/short", chunkData, crc32Of(chunkData), len(chunkData)+1)
			}},
		{name: "1025-byte key", status: 400, code: "KeyTooLongError",
			req: func(t *testing.T) rawReq { return put(longKey) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, got := tc.req(t).do(t, srv)
			if status != tc.status || errorCode(got) != tc.code {
				t.Errorf("got %d %s, want %d %s\n%s", status, errorCode(got), tc.status, tc.code, got)
			}
			stillServing(t)
			if tc.key != "" {
				mustNotExist(t, c, bucket, tc.key)
			}
			if after := listing(t, c, bucket); !slices.Equal(after, before) {
				t.Errorf("listing changed:\n got %v\nwant %v", after, before)
			}
			if tc.after != nil {
				tc.after(t)
			}
			waitNoTempFiles(t, srv)
		})
	}

	t.Run("1024-byte key is accepted", func(t *testing.T) {
		key := strings.Repeat("k", 1024)
		if status, got := put(key).do(t, srv); status != 200 {
			t.Fatalf("PUT with a 1024-byte key: %d %s", status, got)
		}
		if status, got := (rawReq{method: http.MethodDelete, path: "/" + bucket + "/" + key}).do(t, srv); status != 204 {
			t.Fatalf("DELETE: %d %s", status, got)
		}
	})

	t.Run("aws-chunked upload is accepted", func(t *testing.T) {
		// The control for the aws-chunked cases above: the same framing, correct.
		if status, got := chunkedPut("/"+bucket+"/chunked/ok", chunkData, crc32Of(chunkData), len(chunkData)).do(t, srv); status != 200 {
			t.Fatalf("aws-chunked PUT: %d %s", status, got)
		}
		if status, got := (rawReq{path: "/" + bucket + "/chunked/ok"}).do(t, srv); status != 200 || !bytes.Equal(got, chunkData) {
			t.Fatalf("GET the aws-chunked upload: %d, %d bytes, want %d", status, len(got), len(chunkData))
		}
		if status, got := (rawReq{method: http.MethodDelete, path: "/" + bucket + "/chunked/ok"}).do(t, srv); status != 204 {
			t.Fatalf("DELETE: %d %s", status, got)
		}
	})

	t.Run("truncated upload", func(t *testing.T) {
		full := genBytes(42, 1<<20)
		for _, tc := range []struct {
			name    string
			payload string // X-Amz-Content-Sha256: "" for the body's SHA-256, UNSIGNED-PAYLOAD, or aws-chunked
			part    bool   // an UploadPart rather than a PutObject
			full    bool   // close the whole connection rather than its write side
		}{
			{name: "signed payload, write side closed"},
			{name: "signed payload, connection closed", full: true},
			{name: "unsigned payload, write side closed", payload: "UNSIGNED-PAYLOAD"},
			{name: "unsigned payload, connection closed", payload: "UNSIGNED-PAYLOAD", full: true},
			{name: "aws-chunked, write side closed mid-chunk", payload: "aws-chunked"},
			{name: "upload part, write side closed", part: true},
			{name: "upload part, connection closed", part: true, full: true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				key := "truncated/" + strings.NewReplacer(" ", "-", ",", "").Replace(tc.name)
				r := rawReq{method: http.MethodPut, path: "/" + bucket + "/" + key, body: full}
				switch tc.payload {
				case "UNSIGNED-PAYLOAD":
					r.payloadHash = tc.payload
				case "aws-chunked":
					r = chunkedPut(r.path, full, crc32Of(full), len(full))
				}
				var u upload
				if tc.part {
					u = newUpload(t, key)
					r.query = "partNumber=1&uploadId=" + u.id
				}
				sendTruncated(t, srv, r.build(t, srv), 1500, tc.full)
				mustNotExist(t, c, bucket, key)
				if tc.part {
					waitNoTempFiles(t, srv)
					if n := partsOf(t, u); n != 0 {
						t.Errorf("a truncated part was stored (%d parts listed)", n)
					}
				}
				waitNoTempFiles(t, srv)
				stillServing(t)
				if after := listing(t, c, bucket); !slices.Equal(after, before) {
					t.Errorf("listing changed:\n got %v\nwant %v", after, before)
				}
			})
		}
	})

	t.Run("keys that try to escape", func(t *testing.T) {
		parent := filepath.Dir(srv.Data)
		outside := "tarn-escape-" + filepath.Base(parent)
		filesBefore := walkFiles(t, parent)
		// Each key gets a bucket of its own: ".." and "../x" cannot both be
		// stored in one bucket of the local store (KeyConflict).
		cases := []struct {
			key, wire, signWire string // wire: the path after the bucket as sent
		}{
			{key: "../../etc/passwd", wire: "/../../etc/passwd"},
			{key: "..", wire: "/.."},
			{key: ".", wire: "/."},
			{key: "a/../../b", wire: "/a/../../b"},
			{key: "/abs", wire: "//abs"},
			{key: "../x", wire: "/%2e%2e/x", signWire: "/../x"},
			{key: "../../../../../../../../../../../../tmp/" + outside, wire: "/../../../../../../../../../../../../tmp/" + outside},
		}
		var bucketDirs []string
		for i, tc := range cases {
			b := fmt.Sprintf("escape-%d", i)
			bucketDirs = append(bucketDirs, filepath.Join(srv.Data, "lake", b)+string(filepath.Separator))
			t.Run(tc.wire, func(t *testing.T) {
				if _, err := c.CreateBucket(ctx(t), &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
					t.Fatal(err)
				}
				content := []byte("stored under the key " + tc.key)
				r := rawReq{method: http.MethodPut, path: "/" + b + tc.wire, body: content}
				if tc.signWire != "" {
					r.signPath = "/" + b + tc.signWire
				}
				if status, got := r.do(t, srv); status != 200 {
					t.Fatalf("PUT %s: %d %s", r.path, status, got)
				}
				if status, got := (rawReq{path: r.path, signPath: r.signPath}).do(t, srv); status != 200 || !bytes.Equal(got, content) {
					t.Fatalf("GET %s: %d %q", r.path, status, got)
				}
				get, err := c.GetObject(ctx(t), &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String(tc.key)})
				if err != nil {
					t.Fatalf("GetObject %q: %v", tc.key, err)
				}
				got, _ := io.ReadAll(get.Body)
				get.Body.Close()
				if !bytes.Equal(got, content) {
					t.Fatalf("GetObject %q: %q", tc.key, got)
				}
				if keys := listing(t, c, b); len(keys) != 1 || !strings.HasPrefix(keys[0], tc.key+" ") {
					t.Fatalf("listing of %s: %q, want the key %q", b, keys, tc.key)
				}
			})
		}
		if _, err := os.Stat("/tmp/" + outside); err == nil {
			os.Remove("/tmp/" + outside)
			t.Errorf("a key wrote /tmp/%s", outside)
		}
		for _, f := range walkFiles(t, parent) {
			if !slices.Contains(filesBefore, f) && !slices.ContainsFunc(bucketDirs, func(d string) bool { return strings.HasPrefix(f, d) || f+"/" == d }) {
				t.Errorf("a request wrote %s, outside the buckets' folders", f)
			}
		}
		for i, tc := range cases {
			b := fmt.Sprintf("escape-%d", i)
			if _, err := c.DeleteObject(ctx(t), &s3.DeleteObjectInput{Bucket: aws.String(b), Key: aws.String(tc.key)}); err != nil {
				t.Errorf("DeleteObject %s/%q: %v", b, tc.key, err)
			}
			if _, err := c.DeleteBucket(ctx(t), &s3.DeleteBucketInput{Bucket: aws.String(b)}); err != nil {
				t.Errorf("DeleteBucket %s after deleting %q: %v", b, tc.key, err)
			}
		}
	})

	t.Run("still serving", func(t *testing.T) {
		scheme := "http"
		if srv.TLS {
			scheme = "https"
		}
		res, err := srv.httpClient().Get(scheme + "://" + srv.HTTPAddr + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || strings.TrimSpace(string(b)) != "ok" {
			t.Fatalf("/healthz: %d %q", res.StatusCode, b)
		}
		data := []byte("business as usual")
		if _, err := c.PutObject(ctx(t), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("after"), Body: bytes.NewReader(data)}); err != nil {
			t.Fatal(err)
		}
		get, err := c.GetObject(ctx(t), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("after")})
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(get.Body)
		get.Body.Close()
		if !bytes.Equal(got, data) {
			t.Fatalf("GetObject: %q", got)
		}
	})
}

// sendTruncated writes req's head and only n bytes of its body on a raw
// connection, then closes the connection or its write side. It reads what
// answer comes, if any.
func sendTruncated(t *testing.T, srv *server, req *http.Request, n int, closeAll bool) {
	t.Helper()
	if srv.TLS {
		t.Fatal("sendTruncated speaks plain HTTP")
	}
	conn, err := net.Dial("tcp", srv.AWSAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var head bytes.Buffer
	fmt.Fprintf(&head, "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n", req.Method, req.URL.RequestURI(), req.Host, req.ContentLength)
	for k, vs := range req.Header {
		for _, v := range vs {
			fmt.Fprintf(&head, "%s: %s\r\n", k, v)
		}
	}
	head.WriteString("\r\n")
	body, err := io.ReadAll(req.Body)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Write(append(head.Bytes(), body[:n]...)); err != nil {
		t.Fatal(err)
	}
	if closeAll {
		conn.Close()
		return
	}
	if err := conn.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(time.Minute)) // guards against a hang, not a timing check
	res, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		t.Logf("no answer to a truncated upload: %v", err)
		return
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode == 200 {
		t.Errorf("a truncated upload was answered 200")
	}
	t.Logf("truncated upload answered %d %s", res.StatusCode, errorCode(b))
}

// walkFiles lists every file and folder below dir.
func walkFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil // a temporary file went away meanwhile
		}
		out = append(out, p)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
