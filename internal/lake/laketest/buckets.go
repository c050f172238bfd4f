package laketest

import (
	"slices"
	"strings"
	"testing"

	"github.com/tarnlake/tarn/internal/lake"
)

func bucketTests() []subtest {
	return []subtest{
		{"Create", testCreateBucket},
		{"HeadMissing", testHeadMissingBucket},
		{"List", testListBuckets},
		{"DeleteNotEmpty", testDeleteBucketNotEmpty},
		{"DeleteEmpty", testDeleteBucketEmpty},
		{"InvalidNames", testInvalidBucketNames},
	}
}

func testCreateBucket(t *testing.T, s lake.Store) {
	name := newBucket(t, s)
	b, err := s.HeadBucket(t.Context(), name)
	if err != nil {
		t.Fatalf("head bucket: %v", err)
	}
	if b.Name != name {
		t.Errorf("head bucket: name %q, want %q", b.Name, name)
	}
	if !recent(b.Created) {
		t.Errorf("head bucket: created %v, want about now", b.Created)
	}
	wantErr(t, "create again", s.CreateBucket(t.Context(), name), lake.ErrBucketExists)
}

func testHeadMissingBucket(t *testing.T, s lake.Store) {
	_, err := s.HeadBucket(t.Context(), RandomBucket(t))
	wantErr(t, "head missing bucket", err, lake.ErrNoSuchBucket)
}

func testListBuckets(t *testing.T, s lake.Store) {
	a, b := newBucket(t, s), newBucket(t, s)
	buckets, err := s.ListBuckets(t.Context())
	if err != nil {
		t.Fatalf("list buckets: %v", err)
	}
	names := make([]string, len(buckets))
	for i, bk := range buckets {
		names[i] = bk.Name
	}
	// Other tests may share the server, so only ours are looked for.
	if !slices.IsSorted(names) {
		t.Errorf("list buckets: not sorted by name: %q", names)
	}
	for _, want := range []string{a, b} {
		if !slices.Contains(names, want) {
			t.Errorf("list buckets: %q missing from %q", want, names)
		}
	}
}

func testDeleteBucketNotEmpty(t *testing.T, s lake.Store) {
	name := newBucket(t, s)
	put(t, s, name, "k", []byte("v"))
	wantErr(t, "delete non-empty bucket", s.DeleteBucket(t.Context(), name), lake.ErrBucketNotEmpty)
	if _, err := s.HeadBucket(t.Context(), name); err != nil {
		t.Errorf("head bucket after failed delete: %v", err)
	}
}

func testDeleteBucketEmpty(t *testing.T, s lake.Store) {
	name := newBucket(t, s)
	put(t, s, name, "k", []byte("v"))
	if err := s.Delete(t.Context(), name, "k"); err != nil {
		t.Fatalf("delete key: %v", err)
	}
	if err := s.DeleteBucket(t.Context(), name); err != nil {
		t.Fatalf("delete empty bucket: %v", err)
	}
	_, err := s.HeadBucket(t.Context(), name)
	wantErr(t, "head deleted bucket", err, lake.ErrNoSuchBucket)
	wantErr(t, "delete deleted bucket", s.DeleteBucket(t.Context(), name), lake.ErrNoSuchBucket)
}

func testInvalidBucketNames(t *testing.T, s lake.Store) {
	for _, name := range []string{"A_b", "ab", strings.Repeat("a", 64), "-ab", "ab-", "Abc", "a b", ""} {
		wantErr(t, "create bucket "+name, s.CreateBucket(t.Context(), name), lake.ErrInvalidBucket)
	}
}
