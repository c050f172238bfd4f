package mirror

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tarnlake/tarn/internal/lake"
	"github.com/tarnlake/tarn/internal/lake/localfs"
)

// counting is the "remote" lake: a localfs store that counts the calls
// that cost a round trip, and can hold Gets until gate is closed.
type counting struct {
	lake.Store
	gets, lists atomic.Int64
	gate        chan struct{}
	extra       []lake.ObjectInfo // listed too, as a remote store that allows what localfs refuses
}

func (c *counting) Get(ctx context.Context, bucket, key string, rng *lake.Range) (io.ReadCloser, lake.ObjectInfo, error) {
	c.gets.Add(1)
	if c.gate != nil {
		<-c.gate
	}
	return c.Store.Get(ctx, bucket, key, rng)
}

func (c *counting) List(ctx context.Context, bucket string, opts lake.ListOptions) (lake.ListResult, error) {
	c.lists.Add(1)
	res, err := c.Store.List(ctx, bucket, opts)
	for _, o := range c.extra {
		if err == nil && strings.HasPrefix(o.Key, opts.Prefix) {
			res.Objects = append(res.Objects, o)
		}
	}
	return res, err
}

type fixture struct {
	t      *testing.T
	remote *localfs.Store
	store  *counting
	dir    string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	remote, err := localfs.Open(filepath.Join(t.TempDir(), "remote"))
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.CreateBucket(context.Background(), "lake"); err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, remote: remote, store: &counting{Store: remote}, dir: filepath.Join(t.TempDir(), "cache")}
}

func (f *fixture) put(key, body string) {
	f.t.Helper()
	if _, err := f.remote.Put(context.Background(), "lake", key, strings.NewReader(body), lake.PutOptions{Size: int64(len(body))}); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) del(key string) {
	f.t.Helper()
	if err := f.remote.Delete(context.Background(), "lake", key); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) open(opts Options) *Mirror {
	f.t.Helper()
	opts.Dir = f.dir
	m, err := New(f.store, opts)
	if err != nil {
		f.t.Fatal(err)
	}
	return m
}

func sync1(t *testing.T, m *Mirror, prefix string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := m.Sync(ctx, "lake", prefix); err != nil {
		t.Fatalf("sync %q: %v", prefix, err)
	}
}

// tree is every file under the mirror's copy of prefix, relative, with
// its content.
func tree(t *testing.T, m *Mirror, prefix string) map[string]string {
	t.Helper()
	root, err := m.LocalPath("lake", prefix)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			rel, _ := filepath.Rel(root, p)
			out[filepath.ToSlash(rel)] = string(b)
		}
		return nil
	})
	return out
}

func same(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestSyncFollowsTheLake(t *testing.T) {
	f := newFixture(t)
	f.put("t/day=1/a.csv", "1")
	f.put("t/day=2/b.csv", "22")
	f.put("t/day=2/", "")              // a folder marker: no copy
	f.put("t/odd%name/c.csv", "333")   // escaped as localfs escapes it
	f.put("other/x.csv", "not synced") // outside the prefix
	m := f.open(Options{})

	sync1(t, m, "t/")
	want := map[string]string{"day=1/a.csv": "1", "day=2/b.csv": "22", "odd%25name/c.csv": "333"}
	if got := tree(t, m, "t/"); !same(got, want) {
		t.Fatalf("after first sync: %v, want %v", got, want)
	}
	if n := f.store.gets.Load(); n != 3 {
		t.Fatalf("%d gets, want 3", n)
	}

	t.Run("unchanged", func(t *testing.T) {
		before := f.store.gets.Load()
		sync1(t, m, "t/")
		if n := f.store.gets.Load() - before; n != 0 {
			t.Fatalf("%d gets for an unchanged prefix", n)
		}
	})
	t.Run("new changed deleted", func(t *testing.T) {
		before := f.store.gets.Load()
		f.put("t/day=1/a.csv", "1 changed")
		f.del("t/day=2/b.csv")
		f.put("t/day=3/d.csv", "4444")
		sync1(t, m, "t/")
		want := map[string]string{"day=1/a.csv": "1 changed", "day=3/d.csv": "4444", "odd%25name/c.csv": "333"}
		if got := tree(t, m, "t/"); !same(got, want) {
			t.Fatalf("got %v, want %v", got, want)
		}
		if n := f.store.gets.Load() - before; n != 2 {
			t.Fatalf("%d gets, want 2 (the changed and the new object)", n)
		}
		if got, want := m.Bytes(), int64(len("1 changed")+len("4444")+len("333")); got != want {
			t.Fatalf("Bytes %d, want %d", got, want)
		}
	})
	t.Run("same size new content", func(t *testing.T) {
		f.put("t/day=3/d.csv", "5555") // same size, another ETag
		sync1(t, m, "t/")
		if got := tree(t, m, "t/")["day=3/d.csv"]; got != "5555" {
			t.Fatalf("got %q", got)
		}
	})
	t.Run("key and folder", func(t *testing.T) {
		f.put("k/a/b", "under")
		f.store.extra = []lake.ObjectInfo{{Key: "k/a", Size: 4, ETag: "x"}}
		sync1(t, m, "k/")
		if got := tree(t, m, "k/"); !same(got, map[string]string{"a/b": "under"}) {
			t.Fatalf("got %v", got)
		}
	})
}

// A key that was a folder becomes a file, and back.
func TestFolderBecomesFile(t *testing.T) {
	f := newFixture(t)
	f.put("t/a/b", "under")
	m := f.open(Options{})
	sync1(t, m, "t/")
	f.del("t/a/b")
	f.put("t/a", "file")
	f.put("t/c", "cccc")
	sync1(t, m, "t/")
	if got := tree(t, m, "t/"); !same(got, map[string]string{"a": "file", "c": "cccc"}) {
		t.Fatalf("folder to file: %v", got)
	}
}

// Syncs of overlapping prefixes (a table and one of its partitions) running
// together while the lake changes end, once the lake is still, with the
// copies of what the lake holds.
func TestOverlappingSyncs(t *testing.T) {
	f := newFixture(t)
	m := f.open(Options{Downloads: 2})
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for _, p := range []string{"t/", "t/day=1/", "t/day=1/", "t/"} {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				ctx, cancel := context.WithCancel(context.Background())
				if err := m.Sync(ctx, "lake", p); err != nil {
					t.Error(err)
				}
				cancel()
			}
		})
	}
	for i := range 200 {
		key := fmt.Sprintf("t/day=%d/f%d", i%2+1, i%7)
		if i%5 == 4 {
			f.del(key)
		} else {
			f.put(key, strings.Repeat("v", i))
		}
	}
	close(stop)
	wg.Wait()
	sync1(t, m, "t/")
	want := map[string]string{}
	res, err := f.remote.List(context.Background(), "lake", lake.ListOptions{Prefix: "t/"})
	if err != nil {
		t.Fatal(err)
	}
	var size int64
	for _, o := range res.Objects {
		body, _, err := f.remote.Get(context.Background(), "lake", o.Key, nil)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(body)
		body.Close()
		want[strings.TrimPrefix(o.Key, "t/")] = string(b)
		size += o.Size
	}
	if got := tree(t, m, "t/"); !same(got, want) {
		t.Fatalf("copies %v, lake %v", got, want)
	}
	if m.Bytes() != size {
		t.Fatalf("Bytes %d, want %d", m.Bytes(), size)
	}
}

// LocalPath has localfs's shape, so the engine's globs read both alike.
func TestLocalPathLikeLocalfs(t *testing.T) {
	f := newFixture(t)
	m := f.open(Options{})
	for _, key := range []string{"", "t/", "t", "t/day=1/a.csv", "a%b/c", "x//y", "./..", strings.Repeat("s", 300) + "/f"} {
		want, err := f.remote.LocalPath("lake", key)
		if err != nil {
			t.Fatal(err)
		}
		got, err := m.LocalPath("lake", key)
		if err != nil {
			t.Fatal(err)
		}
		wrel, _ := filepath.Rel(f.remote.Root(), want)
		grel, _ := filepath.Rel(f.dir, got)
		if wrel != grel {
			t.Errorf("LocalPath(%q) = %s, localfs %s", key, grel, wrel)
		}
	}
	for _, bucket := range []string{"", ".tmp", "a/b"} {
		if _, err := m.LocalPath(bucket, "k"); err == nil {
			t.Errorf("LocalPath(%q): no error", bucket)
		}
	}
}

// Concurrent syncs of one prefix share their work: one listing for the
// running sync, one for the sync queued behind it, each object fetched once.
func TestConcurrentSyncsShare(t *testing.T) {
	f := newFixture(t)
	for i := range 20 {
		f.put("t/f"+string(rune('a'+i)), strings.Repeat("x", i+1))
	}
	f.store.gate = make(chan struct{})
	m := f.open(Options{Downloads: 4})
	var wg sync.WaitGroup
	errs := make(chan error, 10)
	start := func() {
		wg.Go(func() { errs <- m.Sync(context.Background(), "lake", "t/") })
	}
	start()
	for f.store.gets.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	for range 9 {
		start()
	}
	time.Sleep(50 * time.Millisecond) // let them queue
	close(f.store.gate)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if gets, lists := f.store.gets.Load(), f.store.lists.Load(); gets != 20 || lists != 2 {
		t.Fatalf("%d gets and %d lists, want 20 and 2", gets, lists)
	}
	if n := len(tree(t, m, "t/")); n != 20 {
		t.Fatalf("%d copies", n)
	}
}

// A caller that arrives while a sync runs sees what changed before it
// arrived, though the running sync listed earlier.
func TestSyncNeverAnswersOlderThanItsCall(t *testing.T) {
	f := newFixture(t)
	f.put("t/a", "old")
	f.store.gate = make(chan struct{})
	m := f.open(Options{})
	first := make(chan error, 1)
	go func() { first <- m.Sync(context.Background(), "lake", "t/") }()
	for f.store.gets.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	f.put("t/a", "new") // after the running sync listed
	second := make(chan error, 1)
	go func() { second <- m.Sync(context.Background(), "lake", "t/") }()
	time.Sleep(20 * time.Millisecond)
	close(f.store.gate)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if err := <-second; err != nil {
		t.Fatal(err)
	}
	if got := tree(t, m, "t/")["a"]; got != "new" {
		t.Fatalf("copy holds %q after the second sync", got)
	}
}

func TestEviction(t *testing.T) {
	f := newFixture(t)
	body := strings.Repeat("x", 100)
	for _, p := range []string{"p1/", "p2/", "p3/"} {
		f.put(p+"a", body)
		f.put(p+"b", body)
	}
	reg := prometheus.NewRegistry()
	m := f.open(Options{MaxBytes: 450, Registerer: reg})

	sync1(t, m, "p1/")
	sync1(t, m, "p2/")
	if m.Bytes() != 400 {
		t.Fatalf("%d bytes cached, want 400", m.Bytes())
	}
	sync1(t, m, "p3/") // p1 is the least recently used
	if len(tree(t, m, "p1/")) != 0 || len(tree(t, m, "p2/")) != 2 || len(tree(t, m, "p3/")) != 2 {
		t.Fatalf("after p3: p1 %v p2 %v p3 %v", tree(t, m, "p1/"), tree(t, m, "p2/"), tree(t, m, "p3/"))
	}
	if n := metric(t, reg, "tarn_lake_mirror_evicted_objects_total"); n != 2 {
		t.Fatalf("%v evictions", n)
	}

	t.Run("in use is kept", func(t *testing.T) {
		inUse, done := context.WithCancel(context.Background())
		if err := m.Sync(inUse, "lake", "p2/"); err != nil { // p2 now the most recent, and pinned
			t.Fatal(err)
		}
		inUse3, done3 := context.WithCancel(context.Background())
		if err := m.Sync(inUse3, "lake", "p3/"); err != nil {
			t.Fatal(err)
		}
		inUse1, done1 := context.WithCancel(context.Background())
		defer done1()
		if err := m.Sync(inUse1, "lake", "p1/"); err != nil { // all pinned: nothing may go
			t.Fatal(err)
		}
		if m.Bytes() != 600 || len(tree(t, m, "p2/")) != 2 || len(tree(t, m, "p3/")) != 2 {
			t.Fatalf("%d bytes; p2 %v p3 %v", m.Bytes(), tree(t, m, "p2/"), tree(t, m, "p3/"))
		}
		done() // p2 released: the least recently used goes
		waitFor(t, func() bool { return m.Bytes() == 400 })
		if len(tree(t, m, "p2/")) != 0 || len(tree(t, m, "p3/")) != 2 || len(tree(t, m, "p1/")) != 2 {
			t.Fatalf("p1 %v p2 %v p3 %v", tree(t, m, "p1/"), tree(t, m, "p2/"), tree(t, m, "p3/"))
		}
		done3()
	})
	if n := metric(t, reg, "tarn_lake_mirror_fetched_bytes_total"); n != 800 {
		t.Errorf("%v bytes fetched, want 800 (p1 twice)", n)
	}
	if n := metric(t, reg, "tarn_lake_mirror_bytes"); n != 400 {
		t.Errorf("%v bytes cached, want 400", n)
	}
}

// metric reads a counter or gauge from reg.
func metric(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			m := mf.GetMetric()[0]
			if c := m.GetCounter(); c != nil {
				return c.GetValue()
			}
			return m.GetGauge().GetValue()
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !ok(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 5s")
		}
	}
}

// A new process keeps the copies its index vouches for and downloads only
// what changed meanwhile, what was tampered with, and nothing else.
func TestRestartKeepsCopies(t *testing.T) {
	f := newFixture(t)
	f.put("t/a", "aaa")
	f.put("t/b", "bbb")
	f.put("t/c", "ccc")
	m := f.open(Options{})
	sync1(t, m, "t/")

	f.put("t/c", "ccc changed")
	root, _ := m.LocalPath("lake", "t/")
	os.WriteFile(filepath.Join(root, "b"), []byte("tampered"), 0o644)
	orphan := filepath.Join(root, "orphan")
	os.WriteFile(orphan, []byte("left by a crash"), 0o644)

	f.store.gets.Store(0)
	reg := prometheus.NewRegistry()
	m2 := f.open(Options{Registerer: reg})
	if _, err := os.Stat(orphan); err == nil {
		t.Fatal("a file the index does not name was kept")
	}
	sync1(t, m2, "t/")
	if got := tree(t, m2, "t/"); !same(got, map[string]string{"a": "aaa", "b": "bbb", "c": "ccc changed"}) {
		t.Fatalf("after restart: %v", got)
	}
	if n := f.store.gets.Load(); n != 2 {
		t.Fatalf("%d gets after restart, want 2 (the tampered and the changed copy)", n)
	}
	if n := metric(t, reg, "tarn_lake_mirror_hits_total"); n != 1 {
		t.Fatalf("%v hits, want 1", n)
	}

	t.Run("bad index", func(t *testing.T) {
		os.WriteFile(filepath.Join(f.dir, ".index.json"), []byte("{not json"), 0o644)
		m3 := f.open(Options{})
		if m3.Bytes() != 0 || len(tree(t, m3, "t/")) != 0 {
			t.Fatalf("copies kept without an index: %v", tree(t, m3, "t/"))
		}
	})
}

func TestSyncErrors(t *testing.T) {
	f := newFixture(t)
	m := f.open(Options{})
	if err := m.Sync(context.Background(), "nobucket", "t/"); err == nil || !strings.Contains(err.Error(), "s3://nobucket/t/") {
		t.Fatalf("missing bucket: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := m.Sync(ctx, "lake", "t/"); err == nil {
		t.Fatal("canceled context: no error")
	}

}
