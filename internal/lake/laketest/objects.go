package laketest

import (
	"bytes"
	"crypto/md5"
	"fmt"
	"io"
	"maps"
	"testing"

	"github.com/tarnlake/tarn/internal/lake"
)

func objectTests() []subtest {
	return []subtest{
		{"RoundTrip", testRoundTrip},
		{"Overwrite", testOverwrite},
		{"Missing", testMissing},
		{"PutMissingBucket", testPutMissingBucket},
		{"Empty", testEmpty},
		{"Ranges", testRanges},
		{"LargeUnknownSize", testLargeUnknownSize},
		{"LargeKnownSize", testLargeKnownSize},
		{"FailingReader", testFailingReader},
		{"Digest", testDigest},
		{"Delete", testDelete},
	}
}

// storedHeaders are the headers, besides Content-Type, that every backend
// keeps with an object and gives back from Head and Get: the ones S3 stores.
// Keys are in canonical MIME header form.
func storedHeaders() map[string]string {
	return map[string]string{
		"Cache-Control":       "max-age=60",
		"Content-Disposition": `attachment; filename="report.txt"`,
		"Content-Encoding":    "zstd", // not gzip: no HTTP client along the way may decode it
		"Content-Language":    "en-GB",
		"Expires":             "Thu, 01 Jan 2037 00:00:00 GMT",
	}
}

// checkInfo compares what a backend says about an object with what was put.
// Headers in got may hold more than want; LastModified must be recent.
func checkInfo(t *testing.T, what string, got lake.ObjectInfo, key string, data []byte, opts lake.PutOptions) {
	t.Helper()
	if got.Key != key {
		t.Errorf("%s: key %q, want %q", what, got.Key, key)
	}
	if got.Size != int64(len(data)) {
		t.Errorf("%s: size %d, want %d", what, got.Size, len(data))
	}
	if want := md5hex(data); got.ETag != want {
		t.Errorf("%s: etag %q, want %q", what, got.ETag, want)
	}
	if opts.ContentType != "" && got.ContentType != opts.ContentType {
		t.Errorf("%s: content type %q, want %q", what, got.ContentType, opts.ContentType)
	}
	if len(got.Metadata) > 0 || len(opts.Metadata) > 0 {
		if !maps.Equal(got.Metadata, opts.Metadata) {
			t.Errorf("%s: metadata %v, want %v", what, got.Metadata, opts.Metadata)
		}
	}
	for name, want := range opts.Headers {
		if got.Headers[name] != want {
			t.Errorf("%s: header %s %q, want %q", what, name, got.Headers[name], want)
		}
	}
	if !recent(got.LastModified) {
		t.Errorf("%s: last modified %v, want about now", what, got.LastModified)
	}
}

func testRoundTrip(t *testing.T, s lake.Store) {
	bucket := newBucket(t, s)
	data := []byte("hello, lake\n")
	opts := lake.PutOptions{
		Size:        int64(len(data)),
		ContentType: "text/plain; charset=utf-8",
		Headers:     storedHeaders(),
		Metadata:    map[string]string{"color": "blue", "owner-id": "42"},
	}
	info, err := s.Put(t.Context(), bucket, "greeting.txt", bytes.NewReader(data), opts)
	if err != nil {
		t.Fatalf("put: %v", err)
	}
	if info.Size != int64(len(data)) || info.ETag != md5hex(data) {
		t.Errorf("put: size %d etag %q, want %d %q", info.Size, info.ETag, len(data), md5hex(data))
	}

	head, err := s.Head(t.Context(), bucket, "greeting.txt")
	if err != nil {
		t.Fatalf("head: %v", err)
	}
	checkInfo(t, "head", head, "greeting.txt", data, opts)

	got, ginfo := get(t, s, bucket, "greeting.txt", nil)
	if !bytes.Equal(got, data) {
		t.Errorf("get: %q, want %q", got, data)
	}
	checkInfo(t, "get", ginfo, "greeting.txt", data, opts)
}

func testOverwrite(t *testing.T, s lake.Store) {
	bucket := newBucket(t, s)
	first := lake.PutOptions{Size: 2, ContentType: "text/plain", Metadata: map[string]string{"version": "1"}}
	if _, err := s.Put(t.Context(), bucket, "k", bytes.NewReader([]byte("v1")), first); err != nil {
		t.Fatalf("put v1: %v", err)
	}
	second := []byte("version two")
	put(t, s, bucket, "k", second)
	got, info := get(t, s, bucket, "k", nil)
	if !bytes.Equal(got, second) {
		t.Errorf("get: %q, want %q", got, second)
	}
	// An overwrite replaces metadata too; nothing of v1 is left.
	checkInfo(t, "get", info, "k", second, lake.PutOptions{})
}

func testMissing(t *testing.T, s lake.Store) {
	bucket := newBucket(t, s)
	_, _, err := tryGet(t.Context(), s, bucket, "nope", nil)
	wantErr(t, "get missing key", err, lake.ErrNoSuchKey)
	_, err = s.Head(t.Context(), bucket, "nope")
	wantErr(t, "head missing key", err, lake.ErrNoSuchKey)

	missing := RandomBucket(t)
	_, _, err = tryGet(t.Context(), s, missing, "nope", nil)
	wantErr(t, "get in missing bucket", err, lake.ErrNoSuchBucket)
	_, err = s.Head(t.Context(), missing, "nope")
	wantErr(t, "head in missing bucket", err, lake.ErrNoSuchBucket)
}

func testPutMissingBucket(t *testing.T, s lake.Store) {
	_, err := s.Put(t.Context(), RandomBucket(t), "k", bytes.NewReader([]byte("v")), lake.PutOptions{Size: 1})
	wantErr(t, "put into missing bucket", err, lake.ErrNoSuchBucket)
}

func testEmpty(t *testing.T, s lake.Store) {
	bucket := newBucket(t, s)
	put(t, s, bucket, "known", nil)
	if _, err := s.Put(t.Context(), bucket, "unknown", onlyReader{bytes.NewReader(nil)}, lake.PutOptions{Size: -1}); err != nil {
		t.Fatalf("put unknown size: %v", err)
	}
	for _, key := range []string{"known", "unknown"} {
		got, info := get(t, s, bucket, key, nil)
		if len(got) != 0 {
			t.Errorf("get %s: %d bytes, want none", key, len(got))
		}
		checkInfo(t, "get "+key, info, key, nil, lake.PutOptions{})
	}
}

func testRanges(t *testing.T, s lake.Store) {
	bucket := newBucket(t, s)
	data := randomBytes(1000, 1)
	put(t, s, bucket, "r", data)
	for _, c := range []struct {
		rng        lake.Range
		start, end int // the bytes wanted: data[start:end]
	}{
		{lake.Range{Start: 0, End: 0}, 0, 1},
		{lake.Range{Start: 0, End: 9}, 0, 10},
		{lake.Range{Start: 10, End: 19}, 10, 20},
		{lake.Range{Start: 999, End: 999}, 999, 1000},
		{lake.Range{Start: 990, End: 5000}, 990, 1000}, // an end past the object is clamped
		{lake.Range{Start: 500, End: -1}, 500, 1000},
		{lake.Range{Start: 0, End: -1}, 0, 1000},
		{lake.Range{Start: -1, End: 10}, 990, 1000}, // suffix: the last 10 bytes
		{lake.Range{Start: -1, End: 5000}, 0, 1000}, // a suffix longer than the object is all of it
		{lake.Range{Start: -1, End: 1000}, 0, 1000},
	} {
		got, info := get(t, s, bucket, "r", &c.rng)
		if !bytes.Equal(got, data[c.start:c.end]) {
			t.Errorf("range %+v: got %d bytes, want data[%d:%d]", c.rng, len(got), c.start, c.end)
		}
		if info.Size != int64(len(data)) {
			t.Errorf("range %+v: size %d, want the whole object's %d", c.rng, info.Size, len(data))
		}
		if info.ETag != md5hex(data) {
			t.Errorf("range %+v: etag %q, want the whole object's %q", c.rng, info.ETag, md5hex(data))
		}
	}
	for _, rng := range []lake.Range{{Start: 1000, End: -1}, {Start: 1000, End: 1010}, {Start: 5000, End: 6000}} {
		_, _, err := tryGet(t.Context(), s, bucket, "r", &rng)
		wantErr(t, "range beyond the end", err, lake.ErrInvalidRange)
	}
}

// largeSize is big enough to defeat any small buffer in a backend or client.
const largeSize = 20 << 20

func testLargeUnknownSize(t *testing.T, s lake.Store) {
	bucket := newBucket(t, s)
	data := randomBytes(largeSize, 2)
	pr, pw := io.Pipe()
	go func() {
		// Small writes, as a network body arrives.
		for b := data; len(b) > 0; {
			n := min(len(b), 64<<10)
			if _, err := pw.Write(b[:n]); err != nil {
				return
			}
			b = b[n:]
		}
		pw.Close()
	}()
	info, err := s.Put(t.Context(), bucket, "large", pr, lake.PutOptions{Size: -1})
	pr.CloseWithError(io.ErrClosedPipe) // unblock the writer if Put gave up early
	if err != nil {
		t.Fatalf("put: %v", err)
	}
	checkLarge(t, s, bucket, "large", info, data)
}

func testLargeKnownSize(t *testing.T, s lake.Store) {
	bucket := newBucket(t, s)
	data := randomBytes(largeSize, 3)
	info, err := s.Put(t.Context(), bucket, "large", onlyReader{bytes.NewReader(data)}, lake.PutOptions{Size: int64(len(data))})
	if err != nil {
		t.Fatalf("put: %v", err)
	}
	checkLarge(t, s, bucket, "large", info, data)
}

func checkLarge(t *testing.T, s lake.Store, bucket, key string, info lake.ObjectInfo, data []byte) {
	t.Helper()
	if info.Size != int64(len(data)) || info.ETag != md5hex(data) {
		t.Errorf("put: size %d etag %q, want %d %q", info.Size, info.ETag, len(data), md5hex(data))
	}
	got, ginfo := get(t, s, bucket, key, nil)
	if !bytes.Equal(got, data) {
		t.Errorf("get: %d bytes (md5 %s), want %d (md5 %s)", len(got), md5hex(got), len(data), md5hex(data))
	}
	checkInfo(t, "get", ginfo, key, data, lake.PutOptions{})
}

func testFailingReader(t *testing.T, s lake.Store) {
	bucket := newBucket(t, s)
	old := []byte("the old version")
	put(t, s, bucket, "kept", old)
	data := randomBytes(2<<20, 4)
	half := int64(len(data) / 2)
	for _, c := range []struct {
		name string
		r    func() io.Reader
		size int64
		want error // nil: any error will do
	}{
		{"failing, unknown size", func() io.Reader { return &failingReader{bytes.NewReader(data), half} }, -1, nil},
		{"failing, known size", func() io.Reader { return &failingReader{bytes.NewReader(data), half} }, int64(len(data)), nil},
		{"shorter than declared", func() io.Reader { return onlyReader{bytes.NewReader(data[:half])} }, int64(len(data)), lake.ErrIncompleteBody},
		{"longer than declared", func() io.Reader { return onlyReader{bytes.NewReader(data)} }, half, lake.ErrIncompleteBody},
	} {
		for _, key := range []string{"new", "kept"} {
			_, err := s.Put(t.Context(), bucket, key, c.r(), lake.PutOptions{Size: c.size})
			switch {
			case err == nil:
				t.Errorf("put %s, %s: no error", key, c.name)
			case c.want != nil:
				wantErr(t, fmt.Sprintf("put %s, %s", key, c.name), err, c.want)
			}
		}
		wantAbsent(t, s, bucket, "new")
		got, _ := get(t, s, bucket, "kept", nil)
		if !bytes.Equal(got, old) {
			t.Errorf("%s: older version damaged: %d bytes, want %q", c.name, len(got), old)
		}
	}
}

// testDigest checks PutOptions.MD5, the writer's Content-MD5.
func testDigest(t *testing.T, s lake.Store) {
	bucket := newBucket(t, s)
	data := []byte("checked content")
	sum := md5.Sum(data)
	for _, size := range []int64{int64(len(data)), -1} {
		opts := lake.PutOptions{Size: size, MD5: sum[:]}
		if _, err := s.Put(t.Context(), bucket, "good", onlyReader{bytes.NewReader(data)}, opts); err != nil {
			t.Errorf("put with the right MD5, size %d: %v", size, err)
		}
		wrong := md5.Sum([]byte("other content"))
		opts.MD5 = wrong[:]
		_, err := s.Put(t.Context(), bucket, "bad", onlyReader{bytes.NewReader(data)}, opts)
		wantErr(t, fmt.Sprintf("put with a wrong MD5, size %d", size), err, lake.ErrBadDigest)
	}
	if got, _ := get(t, s, bucket, "good", nil); !bytes.Equal(got, data) {
		t.Errorf("get good: %q, want %q", got, data)
	}
	wantAbsent(t, s, bucket, "bad")
}

func testDelete(t *testing.T, s lake.Store) {
	bucket := newBucket(t, s)
	if err := s.Delete(t.Context(), bucket, "never-was"); err != nil {
		t.Errorf("delete missing key: %v", err)
	}
	put(t, s, bucket, "k", []byte("v"))
	if err := s.Delete(t.Context(), bucket, "k"); err != nil {
		t.Fatalf("delete: %v", err)
	}
	_, _, err := tryGet(t.Context(), s, bucket, "k", nil)
	wantErr(t, "get deleted key", err, lake.ErrNoSuchKey)
	wantAbsent(t, s, bucket, "k")
	wantErr(t, "delete in missing bucket", s.Delete(t.Context(), RandomBucket(t), "k"), lake.ErrNoSuchBucket)
}
