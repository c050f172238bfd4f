package sftp

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"

	"github.com/pkg/sftp"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/lake"
)

const (
	// readWindow is how many bytes a reader keeps behind its stream for
	// reads that arrive out of order: clients keep many reads in flight
	// and pkg/sftp answers them from several workers.
	readWindow = 512 << 10
	// readSkip is how far ahead of its stream a read may start and still
	// be served by reading on; further, the reader reopens the object
	// there.
	readSkip = 1 << 20
)

// Fileread opens an object for reading; it needs read on the bucket.
func (f *fsys) Fileread(r *sftp.Request) (_ io.ReaderAt, err error) {
	defer f.recovered("get", &err)
	p := parsePath(r.Filepath)
	rd, err := f.openRead(p)
	return rd, f.fail("get", p, err)
}

func (f *fsys) openRead(p lpath) (*reader, error) {
	if p.key == "" {
		return nil, errIsDir
	}
	if err := f.need(access.Read, p.bucket); err != nil {
		return nil, err
	}
	oi, err := f.store.Head(f.ctx, p.bucket, p.key)
	if errors.Is(err, lake.ErrNoSuchKey) && f.isDir(p) {
		return nil, errIsDir
	}
	if err != nil {
		return nil, err
	}
	return &reader{f: f, p: p, etag: oi.ETag, size: oi.Size}, nil
}

// isDir reports whether p, not an object, is a directory.
func (f *fsys) isDir(p lpath) bool {
	dir, _ := f.hasPrefix(p.bucket, p.key+"/")
	return dir || f.sessionDir(p)
}

// reader serves ReadAt from one stream of the object read front to back,
// with a window of the bytes just read, so that reads a little out of
// order cost neither a request to the store each nor a reopen.
type reader struct {
	f        *fsys
	p        lpath
	etag     string // the version opened: a reopen must find it
	size     int64
	mu       sync.Mutex
	rc       io.ReadCloser // positioned at pos
	pos      int64
	win      []byte // the bytes [pos-len(win), pos)
	sent     int64
	reported bool
}

func (r *reader) ReadAt(p []byte, off int64) (_ int, err error) {
	defer r.f.recovered("get", &err)
	r.mu.Lock()
	defer r.mu.Unlock()
	if off < 0 {
		return 0, fmt.Errorf("%w: negative offset", sftp.ErrSSHFxFailure)
	}
	if off >= r.size {
		return 0, io.EOF
	}
	end := min(off+int64(len(p)), r.size)
	if r.rc == nil || off < r.pos-int64(len(r.win)) || off > r.pos+readSkip {
		if err := r.reopen(off); err != nil {
			return 0, r.f.fail("get", r.p, err)
		}
	}
	if need := int(end - r.pos); need > 0 {
		r.win = slices.Grow(r.win, need)
		n, err := io.ReadFull(r.rc, r.win[len(r.win):len(r.win)+need])
		r.win, r.pos = r.win[:len(r.win)+n], r.pos+int64(n)
		if err != nil {
			r.drop()
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				err = fmt.Errorf("%w: it ended early", errChanged)
			}
			return 0, r.f.fail("get", r.p, err)
		}
	}
	start := int64(len(r.win)) - (r.pos - off)
	n := copy(p, r.win[start:start+end-off])
	if len(r.win) > 2*readWindow {
		r.win = r.win[:copy(r.win, r.win[len(r.win)-readWindow:])]
	}
	r.sent += int64(n)
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// reopen starts a new stream at off, of the version first opened.
func (r *reader) reopen(off int64) error {
	r.drop()
	var rng *lake.Range
	if off > 0 {
		rng = &lake.Range{Start: off, End: -1}
	}
	rc, oi, err := r.f.store.Get(r.f.ctx, r.p.bucket, r.p.key, rng)
	if err != nil {
		return err
	}
	if oi.ETag != r.etag {
		rc.Close()
		return fmt.Errorf("%w: it was replaced", errChanged)
	}
	r.rc, r.pos = rc, off
	return nil
}

func (r *reader) drop() {
	if r.rc != nil {
		r.rc.Close()
		r.rc = nil
	}
	r.win = r.win[:0]
}

func (r *reader) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.drop()
	r.win = nil
	if !r.reported {
		r.reported = true
		r.f.srv.metrics.bytes.WithLabelValues("out").Add(float64(r.sent))
	}
	return nil
}
