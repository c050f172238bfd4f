package trigger

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tarnlake/tarn/internal/catalog/embedded"
	"github.com/tarnlake/tarn/internal/lake"
	"github.com/tarnlake/tarn/internal/lake/localfs"
)

func TestMoveOncePerVersion(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	fs, err := localfs.Open(filepath.Join(dir, "lake"))
	if err != nil {
		t.Fatal(err)
	}
	cat, err := embedded.Open(filepath.Join(dir, "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer cat.Close()
	var copies int
	store := lake.WithEvents(fs, lake.NotifierFunc(func(ctx context.Context, e lake.Event) error {
		if e.Name == "ObjectCreated:Copy" {
			copies++
		}
		return nil
	}))
	for _, b := range []string{"landing", "lakebkt"} {
		if err := store.CreateBucket(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	put := func(key, body string) lake.ObjectInfo {
		oi, err := store.Put(ctx, "landing", key, strings.NewReader(body), lake.PutOptions{Size: int64(len(body))})
		if err != nil {
			t.Fatal(err)
		}
		return oi
	}
	a := &Actions{Lake: store, Docs: cat}
	rule := Rule{ID: "mv", Prefix: "in/", Action: &Action{Kind: "move", Bucket: "lakebkt", Key: "raw/{yyyy}/{rel}"}}
	event := func(oi lake.ObjectInfo) Record {
		return newRecord(lake.Event{Name: "ObjectCreated:Put", Bucket: "landing", Key: oi.Key, Size: oi.Size, ETag: oi.ETag,
			Time: time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)}, "us-east-1", "tarn")
	}
	v1 := put("in/a b.csv", "one")
	e1 := event(v1)
	if err := a.Run(ctx, rule, e1); err != nil {
		t.Fatal(err)
	}
	if err := a.Run(ctx, rule, e1); err != nil { // the event again
		t.Fatal(err)
	}
	rc, _, err := store.Get(ctx, "lakebkt", "raw/2026/a b.csv", nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if string(b) != "one" || copies != 1 {
		t.Fatalf("moved %q, %d copies", b, copies)
	}
	if _, err := store.Head(ctx, "landing", "in/a b.csv"); err == nil {
		t.Fatal("the source stayed behind")
	}
	// The same bytes put again are a new event: moved again, not copied twice.
	again := put("in/a b.csv", "one")
	if err := a.Run(ctx, rule, event(again)); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Head(ctx, "landing", "in/a b.csv"); err == nil || copies != 1 {
		t.Fatalf("the same bytes put again: source left %v, %d copies", err == nil, copies)
	}
	// An event for a version a newer one replaced moves nothing, and the
	// newer version stays for its own event.
	old := put("in/c.csv", "old")
	put("in/c.csv", "new")
	if err := a.Run(ctx, rule, event(old)); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Head(ctx, "lakebkt", "raw/2026/c.csv"); err == nil {
		t.Fatal("an old version's event moved the new version")
	}
	if _, err := store.Head(ctx, "landing", "in/c.csv"); err != nil {
		t.Fatal("the newer version was lost")
	}
	// The ledger forgets what is past the log's retention.
	if n, err := a.Prune(ctx, time.Now().Add(time.Minute)); err != nil || n != 3 {
		t.Fatalf("prune: %d %v", n, err)
	}
}
