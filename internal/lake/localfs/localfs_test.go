package localfs

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/tarnlake/tarn/internal/lake"
	"github.com/tarnlake/tarn/internal/lake/laketest"
)

func TestConformance(t *testing.T) {
	laketest.Run(t, func(t *testing.T) lake.Store {
		s, err := Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestLayoutIsPlainFiles(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := s.CreateBucket(ctx, "lake"); err != nil {
		t.Fatal(err)
	}
	data := []byte("id,name\n1,a\n")
	if _, err := s.Put(ctx, "lake", "sales/dt=2026-11-24/part-0.csv", bytes.NewReader(data), lake.PutOptions{Size: -1}); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "lake", "sales", "dt=2026-11-24", "part-0.csv"))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("object is not a plain file at its key's path: %q, %v", got, err)
	}
}

func TestOpenRemovesLeftovers(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(dir); err != nil {
		t.Fatal(err)
	}
	left := filepath.Join(dir, ".tmp", "w-123")
	if err := os.WriteFile(left, []byte("half"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(left); !os.IsNotExist(err) {
		t.Fatalf("a crash's temporary file survived Open: %v", err)
	}
}

func BenchmarkPut16MiB(b *testing.B) { benchPut(b, 16<<20) }
func BenchmarkPut4KiB(b *testing.B)  { benchPut(b, 4<<10) }

func benchPut(b *testing.B, size int) {
	s, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	s.CreateBucket(ctx, "bench")
	data := bytes.Repeat([]byte("tarn"), size/4)
	b.SetBytes(int64(size))
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := s.Put(ctx, "bench", "obj", bytes.NewReader(data), lake.PutOptions{Size: int64(size)}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWriteFsync is the reference for BenchmarkPut*: the same bytes
// written to a file, fsynced and renamed, with nothing else.
func BenchmarkWriteFsync16MiB(b *testing.B) { benchWriteFsync(b, 16<<20) }
func BenchmarkWriteFsync4KiB(b *testing.B)  { benchWriteFsync(b, 4<<10) }

func benchWriteFsync(b *testing.B, size int) {
	dir := b.TempDir()
	data := bytes.Repeat([]byte("tarn"), size/4)
	b.SetBytes(int64(size))
	for b.Loop() {
		f, err := os.CreateTemp(dir, "w-*")
		if err != nil {
			b.Fatal(err)
		}
		f.Write(data)
		f.Sync()
		f.Close()
		if err := os.Rename(f.Name(), filepath.Join(dir, "obj")); err != nil {
			b.Fatal(err)
		}
	}
}
