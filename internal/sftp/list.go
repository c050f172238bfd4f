package sftp

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/pkg/sftp"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/lake"
)

// Filelist answers List (opendir/readdir), Stat and Lstat (the lake has
// no links) and Readlink.
func (f *fsys) Filelist(r *sftp.Request) (_ sftp.ListerAt, err error) {
	defer f.recovered(r.Method, &err)
	p := parsePath(r.Filepath)
	switch r.Method {
	case "List":
		l, err := f.list(p)
		return l, f.fail("ls", p, err)
	case "Stat", "Lstat":
		fi, err := f.stat(p)
		if err != nil {
			return nil, f.fail("stat", p, err)
		}
		return listOf{fi}, nil
	case "Readlink":
		return nil, fmt.Errorf("%w: readlink %s: the lake has no symbolic links", sftp.ErrSSHFxOpUnsupported, p)
	}
	return nil, fmt.Errorf("%w: %s", sftp.ErrSSHFxOpUnsupported, r.Method)
}

// stat describes p. Inside a bucket it needs read, except that a key
// that may only write still learns whether a path is a directory, so
// that a drop box's users can cd into it and put files into it.
func (f *fsys) stat(p lpath) (os.FileInfo, error) {
	if p.bucket == "" {
		return dirInfo{name: "/"}, nil
	}
	k, err := f.key()
	if err != nil {
		return nil, err
	}
	if !sees(k, p.bucket) {
		return nil, denied(k, access.Read, p.bucket)
	}
	if p.key == "" {
		b, err := f.store.HeadBucket(f.ctx, p.bucket)
		if err != nil {
			return nil, err
		}
		return dirInfo{name: p.bucket, mod: b.Created}, nil
	}
	read := k.Allowed(access.Read, access.Bucket(p.bucket))
	if read {
		oi, err := f.store.Head(f.ctx, p.bucket, p.key)
		if err == nil {
			return fileInfo{name: base(p.key), size: oi.Size, mod: oi.LastModified}, nil
		}
		if !errors.Is(err, lake.ErrNoSuchKey) {
			return nil, err
		}
	}
	if f.sessionDir(p) {
		return dirInfo{name: base(p.key)}, nil
	}
	ok, err := f.hasPrefix(p.bucket, p.key+"/")
	if err != nil {
		return nil, err
	}
	if ok {
		return dirInfo{name: base(p.key)}, nil
	}
	if !read {
		return nil, denied(k, access.Read, p.bucket)
	}
	return nil, fmt.Errorf("%w: %s/%s", lake.ErrNoSuchKey, p.bucket, p.key)
}

// list opens a listing of p: the visible buckets at the root, else the
// objects and directories right below p.
func (f *fsys) list(p lpath) (sftp.ListerAt, error) {
	k, err := f.key()
	if err != nil {
		return nil, err
	}
	if p.bucket == "" {
		bs, err := f.store.ListBuckets(f.ctx)
		if err != nil {
			return nil, err
		}
		var out listOf
		for _, b := range bs {
			if sees(k, b.Name) {
				out = append(out, dirInfo{name: b.Name, mod: b.Created})
			}
		}
		return out, nil
	}
	if !k.Allowed(access.Read, access.Bucket(p.bucket)) {
		return nil, denied(k, access.Read, p.bucket)
	}
	prefix := ""
	if p.key != "" {
		prefix = p.key + "/"
	}
	l := &lister{f: f, bucket: p.bucket, prefix: prefix, more: true, extra: f.sessionDirsIn(p)}
	if err := l.fetch(); err != nil {
		return nil, err
	}
	if !l.listed && p.key != "" && len(l.extra) == 0 && !f.sessionDir(p) {
		// Nothing below p: p is a file, or nothing at all.
		if _, err := f.store.Head(f.ctx, p.bucket, p.key); err == nil {
			return nil, errNotDir
		} else if !errors.Is(err, lake.ErrNoSuchKey) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %s/%s", lake.ErrNoSuchKey, p.bucket, p.key)
	}
	return l, nil
}

// listPage is how many keys a listing asks the store for at a time.
const listPage = 1000

// lister reads a directory page by page as the client reads it, keeping
// only the entries not handed out yet: a directory of a million keys
// costs a page of memory, not a million entries.
type lister struct {
	f              *fsys
	bucket, prefix string
	after          string // StartAfter for the next page
	more           bool   // the store has more pages
	listed         bool   // the store listed something, a "dir/" marker at least
	buf            []os.FileInfo
	base           int64           // the offset of buf[0]
	extra          map[string]bool // session directories not listed by the store (yet)
}

func (l *lister) ListAt(dst []os.FileInfo, off int64) (_ int, err error) {
	defer l.f.recovered("ls", &err)
	if off < l.base {
		return 0, fmt.Errorf("%w: listing read backwards", sftp.ErrSSHFxFailure)
	}
	if skip := min(off-l.base, int64(len(l.buf))); skip > 0 {
		l.buf, l.base = l.buf[skip:], l.base+skip
	}
	for int64(len(l.buf)) < off-l.base+int64(len(dst)) && l.more {
		if err := l.fetch(); err != nil {
			return 0, l.f.fail("ls", lpath{l.bucket, l.prefix}, err)
		}
	}
	if !l.more && len(l.extra) > 0 {
		for name := range l.extra {
			l.buf = append(l.buf, dirInfo{name: name})
		}
		l.extra = nil
	}
	if off-l.base >= int64(len(l.buf)) {
		return 0, io.EOF
	}
	n := copy(dst, l.buf[off-l.base:])
	if n < len(dst) {
		return n, io.EOF
	}
	return n, nil
}

// fetch appends the store's next page to buf.
func (l *lister) fetch() error {
	res, err := l.f.store.List(l.f.ctx, l.bucket, lake.ListOptions{Prefix: l.prefix, Delimiter: "/",
		StartAfter: l.after, MaxKeys: listPage})
	if err != nil {
		return err
	}
	l.listed = l.listed || len(res.Objects) > 0 || len(res.CommonPrefixes) > 0
	for _, o := range res.Objects {
		if name := o.Key[len(l.prefix):]; name != "" { // "dir/" itself, as the S3 console makes
			l.buf = append(l.buf, fileInfo{name: name, size: o.Size, mod: o.LastModified})
		}
	}
	for _, cp := range res.CommonPrefixes {
		name := cp[len(l.prefix) : len(cp)-1]
		if name == "" {
			continue // "dir//": a key with an empty segment, not reachable by path
		}
		delete(l.extra, name)
		l.buf = append(l.buf, dirInfo{name: name})
	}
	l.more = res.Truncated && res.Next > l.after
	l.after = res.Next
	return nil
}

// listOf is a listing already in memory.
type listOf []os.FileInfo

func (l listOf) ListAt(dst []os.FileInfo, off int64) (int, error) {
	if off >= int64(len(l)) {
		return 0, io.EOF
	}
	n := copy(dst, l[off:])
	if n < len(dst) {
		return n, io.EOF
	}
	return n, nil
}

// base is the last segment of a key.
func base(key string) string {
	for i := len(key) - 1; i >= 0; i-- {
		if key[i] == '/' {
			return key[i+1:]
		}
	}
	return key
}

// fileInfo describes an object.
type fileInfo struct {
	name string
	size int64
	mod  time.Time
}

func (fi fileInfo) Name() string       { return fi.name }
func (fi fileInfo) Size() int64        { return fi.size }
func (fi fileInfo) Mode() os.FileMode  { return 0o644 }
func (fi fileInfo) ModTime() time.Time { return fi.mod }
func (fi fileInfo) IsDir() bool        { return false }
func (fi fileInfo) Sys() any           { return nil }

// dirInfo describes the root, a bucket or a key prefix.
type dirInfo struct {
	name string
	mod  time.Time
}

func (di dirInfo) Name() string       { return di.name }
func (di dirInfo) Size() int64        { return 0 }
func (di dirInfo) Mode() os.FileMode  { return os.ModeDir | 0o755 }
func (di dirInfo) ModTime() time.Time { return di.mod }
func (di dirInfo) IsDir() bool        { return true }
func (di dirInfo) Sys() any           { return nil }
