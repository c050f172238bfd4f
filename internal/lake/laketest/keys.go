package laketest

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/tarnlake/tarn/internal/lake"
)

func keyTests() []subtest {
	return []subtest{
		{"Odd", testOddKeys},
		{"Length", testKeyLength},
		{"Empty", testEmptyKey},
	}
}

// oddKeys are keys a careless backend mangles: escaped or cleaned by a URL
// or path library, or turned into a path outside the bucket. Their first
// segments differ, so no key is a folder of another.
func oddKeys() []string {
	return []string{
		"unicode/héllo wörld/日本語/🙂",
		"spaces in name/a b  c ",
		"plus+sign+",
		"percent%2F%zz%",
		"question?mark=1&x",
		"hash#fragment",
		"dots/../escape",
		"../up",
		"./here",
		"/leading",
		"double//slash",
		"folder/", // a folder marker: zero bytes
		`tilde~quote'"<&>`,
	}
}

func testOddKeys(t *testing.T, s lake.Store) {
	bucket := newBucket(t, s)
	keys := oddKeys()
	for _, key := range keys {
		put(t, s, bucket, key, oddContent(key))
	}
	for _, key := range keys {
		got, info := get(t, s, bucket, key, nil)
		if !bytes.Equal(got, oddContent(key)) {
			t.Errorf("get %q: %q, want %q", key, got, oddContent(key))
		}
		if info.Key != key {
			t.Errorf("get %q: info key %q", key, info.Key)
		}
	}
	slices.Sort(keys)
	if got := listAll(t.Context(), t, s, bucket, lake.ListOptions{}); !slices.Equal(got, keys) {
		t.Errorf("list:\n got %q\nwant %q", got, keys)
	}
}

// oddContent is what testOddKeys stores under key: the key itself, but
// nothing for a folder marker.
func oddContent(key string) []byte {
	if strings.HasSuffix(key, "/") {
		return nil
	}
	return []byte(key)
}

func testKeyLength(t *testing.T, s lake.Store) {
	bucket := newBucket(t, s)
	// Segments of 100 bytes, since a folder backend maps them to file names.
	key := strings.Repeat(strings.Repeat("k", 99)+"/", 10) + strings.Repeat("k", 24)
	if len(key) != lake.MaxKeyLen {
		t.Fatalf("test key is %d bytes, want %d", len(key), lake.MaxKeyLen)
	}
	put(t, s, bucket, key, []byte("longest"))
	got, _ := get(t, s, bucket, key, nil)
	if string(got) != "longest" {
		t.Errorf("get longest key: %q", got)
	}
	_, err := s.Put(t.Context(), bucket, key+"k", bytes.NewReader([]byte("x")), lake.PutOptions{Size: 1})
	wantErr(t, "put a key one byte too long", err, lake.ErrKeyTooLong)
}

func testEmptyKey(t *testing.T, s lake.Store) {
	bucket := newBucket(t, s)
	_, err := s.Put(t.Context(), bucket, "", bytes.NewReader([]byte("x")), lake.PutOptions{Size: 1})
	wantErr(t, "put an empty key", err, lake.ErrInvalidKey)
}
