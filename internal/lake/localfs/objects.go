package localfs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"

	"github.com/tarnlake/tarn/internal/lake"
)

func (s *Store) Put(ctx context.Context, bucket, key string, r io.Reader, opts lake.PutOptions) (lake.ObjectInfo, error) {
	dir, dst, err := s.objectPath(bucket, key)
	if err != nil {
		return lake.ObjectInfo{}, err
	}
	m := meta{ContentType: opts.ContentType, Headers: opts.Headers, Metadata: opts.Metadata, Tags: opts.Tags}
	tmp, _, _, err := s.writeTemp(r, opts.Size, opts.MD5, &m)
	if err != nil {
		return lake.ObjectInfo{}, fmt.Errorf("put %s/%s: %w", bucket, key, err)
	}
	if err := s.place(dir, tmp, dst); err != nil {
		os.Remove(tmp)
		return lake.ObjectInfo{}, fmt.Errorf("put %s/%s: %w", bucket, key, err)
	}
	fi, err := os.Stat(dst)
	if err != nil {
		return lake.ObjectInfo{}, err
	}
	return info(key, fi, m), nil
}

// open opens key's file; a folder or a missing file is ErrNoSuchKey.
func (s *Store) open(bucket, key string) (*os.File, lake.ObjectInfo, error) {
	f, fi, m, err := s.openMeta(bucket, key)
	if err != nil {
		return nil, lake.ObjectInfo{}, err
	}
	return f, info(key, fi, m), nil
}

// openMeta opens key's file and reads its metadata from the open file.
func (s *Store) openMeta(bucket, key string) (*os.File, os.FileInfo, meta, error) {
	_, p, err := s.objectPath(bucket, key)
	if err != nil {
		return nil, nil, meta{}, err
	}
	return openPath(p, bucket, key)
}

// openPath is openMeta on the path that objectPath gave for bucket and key.
func openPath(p, bucket, key string) (*os.File, os.FileInfo, meta, error) {
	f, err := os.Open(p)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
			return nil, nil, meta{}, fmt.Errorf("%w: %s/%s", lake.ErrNoSuchKey, bucket, key)
		}
		return nil, nil, meta{}, err
	}
	fi, err := f.Stat()
	if err == nil && fi.IsDir() {
		err = fmt.Errorf("%w: %s/%s", lake.ErrNoSuchKey, bucket, key)
	}
	var m meta
	if err == nil {
		m, err = getMetaFile(f)
	}
	if err != nil {
		f.Close()
		return nil, nil, meta{}, err
	}
	return f, fi, m, nil
}

func (s *Store) Head(ctx context.Context, bucket, key string) (lake.ObjectInfo, error) {
	f, oi, err := s.open(bucket, key)
	if err != nil {
		return oi, err
	}
	return oi, f.Close()
}

// Get returns the *os.File itself for whole objects, so that serving it over
// HTTP can use sendfile.
func (s *Store) Get(ctx context.Context, bucket, key string, rng *lake.Range) (io.ReadCloser, lake.ObjectInfo, error) {
	f, oi, err := s.open(bucket, key)
	if err != nil || rng == nil {
		return f, oi, err
	}
	start, n, err := lake.Resolve(*rng, oi.Size)
	if err != nil {
		f.Close()
		return nil, oi, err
	}
	if _, err := f.Seek(start, io.SeekStart); err != nil {
		f.Close()
		return nil, oi, err
	}
	return &section{LimitedReader: io.LimitedReader{R: f, N: n}, f: f}, oi, nil
}

type section struct {
	io.LimitedReader
	f *os.File
}

func (s *section) Close() error { return s.f.Close() }

func (s *Store) Delete(ctx context.Context, bucket, key string) error {
	dir, p, err := s.objectPath(bucket, key)
	if err != nil {
		return err
	}
	if fi, err := os.Lstat(p); err == nil && fi.IsDir() {
		return nil // a folder of other keys, not an object
	}
	if err := os.Remove(p); err != nil {
		if errors.Is(err, os.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
			return nil
		}
		return fmt.Errorf("delete %s/%s: %w", bucket, key, err)
	}
	return removed(dir, p)
}

// removed makes the removal of the object at p durable and removes the
// folders it emptied below the bucket's folder dir, so that listings show
// no stale prefixes.
func removed(dir, p string) error {
	parent := filepath.Dir(p)
	if err := syncDir(parent); err != nil {
		return err
	}
	for parent != dir && within(dir, parent) {
		if os.Remove(parent) != nil {
			break
		}
		parent = filepath.Dir(parent)
	}
	return nil
}
