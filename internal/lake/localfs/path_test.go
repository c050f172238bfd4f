package localfs

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tarnlake/tarn/internal/lake"
)

func TestKeyToPath(t *testing.T) {
	for _, c := range []struct{ key, path string }{
		{"a/b.csv", "a/b.csv"},
		{"/lead", "%/lead"},
		{"a//b", "a/%/b"},
		{"dir/", "dir/%"},
		{"../../etc/passwd", "%2E%2E/%2E%2E/etc/passwd"},
		{"./x", "%2E/x"},
		{"100%/x", "100%25/x"},
		{"..a", "..a"},
		{"dt=2026-11-24/part 0+1.parquet", "dt=2026-11-24/part 0+1.parquet"},
	} {
		got, err := keyToPath(c.key)
		if err != nil || got != c.path {
			t.Errorf("keyToPath(%q) = %q, %v; want %q", c.key, got, err, c.path)
		}
	}
	for _, c := range []struct {
		key  string
		want error
	}{{"", lake.ErrInvalidKey}, {"\xff", lake.ErrInvalidKey}, {strings.Repeat("k", 1025), lake.ErrKeyTooLong}} {
		if _, err := keyToPath(c.key); !errors.Is(err, c.want) {
			t.Errorf("keyToPath(%.20q): %v, want %v", c.key, err, c.want)
		}
	}
}

func TestLongSegmentsSplit(t *testing.T) {
	key := strings.Repeat("%", 300) + "/" + strings.Repeat("é", 300)
	p, err := keyToPath(key)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range strings.Split(p, "/") {
		if len(name) > maxName {
			t.Fatalf("name of %d bytes in %q", len(name), p)
		}
	}
	if got := decodePath(t, p); got != key {
		t.Fatalf("round trip: got %q", got)
	}
}

// decodePath reverses keyToPath the way a listing does.
func decodePath(t testing.TB, p string) string {
	var b strings.Builder
	names := strings.Split(p, "/")
	for i, name := range names {
		seg, cont, err := decodeName(name)
		if err != nil {
			t.Fatalf("decode %q: %v", name, err)
		}
		b.WriteString(seg)
		if !cont && i < len(names)-1 {
			b.WriteByte('/')
		}
	}
	return b.String()
}

// FuzzKeyToPath checks that no key maps outside its bucket, that every name
// fits a file system, and that listing decodes each path back to its key.
func FuzzKeyToPath(f *testing.F) {
	for _, s := range []string{"a", "/", "..", "../x", "a/./b", "%", "%+", "%2E", "a\x00b", "//..//", strings.Repeat("x/", 300)} {
		f.Add(s)
	}
	bucket := "/data/lake/bucket"
	f.Fuzz(func(t *testing.T, key string) {
		p, err := keyToPath(key)
		if err != nil {
			return
		}
		full := filepath.Join(bucket, filepath.FromSlash(p))
		if !within(bucket, full) || full == bucket {
			t.Fatalf("key %q maps to %q, outside its bucket", key, full)
		}
		for _, name := range strings.Split(p, "/") {
			if name == "" || name == "." || name == ".." || len(name) > maxName || strings.ContainsRune(name, 0) {
				t.Fatalf("key %q gives unsafe name %q", key, name)
			}
		}
		if got := decodePath(t, p); got != key {
			t.Fatalf("key %q round-trips to %q", key, got)
		}
	})
}
