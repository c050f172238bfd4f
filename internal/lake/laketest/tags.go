package laketest

import (
	"bytes"
	"maps"
	"testing"

	"github.com/tarnlake/tarn/internal/lake"
)

func tagTests() []subtest {
	return []subtest{
		{"PutWithTags", testPutWithTags},
		{"SetObjectTags", testSetObjectTags},
		{"OverwriteDropsTags", testOverwriteDropsTags},
		{"MultipartTags", testMultipartTags},
		{"MissingObject", testTagsMissingObject},
		{"BucketTags", testBucketTags},
	}
}

// objectTags reads key's tags and fails the test on error.
func objectTags(t *testing.T, s lake.Store, bucket, key string) map[string]string {
	t.Helper()
	tags, err := s.ObjectTags(t.Context(), bucket, key)
	if err != nil {
		t.Fatalf("tags of %s: %v", key, err)
	}
	return tags
}

// wantTags checks key's tags and the count Head and Get tell.
func wantTags(t *testing.T, s lake.Store, bucket, key string, want map[string]string) {
	t.Helper()
	if got := objectTags(t, s, bucket, key); !maps.Equal(got, want) {
		t.Errorf("tags of %s: %v, want %v", key, got, want)
	}
	info, err := s.Head(t.Context(), bucket, key)
	if err != nil {
		t.Fatalf("head %s: %v", key, err)
	}
	if info.TagCount != len(want) {
		t.Errorf("head %s: tag count %d, want %d", key, info.TagCount, len(want))
	}
	if _, info = get(t, s, bucket, key, nil); info.TagCount != len(want) {
		t.Errorf("get %s: tag count %d, want %d", key, info.TagCount, len(want))
	}
}

func testPutWithTags(t *testing.T, s lake.Store) {
	bucket := newBucket(t, s)
	data := []byte("tagged")
	tags := map[string]string{"project": "alpha", "owner team": "data/eng@lake", "empty": "", "ünï": "cødé"}
	if _, err := s.Put(t.Context(), bucket, "k", bytes.NewReader(data), lake.PutOptions{Size: int64(len(data)), Tags: tags}); err != nil {
		t.Fatalf("put: %v", err)
	}
	wantTags(t, s, bucket, "k", tags)
}

func testSetObjectTags(t *testing.T, s lake.Store) {
	bucket := newBucket(t, s)
	data := []byte("data that tagging must not touch")
	put(t, s, bucket, "k", data)
	before, err := s.Head(t.Context(), bucket, "k")
	if err != nil {
		t.Fatalf("head: %v", err)
	}
	wantTags(t, s, bucket, "k", nil)
	first := map[string]string{"a": "1", "b": "2"}
	if err := s.SetObjectTags(t.Context(), bucket, "k", first); err != nil {
		t.Fatalf("set tags: %v", err)
	}
	wantTags(t, s, bucket, "k", first)
	// A second set replaces the tags, it does not merge them.
	second := map[string]string{"c": "3"}
	if err := s.SetObjectTags(t.Context(), bucket, "k", second); err != nil {
		t.Fatalf("set tags again: %v", err)
	}
	wantTags(t, s, bucket, "k", second)
	got, after := get(t, s, bucket, "k", nil)
	if !bytes.Equal(got, data) || after.ETag != before.ETag || after.Size != before.Size || !after.LastModified.Equal(before.LastModified) {
		t.Errorf("after tagging: %q etag %s size %d modified %v, want %q %s %d %v",
			got, after.ETag, after.Size, after.LastModified, data, before.ETag, before.Size, before.LastModified)
	}
	if err := s.SetObjectTags(t.Context(), bucket, "k", nil); err != nil {
		t.Fatalf("remove tags: %v", err)
	}
	wantTags(t, s, bucket, "k", nil)
}

func testOverwriteDropsTags(t *testing.T, s lake.Store) {
	bucket := newBucket(t, s)
	data := []byte("v1")
	if _, err := s.Put(t.Context(), bucket, "k", bytes.NewReader(data), lake.PutOptions{Size: 2, Tags: map[string]string{"v": "1"}}); err != nil {
		t.Fatalf("put: %v", err)
	}
	put(t, s, bucket, "k", []byte("v2"))
	wantTags(t, s, bucket, "k", nil)
}

func testMultipartTags(t *testing.T, s lake.Store) {
	bucket := newBucket(t, s)
	tags := map[string]string{"from": "multipart"}
	id := createUpload(t, s, bucket, "k", lake.PutOptions{Tags: tags})
	p := uploadPart(t, s, bucket, "k", id, 1, []byte("one part"))
	if _, err := s.CompleteUpload(t.Context(), bucket, "k", id, []lake.Part{p}); err != nil {
		t.Fatalf("complete: %v", err)
	}
	wantTags(t, s, bucket, "k", tags)
}

func testTagsMissingObject(t *testing.T, s lake.Store) {
	bucket := newBucket(t, s)
	_, err := s.ObjectTags(t.Context(), bucket, "missing")
	wantErr(t, "tags of a missing key", err, lake.ErrNoSuchKey)
	err = s.SetObjectTags(t.Context(), bucket, "missing", map[string]string{"a": "b"})
	wantErr(t, "set tags of a missing key", err, lake.ErrNoSuchKey)
	wantAbsent(t, s, bucket, "missing")
	_, err = s.ObjectTags(t.Context(), RandomBucket(t), "k")
	wantErr(t, "tags in a missing bucket", err, lake.ErrNoSuchBucket)
}

func testBucketTags(t *testing.T, s lake.Store) {
	bucket := newBucket(t, s)
	get := func() map[string]string {
		t.Helper()
		tags, err := s.BucketTags(t.Context(), bucket)
		if err != nil {
			t.Fatalf("bucket tags: %v", err)
		}
		return tags
	}
	if tags := get(); len(tags) != 0 {
		t.Errorf("new bucket has tags %v", tags)
	}
	for _, want := range []map[string]string{{"env": "prod", "cost center": "42"}, {"env": "dev"}, nil} {
		if err := s.SetBucketTags(t.Context(), bucket, want); err != nil {
			t.Fatalf("set bucket tags %v: %v", want, err)
		}
		if got := get(); !maps.Equal(got, want) {
			t.Errorf("bucket tags %v, want %v", got, want)
		}
	}
	if _, err := s.HeadBucket(t.Context(), bucket); err != nil {
		t.Errorf("head bucket after tagging: %v", err)
	}
	missing := RandomBucket(t)
	_, err := s.BucketTags(t.Context(), missing)
	wantErr(t, "tags of a missing bucket", err, lake.ErrNoSuchBucket)
	err = s.SetBucketTags(t.Context(), missing, map[string]string{"a": "b"})
	wantErr(t, "set tags of a missing bucket", err, lake.ErrNoSuchBucket)
	if _, err := s.HeadBucket(t.Context(), missing); err == nil {
		t.Errorf("setting tags created bucket %s", missing)
	}
}
