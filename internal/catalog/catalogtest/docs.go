package catalogtest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/tarnlake/tarn/internal/catalog"
)

func docs(t *testing.T, s catalog.Store) {
	c := ctx(t)
	kind := Name(t) // unique per run: stores may be shared
	t.Cleanup(func() {
		ds, _ := s.ListDocs(ctx(t), kind, "")
		for _, d := range ds {
			s.DeleteDoc(ctx(t), kind, d.Name)
		}
	})
	d, err := s.PutDoc(c, catalog.Doc{Kind: kind, Name: "b", Body: []byte(`{"x":1}`)}, 0)
	if err != nil || d.Rev != 1 || d.Updated.IsZero() {
		t.Fatalf("create: %+v %v", d, err)
	}
	if _, err := s.PutDoc(c, catalog.Doc{Kind: kind, Name: "b", Body: []byte(`{}`)}, 0); !errors.Is(err, catalog.ErrExists) {
		t.Fatalf("create twice: %v", err)
	}
	if _, err := s.PutDoc(c, catalog.Doc{Kind: kind, Name: "b", Body: []byte(`{}`)}, 7); !errors.Is(err, catalog.ErrConflict) {
		t.Fatalf("stale revision: %v", err)
	}
	if _, err := s.PutDoc(c, catalog.Doc{Kind: kind, Name: "nope", Body: []byte(`{}`)}, 3); !errors.Is(err, catalog.ErrNotFound) {
		t.Fatalf("update of a missing document: %v", err)
	}
	if d, err = s.PutDoc(c, catalog.Doc{Kind: kind, Name: "b", Body: []byte(`{"x":2}`)}, 1); err != nil || d.Rev != 2 {
		t.Fatalf("update: %+v %v", d, err)
	}
	if d, err = s.PutDoc(c, catalog.Doc{Kind: kind, Name: "b", Body: []byte(`{"x":3}`)}, catalog.AnyRev); err != nil || d.Rev != 3 {
		t.Fatalf("update any revision: %+v %v", d, err)
	}
	for _, bad := range []catalog.Doc{{Kind: kind, Name: "", Body: []byte(`{}`)}, {Kind: "", Name: "a", Body: []byte(`{}`)}, {Kind: kind, Name: "a", Body: []byte(`{`)}} {
		if _, err := s.PutDoc(c, bad, catalog.AnyRev); !errors.Is(err, catalog.ErrInvalid) {
			t.Fatalf("put %+v: %v", bad, err)
		}
	}
	got, err := s.GetDoc(c, kind, "b")
	if err != nil || got.Rev != 3 || string(got.Body) != `{"x":3}` || !got.Updated.Equal(d.Updated) {
		t.Fatalf("get: %+v %v (put %+v)", got, err, d)
	}
	for _, n := range []string{"a/2", "a/1", "c"} {
		if _, err := s.PutDoc(c, catalog.Doc{Kind: kind, Name: n, Body: []byte(`[]`)}, 0); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.PutDoc(c, catalog.Doc{Kind: kind + "x", Name: "a/3", Body: []byte(`[]`)}, 0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.DeleteDoc(ctx(t), kind+"x", "a/3") })
	list, err := s.ListDocs(c, kind, "a/")
	if err != nil || len(list) != 2 || list[0].Name != "a/1" || list[1].Name != "a/2" {
		t.Fatalf("list a/: %+v %v", list, err)
	}
	if list, _ = s.ListDocs(c, kind, ""); len(list) != 4 {
		t.Fatalf("list all: %d documents", len(list))
	}
	if err := s.DeleteDoc(c, kind, "b"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetDoc(c, kind, "b"); !errors.Is(err, catalog.ErrNotFound) {
		t.Fatalf("get deleted: %v", err)
	}
	if err := s.DeleteDoc(c, kind, "b"); !errors.Is(err, catalog.ErrNotFound) {
		t.Fatalf("delete twice: %v", err)
	}

	// Concurrent read-modify-write by revision: every increment lands once.
	if _, err := s.PutDoc(c, catalog.Doc{Kind: kind, Name: "n", Body: []byte(`0`)}, 0); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for done := 0; done < 5; {
				d, err := s.GetDoc(c, kind, "n")
				if err != nil {
					t.Error(err)
					return
				}
				var n int
				fmt.Sscan(string(d.Body), &n)
				_, err = s.PutDoc(c, catalog.Doc{Kind: kind, Name: "n", Body: fmt.Appendf(nil, "%d", n+1)}, d.Rev)
				if errors.Is(err, catalog.ErrConflict) {
					continue
				}
				if err != nil {
					t.Error(err)
					return
				}
				done++
			}
		})
	}
	wg.Wait()
	if d, _ := s.GetDoc(c, kind, "n"); string(d.Body) != "20" || d.Rev != 21 {
		t.Fatalf("after concurrent increments: %s rev %d", d.Body, d.Rev)
	}
}

// updateDoc races catalog.UpdateDoc against itself from a missing
// document: the writers that lose the create (ErrExists) and those that
// lose an update (ErrConflict) read again, and every increment lands once.
func updateDoc(t *testing.T, s catalog.Store) {
	c := ctx(t)
	kind := Name(t)
	t.Cleanup(func() { s.DeleteDoc(ctx(t), kind, "n") })
	type counter struct{ N, Creates int }
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 5 {
				_, err := catalog.UpdateDoc(c, s, kind, "n", func(v *counter, exists bool) error {
					if !exists {
						v.Creates++
					}
					v.N++
					return nil
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	got, err := catalog.UpdateDoc(c, s, kind, "n", func(*counter, bool) error { return catalog.ErrNoChange })
	d, _ := s.GetDoc(c, kind, "n")
	if err != nil || got != (counter{N: 20, Creates: 1}) || d.Rev != 20 {
		t.Fatalf("after concurrent updates: %+v rev %d %v", got, d.Rev, err)
	}
}
