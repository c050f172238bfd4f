package catalog_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tarnlake/tarn/internal/catalog"
	"github.com/tarnlake/tarn/internal/catalog/embedded"
)

type note struct{ Text string }

// racer is a store in which another writer changes the document between
// each read and write of UpdateDoc, as often as races says.
type racer struct {
	catalog.Documents
	races int
	race  func(ctx context.Context) error // the other writer
	puts  int                             // UpdateDoc's writes
}

func (r *racer) PutDoc(ctx context.Context, d catalog.Doc, rev int64) (catalog.Doc, error) {
	r.puts++
	if r.races > 0 {
		r.races--
		if err := r.race(ctx); err != nil {
			return catalog.Doc{}, err
		}
	}
	return r.Documents.PutDoc(ctx, d, rev)
}

func TestUpdateDoc(t *testing.T) {
	ctx := context.Background()
	s, err := embedded.Open(filepath.Join(t.TempDir(), "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	put := func(name, text string) {
		t.Helper()
		if _, err := s.PutDoc(ctx, catalog.Doc{Kind: "note", Name: name, Body: []byte(`{"Text":"` + text + `"}`)}, 0); err != nil {
			t.Fatal(err)
		}
	}
	get := func(name string) (note, int64) {
		t.Helper()
		d, err := s.GetDoc(ctx, "note", name)
		if err != nil {
			t.Fatal(err)
		}
		var n note
		if err := json.Unmarshal(d.Body, &n); err != nil {
			t.Fatal(err)
		}
		return n, d.Rev
	}
	appendText := func(suffix string) func(*note, bool) error {
		return func(n *note, exists bool) error {
			if !exists {
				n.Text = "new"
			}
			n.Text += suffix
			return nil
		}
	}

	t.Run("Create", func(t *testing.T) {
		got, err := catalog.UpdateDoc(ctx, s, "note", "create", appendText("+a"))
		if err != nil || got.Text != "new+a" {
			t.Fatalf("got %+v, %v", got, err)
		}
		if n, rev := get("create"); n.Text != "new+a" || rev != 1 {
			t.Fatalf("stored %+v rev %d", n, rev)
		}
	})

	t.Run("MissingIsTheCallersError", func(t *testing.T) {
		gone := errors.New("no such note")
		_, err := catalog.UpdateDoc(ctx, s, "note", "missing", func(_ *note, exists bool) error {
			if !exists {
				return gone
			}
			return nil
		})
		if err != gone {
			t.Fatalf("err %v, want the change function's", err)
		}
		if _, err := s.GetDoc(ctx, "note", "missing"); !errors.Is(err, catalog.ErrNotFound) {
			t.Fatalf("a failed change wrote: %v", err)
		}
	})

	t.Run("NoChange", func(t *testing.T) {
		put("same", "x")
		got, err := catalog.UpdateDoc(ctx, s, "note", "same", func(n *note, _ bool) error { return catalog.ErrNoChange })
		if err != nil || got.Text != "x" {
			t.Fatalf("got %+v, %v", got, err)
		}
		if _, rev := get("same"); rev != 1 {
			t.Fatalf("no change wrote revision %d", rev)
		}
	})

	// Another writer changes the document between UpdateDoc's read and
	// write, races times in a row.
	other := func(ctx context.Context, name string) error {
		_, err := catalog.UpdateDoc(ctx, s, "note", name, appendText("+other"))
		return err
	}
	theirs := func(ctx context.Context, name string) error {
		_, err := s.PutDoc(ctx, catalog.Doc{Kind: "note", Name: name, Body: []byte(`{"Text":"theirs"}`)}, catalog.AnyRev)
		return err
	}
	remove := func(ctx context.Context, name string) error { return s.DeleteDoc(ctx, "note", name) }
	for _, c := range []struct {
		name  string
		start string // the document's text; "": none
		races int
		race  func(ctx context.Context, name string) error
		want  string // "": UpdateDoc gives up
		puts  int    // UpdateDoc's writes
	}{
		{"UpdateRaced", "x", 3, other, "x+other+other+other+mine", 4},
		{"CreateRaced", "", 1, theirs, "theirs+mine", 2},
		{"DeleteRaced", "x", 1, remove, "new+mine", 2},
		{"GivesUp", "x", 1000, theirs, "", 16},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.start != "" {
				put(c.name, c.start)
			}
			r := &racer{Documents: s, races: c.races, race: func(ctx context.Context) error { return c.race(ctx, c.name) }}
			got, err := catalog.UpdateDoc(ctx, r, "note", c.name, appendText("+mine"))
			if r.puts != c.puts {
				t.Errorf("%d writes, want %d", r.puts, c.puts)
			}
			if c.want == "" {
				if !errors.Is(err, catalog.ErrConflict) || !strings.Contains(err.Error(), "16 attempts") {
					t.Fatalf("err %v, want a conflict after 16 attempts", err)
				}
				if n, _ := get(c.name); n.Text != "theirs" {
					t.Fatalf("stored %+v", n)
				}
				return
			}
			if err != nil || got.Text != c.want {
				t.Fatalf("got %+v, %v", got, err)
			}
			if n, _ := get(c.name); n != got {
				t.Fatalf("stored %+v, returned %+v", n, got)
			}
		})
	}

	t.Run("Undecodable", func(t *testing.T) {
		if _, err := s.PutDoc(ctx, catalog.Doc{Kind: "note", Name: "list", Body: []byte(`[1]`)}, 0); err != nil {
			t.Fatal(err)
		}
		called := false
		_, err := catalog.UpdateDoc(ctx, s, "note", "list", func(*note, bool) error { called = true; return nil })
		if err == nil || called || !strings.Contains(err.Error(), "note/list") {
			t.Fatalf("err %v, change called %v", err, called)
		}
	})
}
