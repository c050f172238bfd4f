package s3

import (
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/tarnlake/tarn/internal/lake"
)

func TestValidBucket(t *testing.T) {
	for name, want := range map[string]bool{
		"abc": true, "my-bucket.logs": true, "a1-2": true, strings.Repeat("a", 63): true,
		"ab": false, strings.Repeat("a", 64): false, "A_b": false, "Abc": false, "-ab": false,
		"ab-": false, ".ab": false, "a..b": false, "192.168.1.1": false, "a b": false, "": false,
	} {
		if got := validBucket(name); got != want {
			t.Errorf("validBucket(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestCheckKey(t *testing.T) {
	for key, want := range map[string]error{
		"a": nil, strings.Repeat("k", 1024): nil, "/": nil,
		"": lake.ErrInvalidKey, "\xff": lake.ErrInvalidKey, strings.Repeat("k", 1025): lake.ErrKeyTooLong,
	} {
		if err := checkKey(key); !errors.Is(err, want) || (want == nil) != (err == nil) {
			t.Errorf("checkKey(%.10q) = %v, want %v", key, err, want)
		}
	}
}

func TestRangeHeader(t *testing.T) {
	for _, c := range []struct {
		r    lake.Range
		want string
	}{
		{lake.Range{Start: 0, End: 9}, "bytes=0-9"},
		{lake.Range{Start: 5, End: -1}, "bytes=5-"},
		{lake.Range{Start: -1, End: 10}, "bytes=-10"},
		{lake.Range{Start: 3, End: 3}, "bytes=3-3"},
		{lake.Range{Start: 5, End: 4}, ""},
		{lake.Range{Start: -1, End: 0}, ""},
		{lake.Range{Start: -1, End: -1}, ""},
	} {
		got, err := rangeHeader(c.r)
		if got != c.want || (c.want == "") != errors.Is(err, lake.ErrInvalidRange) {
			t.Errorf("rangeHeader(%+v) = %q, %v; want %q", c.r, got, err, c.want)
		}
	}
}

func TestTotalSize(t *testing.T) {
	if n, err := totalSize("bytes 0-9/100"); n != 100 || err != nil {
		t.Errorf("totalSize = %d, %v", n, err)
	}
	for _, bad := range []string{"bytes 0-9/*", "bytes 0-9", ""} {
		if _, err := totalSize(bad); err == nil {
			t.Errorf("totalSize(%q): no error", bad)
		}
	}
}

func TestTranslate(t *testing.T) {
	for code, want := range map[string]error{
		"NoSuchKey": lake.ErrNoSuchKey, "BucketAlreadyOwnedByYou": lake.ErrBucketExists,
		"EntityTooSmall": lake.ErrEntityTooSmall, "InvalidPartOrder": lake.ErrInvalidPartOrder,
	} {
		err := &smithy.GenericAPIError{Code: code}
		if got := translate(err, nil); got != want {
			t.Errorf("translate(%s) = %v, want %v", code, got, want)
		}
	}
	other := &smithy.GenericAPIError{Code: "AccessDenied"}
	if got := translate(other, lake.ErrNoSuchKey); got != error(other) {
		t.Errorf("translate(AccessDenied) = %v, want it unchanged", got)
	}
}

func TestIsCommonPrefix(t *testing.T) {
	for _, c := range []struct {
		opts lake.ListOptions
		want bool
	}{
		{lake.ListOptions{Delimiter: "/", StartAfter: "a/"}, true},
		{lake.ListOptions{Delimiter: "/", Prefix: "a/", StartAfter: "a/c/"}, true},
		{lake.ListOptions{Delimiter: "/", StartAfter: "a/b"}, false},
		{lake.ListOptions{Delimiter: "/", StartAfter: "a/b/"}, false},
		{lake.ListOptions{StartAfter: "a/"}, false},
		{lake.ListOptions{Delimiter: "/", Prefix: "b/", StartAfter: "a/"}, false},
	} {
		if got := isCommonPrefix(c.opts); got != c.want {
			t.Errorf("isCommonPrefix(%+v) = %v, want %v", c.opts, got, c.want)
		}
	}
}

func TestPage(t *testing.T) {
	objs := func(keys ...string) []types.Object {
		out := make([]types.Object, len(keys))
		for i, k := range keys {
			out[i] = types.Object{Key: aws.String(k)}
		}
		return out
	}
	cps := func(ps ...string) []types.CommonPrefix {
		out := make([]types.CommonPrefix, len(ps))
		for i, p := range ps {
			out[i] = types.CommonPrefix{Prefix: aws.String(p)}
		}
		return out
	}
	// The store repeated "a/", the prefix listing resumes after: dropped,
	// and the extra entry asked for is cut again.
	p := page(objs("a.b", "a0", "b"), cps("a/", "c/"), "a/", 3)
	gotKeys := make([]string, len(p.Objects))
	for i, o := range p.Objects {
		gotKeys[i] = o.Key
	}
	if !slices.Equal(gotKeys, []string{"a.b", "a0", "b"}) || len(p.CommonPrefixes) != 0 || !p.Truncated || p.Next != "b" {
		t.Errorf("page = %+v", p)
	}
	p = page(objs("a.b"), cps("a/"), "", 5)
	if len(p.Objects) != 1 || !slices.Equal(p.CommonPrefixes, []string{"a/"}) || p.Truncated || p.lastKey != "a/" {
		t.Errorf("page = %+v", p)
	}
}

func TestCheckedBody(t *testing.T) {
	for _, c := range []struct {
		data string
		size int64
		want error
	}{
		{"hello", 5, nil},
		{"", 0, nil},
		{"x", 0, lake.ErrIncompleteBody},
		{"hell", 5, lake.ErrIncompleteBody},
		{"hello!", 5, lake.ErrIncompleteBody},
	} {
		b := &checkedBody{r: strings.NewReader(c.data), left: c.size}
		got, err := io.ReadAll(b)
		if !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
			t.Errorf("%q declared %d: error %v, want %v", c.data, c.size, err, c.want)
		}
		if c.want != nil && c.size > 0 && len(got) == int(c.size) {
			// Every declared byte was handed over: a store could have
			// taken the body as complete.
			t.Errorf("%q declared %d: all %d bytes passed before the error", c.data, c.size, len(got))
		}
		if c.want == nil && string(got) != c.data {
			t.Errorf("%q declared %d: read %q", c.data, c.size, got)
		}
	}
}
