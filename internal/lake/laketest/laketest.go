// Package laketest is the conformance suite every lake.Store backend passes.
// It pins down the seam's contract as S3 defines it, so that a backend on a
// local folder and one on a remote S3 store behave the same to their callers.
//
// A backend's test calls Run with a function that opens a fresh store:
//
//	func TestConformance(t *testing.T) {
//		laketest.Run(t, func(t *testing.T) lake.Store {
//			s := openMyStore(t) // a fresh store, or a new client to a shared server
//			t.Cleanup(func() { s.Close() })
//			return s
//		})
//	}
//
// Objects are checked for their bytes, size, ETag (hex MD5, or S3's
// multipart form), Content-Type, user metadata and the headers S3 keeps:
// Cache-Control, Content-Disposition, Content-Encoding, Content-Language and
// Expires (see storedHeaders), and tags (see tagTests).
//
// Every subtest works in buckets of its own with random names (see
// RandomBucket), because stores opened by open may share one remote server.
// The suite empties and deletes its buckets when a subtest ends. It closes a
// store itself only in the Close subtest; open's cleanup may close it again,
// so Close must tolerate a second call.
package laketest

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/tarnlake/tarn/internal/lake"
)

// Run runs the conformance suite, each subtest on a fresh store from open.
func Run(t *testing.T, open func(t *testing.T) lake.Store) {
	groups := []struct {
		name  string
		tests []subtest
	}{
		{"Buckets", bucketTests()},
		{"Objects", objectTests()},
		{"DeleteIf", deleteIfTests()},
		{"Keys", keyTests()},
		{"List", listTests()},
		{"Multipart", multipartTests()},
		{"Tags", tagTests()},
		{"Concurrency", concurrencyTests()},
		{"Close", closeTests()},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, st := range g.tests {
				t.Run(st.name, func(t *testing.T) { st.fn(t, open(t)) })
			}
		})
	}
}

// subtest is one named check of the contract.
type subtest struct {
	name string
	fn   func(t *testing.T, s lake.Store)
}

// RandomBucket returns a valid bucket name not used before: "tarn-test-"
// and 16 random hex digits. It does not create the bucket.
func RandomBucket(t *testing.T) string {
	t.Helper()
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatalf("random bucket name: %v", err)
	}
	return "tarn-test-" + hex.EncodeToString(b[:])
}

// newBucket creates a random bucket that is emptied and deleted when the
// test ends.
func newBucket(t *testing.T, s lake.Store) string {
	t.Helper()
	name := RandomBucket(t)
	if err := s.CreateBucket(t.Context(), name); err != nil {
		t.Fatalf("create bucket %s: %v", name, err)
	}
	t.Cleanup(func() { removeBucket(t, s, name) })
	return name
}

// removeBucket aborts uploads, deletes every key and then the bucket. It
// runs in a cleanup, after t.Context is done, so it has a context of its own.
func removeBucket(t *testing.T, s lake.Store, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := s.HeadBucket(ctx, name); errors.Is(err, lake.ErrNoSuchBucket) {
		return
	}
	uploads, err := s.ListUploads(ctx, name, "")
	if err != nil {
		t.Errorf("cleanup: list uploads in %s: %v", name, err)
	}
	for _, u := range uploads {
		if err := s.AbortUpload(ctx, name, u.Key, u.ID); err != nil {
			t.Errorf("cleanup: abort %s/%s: %v", name, u.Key, err)
		}
	}
	for _, key := range listAll(ctx, t, s, name, lake.ListOptions{}) {
		if err := s.Delete(ctx, name, key); err != nil {
			t.Errorf("cleanup: delete %s/%s: %v", name, key, err)
		}
	}
	if err := s.DeleteBucket(ctx, name); err != nil {
		t.Errorf("cleanup: delete bucket %s: %v", name, err)
	}
}

// listAll pages through a listing and returns the keys (and common
// prefixes, merged in byte order).
func listAll(ctx context.Context, t *testing.T, s lake.Store, bucket string, opts lake.ListOptions) []string {
	t.Helper()
	var all []string
	for page := 0; ; page++ {
		if page > 100000 {
			t.Fatalf("list %s: too many pages", bucket)
		}
		res, err := s.List(ctx, bucket, opts)
		if err != nil {
			t.Errorf("list %s %+v: %v", bucket, opts, err)
			return all
		}
		all = append(all, merged(res)...)
		if !res.Truncated {
			return all
		}
		if res.Next == "" || res.Next <= opts.StartAfter {
			t.Fatalf("list %s: truncated page with Next %q after %q", bucket, res.Next, opts.StartAfter)
		}
		opts.StartAfter = res.Next
	}
}

// merged returns a page's keys and common prefixes in one byte-ordered list.
func merged(res lake.ListResult) []string {
	out := make([]string, 0, len(res.Objects)+len(res.CommonPrefixes))
	objs, cps := res.Objects, res.CommonPrefixes
	for len(objs) > 0 || len(cps) > 0 {
		if len(cps) == 0 || (len(objs) > 0 && objs[0].Key < cps[0]) {
			out = append(out, objs[0].Key)
			objs = objs[1:]
			continue
		}
		out = append(out, cps[0])
		cps = cps[1:]
	}
	return out
}

// put stores data under key with its size known and fails the test on error.
func put(t *testing.T, s lake.Store, bucket, key string, data []byte) lake.ObjectInfo {
	t.Helper()
	info, err := s.Put(t.Context(), bucket, key, bytes.NewReader(data), lake.PutOptions{Size: int64(len(data))})
	if err != nil {
		t.Fatalf("put %s/%s: %v", bucket, key, err)
	}
	return info
}

// get reads an object, or the range of it, and fails the test on error.
func get(t *testing.T, s lake.Store, bucket, key string, rng *lake.Range) ([]byte, lake.ObjectInfo) {
	t.Helper()
	data, info, err := tryGet(t.Context(), s, bucket, key, rng)
	if err != nil {
		t.Fatalf("get %s/%s %v: %v", bucket, key, rng, err)
	}
	return data, info
}

func tryGet(ctx context.Context, s lake.Store, bucket, key string, rng *lake.Range) ([]byte, lake.ObjectInfo, error) {
	rc, info, err := s.Get(ctx, bucket, key, rng)
	if err != nil {
		return nil, info, err
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	return data, info, err
}

// wantErr fails the test unless err matches target.
func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: got error %v, want %v", what, err, target)
	}
}

// wantAbsent fails the test unless key is missing from bucket.
func wantAbsent(t *testing.T, s lake.Store, bucket, key string) {
	t.Helper()
	_, err := s.Head(t.Context(), bucket, key)
	wantErr(t, "head "+key, err, lake.ErrNoSuchKey)
}

func md5hex(data []byte) string {
	sum := md5.Sum(data)
	return hex.EncodeToString(sum[:])
}

// recent reports whether tm is within a minute of now, the slack allowed
// for clocks and slow machines.
func recent(tm time.Time) bool {
	return time.Since(tm).Abs() < time.Minute
}
