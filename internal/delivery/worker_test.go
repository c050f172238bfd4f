package delivery

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/catalog"
	"github.com/tarnlake/tarn/internal/catalog/embedded"
	"github.com/tarnlake/tarn/internal/lake"
	"github.com/tarnlake/tarn/internal/lake/localfs"
	"github.com/tarnlake/tarn/internal/stream/memstream"
)

// A buffer begun under one version of a delivery, cut short by a crash,
// and found after an UpdateDestination is written as it was begun: under
// the old prefix and names, once, and the records after it under the new.
func TestRedoAfterUpdate(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cat, err := embedded.Open(filepath.Join(dir, "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer cat.Close()
	lk, err := localfs.Open(filepath.Join(dir, "lake"))
	if err != nil {
		t.Fatal(err)
	}
	defer lk.Close()
	if err := lk.CreateBucket(ctx, "lake"); err != nil {
		t.Fatal(err)
	}
	streams := memstream.New()
	defer streams.Close()
	s := New(Options{Docs: cat, Catalog: cat, Streams: streams, Lake: lk,
		Key: func(name string) (access.Key, bool) { return access.Key{Name: name, Root: true}, name == "root" }})
	defer s.Close()
	c, err := s.Create(ctx, Config{Name: "d", S3: ExtendedS3{RoleARN: "arn:aws:iam::000000000000:role/root", BucketARN: "arn:aws:s3:::lake",
		Prefix: "old/", Buffering: &Buffering{SizeInMBs: 1, IntervalInSeconds: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	put := func(from, to int) {
		var recs [][]byte
		for i := from; i < to; i++ {
			recs = append(recs, fmt.Appendf(nil, "r%d\n", i))
		}
		if _, err := s.Put(ctx, "d", recs); err != nil {
			t.Fatal(err)
		}
	}
	put(0, 10)
	// A crash after the buffer's span was saved: its records, its config.
	recs, err := streams.Scan(ctx, directStream("d"), 0, 100)
	if err != nil || len(recs) != 10 {
		t.Fatalf("%d records, %v", len(recs), err)
	}
	sp := spanOf(recs)
	sp.Config = &c
	if _, err := catalog.UpdateDoc(ctx, cat, docCheckpoint, "d", func(cp *checkpoint, _ bool) error { cp.Pending = &sp; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Update(ctx, "d", c.Version, func(c *Config) error { c.S3.Prefix = "new/"; return nil }); err != nil {
		t.Fatal(err)
	}
	put(10, 15)
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error)
	go func() { done <- s.Run(rctx) }()
	defer func() { cancel(); <-done }()
	count := func(p string) (objects int, body string) {
		res, err := lk.List(ctx, "lake", lake.ListOptions{Prefix: p})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range res.Objects {
			objects++
			r, _, err := lk.Get(ctx, "lake", o.Key, nil)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(r)
			r.Close()
			body += string(b)
			if !strings.Contains(o.Key, fmt.Sprintf("d-%d-", map[string]int{"old/": 1, "new/": 2}[p])) {
				t.Errorf("%s: not named by its version", o.Key)
			}
		}
		return objects, body
	}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if n, _ := count("new/"); n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the records after the update were not delivered")
		}
	}
	if n, body := count("old/"); n != 1 || strings.Count(body, "\n") != 10 || !strings.Contains(body, "r9\n") {
		t.Fatalf("under the old prefix: %d objects, %q", n, body)
	}
	if _, body := count("new/"); strings.Count(body, "\n") != 5 || strings.Contains(body, "r9\n") {
		t.Fatalf("under the new prefix: %q", body)
	}
}
