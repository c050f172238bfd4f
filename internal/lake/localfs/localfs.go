// Package localfs is the lake's embedded backend: buckets are folders and
// objects are files under one root, written atomically (temporary file,
// fsync, rename, fsync of the folder), so a crash never shows half an object.
package localfs

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/tarnlake/tarn/internal/lake"
)

var (
	_ lake.Store      = (*Store)(nil)
	_ lake.LocalFiles = (*Store)(nil) // the query engine reads its files in place
)

// Store keeps buckets under Root. Root/.tmp holds files being written and
// Root/.uploads multipart uploads in progress; bucket names cannot start
// with a dot, so neither collides with a bucket.
type Store struct {
	root, tmp, uploads string
	keys               keyLocks // serialize replacing a key with DeleteIf's check
}

// Open prepares root and removes what a crash left half-written.
func Open(root string) (*Store, error) {
	root, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	s := &Store{root: root, tmp: filepath.Join(root, ".tmp"), uploads: filepath.Join(root, ".uploads")}
	if err := os.RemoveAll(s.tmp); err != nil {
		return nil, fmt.Errorf("clean %s: %w", s.tmp, err)
	}
	for _, d := range []string{root, s.tmp, s.uploads} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	// Probe for xattr support now rather than on the first write.
	f, err := os.CreateTemp(s.tmp, "probe-*")
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	if err := setMeta(f, meta{ETag: "probe"}); err != nil {
		return nil, err
	}
	return s, nil
}

// Close releases nothing: every operation opens and closes its own files.
func (s *Store) Close() error { return nil }

// Root is the folder that holds the buckets.
func (s *Store) Root() string { return s.root }

var (
	bucketRe    = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	badBucketRe = regexp.MustCompile(`\.\.|^\d+\.\d+\.\d+\.\d+$`)
)

// validBucket reports whether name follows S3's bucket naming rules.
func validBucket(name string) error {
	if !bucketRe.MatchString(name) || badBucketRe.MatchString(name) {
		return fmt.Errorf("%w: %q (3-63 lowercase letters, digits, dots and hyphens)", lake.ErrInvalidBucket, name)
	}
	return nil
}

func (s *Store) bucketDir(name string) (string, error) {
	if err := validBucket(name); err != nil {
		return "", err
	}
	dir := filepath.Join(s.root, name)
	if _, err := os.Stat(dir); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("%w: %s", lake.ErrNoSuchBucket, name)
		}
		return "", err
	}
	return dir, nil
}

// LocalPath returns the file that holds key in bucket, or for a prefix
// ending in "/" its folder: the lake as other programs on this machine (the
// query engine) read it in place.
func (s *Store) LocalPath(bucket, key string) (string, error) {
	key = strings.TrimSuffix(key, "/")
	if key == "" {
		return s.bucketDir(bucket)
	}
	_, p, err := s.objectPath(bucket, key)
	return p, err
}

func (s *Store) objectPath(bucket, key string) (string, string, error) {
	dir, err := s.bucketDir(bucket)
	if err != nil {
		return "", "", err
	}
	rel, err := keyToPath(key)
	if err != nil {
		return "", "", err
	}
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if !within(dir, p) { // encoding makes this impossible; checked all the same
		return "", "", fmt.Errorf("%w: %q escapes its bucket", lake.ErrInvalidKey, key)
	}
	return dir, p, nil
}

func (s *Store) CreateBucket(ctx context.Context, name string) error {
	if err := validBucket(name); err != nil {
		return err
	}
	dir := filepath.Join(s.root, name)
	if err := os.Mkdir(dir, 0o755); err != nil {
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("%w: %s", lake.ErrBucketExists, name)
		}
		return err
	}
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := setMeta(f, meta{Created: time.Now().UnixNano()}); err != nil {
		return err
	}
	return syncDir(s.root)
}

func (s *Store) DeleteBucket(ctx context.Context, name string) error {
	dir, err := s.bucketDir(name)
	if err != nil {
		return err
	}
	if err := os.Remove(dir); err != nil {
		if errors.Is(err, syscall.ENOTEMPTY) || errors.Is(err, syscall.EEXIST) {
			return fmt.Errorf("%w: %s", lake.ErrBucketNotEmpty, name)
		}
		return err
	}
	return syncDir(s.root)
}

func (s *Store) HeadBucket(ctx context.Context, name string) (lake.Bucket, error) {
	dir, err := s.bucketDir(name)
	if err != nil {
		return lake.Bucket{}, err
	}
	m, err := getMeta(dir)
	if err != nil {
		return lake.Bucket{}, err
	}
	return lake.Bucket{Name: name, Created: time.Unix(0, m.Created).UTC()}, nil
}

func (s *Store) ListBuckets(ctx context.Context) ([]lake.Bucket, error) {
	entries, err := os.ReadDir(s.root)
	if err != nil {
		return nil, err
	}
	var out []lake.Bucket
	for _, e := range entries {
		if !e.IsDir() || validBucket(e.Name()) != nil {
			continue
		}
		b, err := s.HeadBucket(ctx, e.Name())
		if err != nil {
			continue // removed meanwhile
		}
		out = append(out, b)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// writeTemp copies r into a new file under .tmp, hashing it with MD5, and
// syncs it. The caller renames or removes the returned file.
func (s *Store) writeTemp(r io.Reader, size int64, wantMD5 []byte, m *meta) (path string, n int64, sum []byte, err error) {
	f, err := os.CreateTemp(s.tmp, "w-*")
	if err != nil {
		return "", 0, nil, err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(f.Name())
		}
	}()
	n, sum, err = copyHashed(&writeBehind{f: f}, r, size)
	if err != nil {
		return f.Name(), n, nil, err
	}
	if size >= 0 && n != size {
		return f.Name(), n, nil, fmt.Errorf("%w: got %d bytes, expected %d", lake.ErrIncompleteBody, n, size)
	}
	if wantMD5 != nil && !bytes.Equal(sum, wantMD5) {
		return f.Name(), n, nil, fmt.Errorf("%w: sent %x, received %x", lake.ErrBadDigest, wantMD5, sum)
	}
	if m != nil {
		if m.ETag == "" {
			m.ETag = hex.EncodeToString(sum)
		}
		if err := setMeta(f, *m); err != nil {
			return f.Name(), n, nil, err
		}
	}
	return f.Name(), n, sum, f.Sync()
}

// place renames tmp to dst, creating parent folders, and makes it durable.
// An object it replaces is first linked into .tmp and removed in the
// background: freeing a large file's blocks would otherwise hold up the
// rename, and so the writer's acknowledgement.
func (s *Store) place(bucketDir, tmp, dst string) error {
	trash := tmp + ".old"
	if err := os.Link(dst, trash); err == nil {
		defer func() { go os.Remove(trash) }()
	}
	for attempt := 0; ; attempt++ {
		if err := mkdirAllSync(bucketDir, filepath.Dir(dst)); err != nil {
			return err
		}
		unlock := s.keys.lock(dst)
		err := os.Rename(tmp, dst)
		unlock()
		if err == nil {
			return syncDir(filepath.Dir(dst))
		}
		switch {
		case errors.Is(err, os.ErrNotExist) && attempt < 5:
			continue // a delete removed the emptied parent meanwhile
		case errors.Is(err, syscall.EISDIR), errors.Is(err, syscall.EEXIST), errors.Is(err, syscall.ENOTEMPTY):
			return fmt.Errorf("%w: keys exist below it", lake.ErrKeyConflict)
		}
		return err
	}
}

// mkdirAllSync creates dir and its missing parents below base, syncing each
// parent whose entries changed so the new path survives a crash.
func mkdirAllSync(base, dir string) error {
	if dir == base {
		return nil
	}
	if fi, err := os.Stat(dir); err == nil {
		if !fi.IsDir() {
			return fmt.Errorf("%w: a key is stored where a folder of this key must be", lake.ErrKeyConflict)
		}
		return nil
	}
	parent := filepath.Dir(dir)
	if err := mkdirAllSync(base, parent); err != nil {
		return err
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		if errors.Is(err, os.ErrExist) {
			return nil
		}
		if errors.Is(err, syscall.ENOTDIR) {
			return fmt.Errorf("%w: a key is stored where a folder of this key must be", lake.ErrKeyConflict)
		}
		return err
	}
	return syncDir(parent)
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = f.Sync()
	return errors.Join(err, f.Close())
}

// writeBehind starts writeback of every few MiB as it is written, so that the
// final fsync of a large object waits for little more than its last chunk.
type writeBehind struct {
	f         *os.File
	off, sent int64
}

const writeBehindChunk = 1 << 20

func (w *writeBehind) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	w.off += int64(n)
	if w.off-w.sent >= writeBehindChunk {
		// Best effort: a failure here shows up again at fsync.
		unix.SyncFileRange(int(w.f.Fd()), w.sent, w.off-w.sent, unix.SYNC_FILE_RANGE_WRITE)
		w.sent = w.off
	}
	return n, err
}
