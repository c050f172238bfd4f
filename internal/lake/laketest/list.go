package laketest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/tarnlake/tarn/internal/lake"
)

func listTests() []subtest {
	return []subtest{
		{"Order", testListOrder},
		{"Prefix", testListPrefix},
		{"Delimiter", testListDelimiter},
		{"StartAfter", testListStartAfter},
		{"Paging", testListPaging},
		{"PagingDelimiter", testListPagingDelimiter},
		{"MissingBucket", testListMissingBucket},
		{"KeyConflict", testKeyConflict},
	}
}

// listKeys are in byte order, which is not the order of a sorted directory
// walk: "a/b" sorts after "a.b" and before "a0", and upper case first.
// No key is both an object and a folder of others.
func listKeys() []string {
	return []string{"B", "a b", "a-b", "a.b", "a/b", "a/c/d", "a/c/e", "a0", "b", "c/1", "c/2", "c/3", "é"}
}

// listBucket makes a bucket holding listKeys, each key's content the key.
func listBucket(t *testing.T, s lake.Store) string {
	t.Helper()
	bucket := newBucket(t, s)
	// Put in reverse so that no backend lists in the order of creation.
	keys := listKeys()
	for _, k := range slices.Backward(keys) {
		put(t, s, bucket, k, []byte(k))
	}
	return bucket
}

// listOnce lists one page, failing the test on error.
func listOnce(t *testing.T, s lake.Store, bucket string, opts lake.ListOptions) lake.ListResult {
	t.Helper()
	res, err := s.List(t.Context(), bucket, opts)
	if err != nil {
		t.Fatalf("list %+v: %v", opts, err)
	}
	return res
}

func keysOf(objs []lake.ObjectInfo) []string {
	keys := make([]string, len(objs))
	for i, o := range objs {
		keys[i] = o.Key
	}
	return keys
}

// wantStrings compares two lists, treating nil and empty alike.
func wantStrings(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(got) != 0 || len(want) != 0 {
		if !slices.Equal(got, want) {
			t.Errorf("%s:\n got %q\nwant %q", what, got, want)
		}
	}
}

func testListOrder(t *testing.T, s lake.Store) {
	bucket := listBucket(t, s)
	res := listOnce(t, s, bucket, lake.ListOptions{})
	wantStrings(t, "keys", keysOf(res.Objects), listKeys())
	if res.Truncated || len(res.CommonPrefixes) > 0 {
		t.Errorf("truncated %v, common prefixes %q: want neither", res.Truncated, res.CommonPrefixes)
	}
	for _, o := range res.Objects {
		if o.Size != int64(len(o.Key)) || o.ETag != md5hex([]byte(o.Key)) || !recent(o.LastModified) {
			t.Errorf("listed %q: size %d etag %q modified %v", o.Key, o.Size, o.ETag, o.LastModified)
		}
	}
}

func testListPrefix(t *testing.T, s lake.Store) {
	bucket := listBucket(t, s)
	for prefix, want := range map[string][]string{
		"a/":  {"a/b", "a/c/d", "a/c/e"},
		"a":   {"a b", "a-b", "a.b", "a/b", "a/c/d", "a/c/e", "a0"},
		"c/2": {"c/2"},
		"é":   {"é"},
		"zz":  nil,
	} {
		res := listOnce(t, s, bucket, lake.ListOptions{Prefix: prefix})
		wantStrings(t, "prefix "+prefix, keysOf(res.Objects), want)
	}
}

func testListDelimiter(t *testing.T, s lake.Store) {
	bucket := listBucket(t, s)
	for _, c := range []struct {
		prefix        string
		keys, folders []string
	}{
		{"", []string{"B", "a b", "a-b", "a.b", "a0", "b", "é"}, []string{"a/", "c/"}},
		{"a/", []string{"a/b"}, []string{"a/c/"}},
		{"a/c/", []string{"a/c/d", "a/c/e"}, nil},
		{"a", []string{"a b", "a-b", "a.b", "a0"}, []string{"a/"}},
		{"zz", nil, nil},
	} {
		res := listOnce(t, s, bucket, lake.ListOptions{Prefix: c.prefix, Delimiter: "/"})
		wantStrings(t, "keys under "+c.prefix, keysOf(res.Objects), c.keys)
		wantStrings(t, "common prefixes under "+c.prefix, res.CommonPrefixes, c.folders)
	}
}

func testListStartAfter(t *testing.T, s lake.Store) {
	bucket := listBucket(t, s)
	for _, c := range []struct {
		prefix, after string
		want          []string
	}{
		{"", "a.b", []string{"a/b", "a/c/d", "a/c/e", "a0", "b", "c/1", "c/2", "c/3", "é"}},
		{"", "a/bz", []string{"a/c/d", "a/c/e", "a0", "b", "c/1", "c/2", "c/3", "é"}},
		{"", "é", nil},
		{"c/", "c/1", []string{"c/2", "c/3"}},
		{"c/", "a", []string{"c/1", "c/2", "c/3"}},
		{"a/", "zz", nil},
	} {
		res := listOnce(t, s, bucket, lake.ListOptions{Prefix: c.prefix, StartAfter: c.after})
		wantStrings(t, fmt.Sprintf("prefix %q after %q", c.prefix, c.after), keysOf(res.Objects), c.want)
	}
}

// listPaged pages through a listing with at most max entries a page, checking
// each page, and returns every key and common prefix in byte order.
func listPaged(t *testing.T, s lake.Store, bucket string, opts lake.ListOptions) []string {
	t.Helper()
	var all []string
	for pages := 0; ; pages++ {
		if pages > 100 {
			t.Fatalf("%+v: more pages than entries", opts)
		}
		res := listOnce(t, s, bucket, opts)
		page := merged(res)
		if len(page) > opts.MaxKeys {
			t.Errorf("%+v: %d entries in a page", opts, len(page))
		}
		all = append(all, page...)
		if !res.Truncated {
			return all
		}
		if len(page) == 0 || res.Next <= opts.StartAfter {
			t.Fatalf("%+v: truncated page of %q with Next %q makes no progress", opts, page, res.Next)
		}
		opts.StartAfter = res.Next
	}
}

func testListPaging(t *testing.T, s lake.Store) {
	bucket := listBucket(t, s)
	for _, max := range []int{1, 2, 3, 5, 13, 14} {
		got := listPaged(t, s, bucket, lake.ListOptions{MaxKeys: max})
		wantStrings(t, fmt.Sprintf("max %d", max), got, listKeys())
	}
	got := listPaged(t, s, bucket, lake.ListOptions{Prefix: "a", MaxKeys: 2})
	wantStrings(t, "prefix a, max 2", got, []string{"a b", "a-b", "a.b", "a/b", "a/c/d", "a/c/e", "a0"})
}

func testListPagingDelimiter(t *testing.T, s lake.Store) {
	bucket := listBucket(t, s)
	// A common prefix counts toward MaxKeys and is listed once, however
	// many keys it stands for.
	all := []string{"B", "a b", "a-b", "a.b", "a/", "a0", "b", "c/", "é"}
	for _, max := range []int{1, 2, 3, 4, 9, 10} {
		got := listPaged(t, s, bucket, lake.ListOptions{Delimiter: "/", MaxKeys: max})
		wantStrings(t, fmt.Sprintf("max %d", max), got, all)
	}
	got := listPaged(t, s, bucket, lake.ListOptions{Prefix: "a/", Delimiter: "/", MaxKeys: 1})
	wantStrings(t, "prefix a/, max 1", got, []string{"a/b", "a/c/"})
}

func testListMissingBucket(t *testing.T, s lake.Store) {
	_, err := s.List(t.Context(), RandomBucket(t), lake.ListOptions{})
	wantErr(t, "list missing bucket", err, lake.ErrNoSuchBucket)
}

// testKeyConflict checks a key that is also a folder of other keys. S3 holds
// both; a backend on a folder may refuse the second with ErrKeyConflict, but
// must then keep the first intact.
func testKeyConflict(t *testing.T, s lake.Store) {
	bucket := newBucket(t, s)
	for _, pair := range [][2]string{{"x", "x/y"}, {"p/q", "p"}} {
		first, second := pair[0], pair[1]
		put(t, s, bucket, first, []byte(first))
		_, err := s.Put(t.Context(), bucket, second, strings.NewReader(second), lake.PutOptions{Size: int64(len(second))})
		want := []string{first, second}
		switch {
		case errors.Is(err, lake.ErrKeyConflict):
			want = want[:1]
		case err != nil:
			t.Errorf("put %q after %q: %v, want success or ErrKeyConflict", second, first, err)
			continue
		}
		for _, k := range want {
			if got, _ := get(t, s, bucket, k, nil); string(got) != k {
				t.Errorf("get %q: %q", k, got)
			}
		}
		slices.Sort(want)
		got := listAll(t.Context(), t, s, bucket, lake.ListOptions{Prefix: want[0][:1]})
		wantStrings(t, "list after conflict", got, want)
	}
}
