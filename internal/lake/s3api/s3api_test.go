package s3api

import (
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tarnlake/tarn/internal/lake"
)

func TestParseRange(t *testing.T) {
	for _, c := range []struct {
		in   string
		want *lake.Range
	}{
		{"", nil}, {"bytes=0-9", &lake.Range{Start: 0, End: 9}}, {"bytes=5-", &lake.Range{Start: 5, End: -1}},
		{"bytes=-3", &lake.Range{Start: -1, End: 3}}, {"bytes=0-1,4-5", nil}, {"items=0-1", nil}, {"bytes=9-2", nil}, {"bytes=x-", nil},
	} {
		got, _ := parseRange(c.in)
		if (got == nil) != (c.want == nil) || got != nil && *got != *c.want {
			t.Errorf("parseRange(%q) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestPreconditions(t *testing.T) {
	mod := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	oi := lake.ObjectInfo{ETag: "abc", LastModified: mod}
	before, after := mod.Add(-time.Hour).Format(http.TimeFormat), mod.Add(time.Hour).Format(http.TimeFormat)
	for _, c := range []struct {
		h    map[string]string
		want int
	}{
		{map[string]string{}, 0},
		{map[string]string{"If-Match": `"abc"`}, 0},
		{map[string]string{"If-Match": `"nope"`}, 412},
		{map[string]string{"If-Match": `*`}, 0},
		{map[string]string{"If-None-Match": `"abc"`}, 304},
		{map[string]string{"If-Modified-Since": after}, 304},
		{map[string]string{"If-Modified-Since": before}, 0},
		{map[string]string{"If-Unmodified-Since": before}, 412},
		// S3: If-Match true wins over If-Unmodified-Since false.
		{map[string]string{"If-Match": `"abc"`, "If-Unmodified-Since": before}, 0},
		// S3: If-None-Match false wins over If-Modified-Since true... and answers 304 only on a match.
		{map[string]string{"If-None-Match": `"other"`, "If-Modified-Since": after}, 0},
	} {
		h := http.Header{}
		for k, v := range c.h {
			h.Set(k, v)
		}
		if got := preconditions(h, oi); got != c.want {
			t.Errorf("preconditions(%v) = %d, want %d", c.h, got, c.want)
		}
	}
}

func TestURLEncode(t *testing.T) {
	if got := urlEncode("a b+c/ü%"); got != "a%20b%2Bc/%C3%BC%25" {
		t.Fatalf("urlEncode: %q", got)
	}
	// What botocore does with it: unquote_plus must give the key back.
	if back, _ := url.QueryUnescape(urlEncode("a b+c/ü%")); back != "a b+c/ü%" {
		t.Fatalf("round trip: %q", back)
	}
}

func TestVirtualHost(t *testing.T) {
	a := New(lake.Store(nil), discard(), Options{Domains: []string{"localhost"}})
	for _, c := range []struct{ host, path, bucket, key string }{
		{"127.0.0.1:9800", "/b/k/x", "b", "k/x"},
		{"b.localhost:9800", "/k/x", "b", "k/x"},
		{"localhost:9800", "/b/k", "b", "k"},
	} {
		r, _ := http.NewRequest("GET", "http://"+c.host+c.path, nil)
		if b, k := a.target(r); b != c.bucket || k != c.key {
			t.Errorf("%s%s: bucket %q key %q, want %q %q", c.host, c.path, b, k, c.bucket, c.key)
		}
	}
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// TestDeleteIfMatch: DELETE with If-Match removes the object only if the
// ETag matches (412 otherwise) and answers 404 for a missing key; without
// If-Match a missing key is still 204.
func TestDeleteIfMatch(t *testing.T) {
	a := newTestAPI(t, Options{})
	etag := a.want("PUT", "/bkt/k", "v1", 200, "").Header().Get("ETag")
	if etag == "" {
		t.Fatal("PUT answered no ETag")
	}
	a.want("DELETE", "/bkt/k", "", 412, "PreconditionFailed", "If-Match", `"0123456789abcdef0123456789abcdef"`)
	a.want("GET", "/bkt/k", "", 200, "")
	a.want("DELETE", "/bkt/missing", "", 404, "NoSuchKey", "If-Match", etag)
	a.want("DELETE", "/nobkt/k", "", 404, "NoSuchBucket", "If-Match", etag)
	a.want("DELETE", "/bkt/k", "", 204, "", "If-Match", etag)
	a.want("GET", "/bkt/k", "", 404, "NoSuchKey")
	a.want("DELETE", "/bkt/k", "", 204, "")

	a.want("PUT", "/bkt/k", "v2", 200, "")
	a.want("DELETE", "/bkt/k", "", 412, "PreconditionFailed", "If-Match", strings.Trim(etag, `"`)) // v1's, unquoted
	a.want("GET", "/bkt/k", "", 200, "")
	a.want("DELETE", "/bkt/k", "", 204, "", "If-Match", "*")
	a.want("GET", "/bkt/k", "", 404, "NoSuchKey")
}
