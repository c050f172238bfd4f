package lake_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/tarnlake/tarn/internal/lake"
	"github.com/tarnlake/tarn/internal/lake/localfs"
)

func TestEvents(t *testing.T) {
	fs, err := localfs.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var got []string
	s := lake.WithEvents(fs, lake.NotifierFunc(func(ctx context.Context, e lake.Event) error {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, e.Name+" "+e.Bucket+"/"+e.Key)
		return nil
	}))
	ctx := context.Background()
	s.CreateBucket(ctx, "evt")
	s.Put(ctx, "evt", "a", strings.NewReader("x"), lake.PutOptions{Size: -1})
	s.Put(lake.WithEventName(ctx, "ObjectCreated:Copy"), "evt", "b", strings.NewReader("x"), lake.PutOptions{Size: -1})
	s.Put(ctx, "nobucket", "c", strings.NewReader("x"), lake.PutOptions{Size: -1}) // fails: no event
	id, _ := s.CreateUpload(ctx, "evt", "m", lake.PutOptions{})
	p, _ := s.UploadPart(ctx, "evt", "m", id, 1, strings.NewReader("part"), 4)
	if _, err := s.CompleteUpload(ctx, "evt", "m", id, []lake.Part{p}); err != nil {
		t.Fatal(err)
	}
	s.Delete(ctx, "evt", "a")
	s.DeleteIf(ctx, "evt", "b", "0123456789abcdef0123456789abcdef") // fails: no event
	if err := s.DeleteIf(ctx, "evt", "b", "*"); err != nil {
		t.Fatal(err)
	}
	want := []string{"ObjectCreated:Put evt/a", "ObjectCreated:Copy evt/b", "ObjectCreated:CompleteMultipartUpload evt/m", "ObjectRemoved:Delete evt/a", "ObjectRemoved:Delete evt/b"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestResolve(t *testing.T) {
	for _, c := range []struct {
		r          lake.Range
		size, s, n int64
		invalid    bool
	}{
		{lake.Range{Start: 0, End: 9}, 100, 0, 10, false},
		{lake.Range{Start: 90, End: -1}, 100, 90, 10, false},
		{lake.Range{Start: 90, End: 500}, 100, 90, 10, false},
		{lake.Range{Start: -1, End: 5}, 100, 95, 5, false},
		{lake.Range{Start: -1, End: 500}, 100, 0, 100, false},
		{lake.Range{Start: 100, End: -1}, 100, 0, 0, true},
		{lake.Range{Start: -1, End: 0}, 100, 0, 0, true},
	} {
		s, n, err := lake.Resolve(c.r, c.size)
		if (err != nil) != c.invalid || !c.invalid && (s != c.s || n != c.n) {
			t.Errorf("Resolve(%+v, %d) = %d, %d, %v", c.r, c.size, s, n, err)
		}
	}
}

// A write whose event cannot be logged is not acknowledged: the caller
// gets an error wrapping ErrEventNotLogged, and the object stays.
func TestEventNotLogged(t *testing.T) {
	fs, err := localfs.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	logDown := errors.New("log down")
	s := lake.WithEvents(fs, lake.NotifierFunc(func(ctx context.Context, e lake.Event) error { return logDown }))
	ctx := context.Background()
	if err := s.CreateBucket(ctx, "bkt"); err != nil {
		t.Fatal(err)
	}
	_, err = s.Put(ctx, "bkt", "k", strings.NewReader("x"), lake.PutOptions{Size: -1})
	if !errors.Is(err, lake.ErrEventNotLogged) || !errors.Is(err, logDown) {
		t.Fatalf("put: %v", err)
	}
	if _, err := fs.Head(ctx, "bkt", "k"); err != nil {
		t.Fatalf("the object is gone: %v", err)
	}
	if err := s.Delete(ctx, "bkt", "k"); !errors.Is(err, lake.ErrEventNotLogged) {
		t.Fatalf("delete: %v", err)
	}
}
