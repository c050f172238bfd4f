package sftp

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"path"
	"slices"
	"sync"

	"github.com/pkg/sftp"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/lake"
)

// Filewrite opens an upload: the object appears when the client closes
// the file.
func (f *fsys) Filewrite(r *sftp.Request) (_ io.WriterAt, err error) {
	defer f.recovered("put", &err)
	p := parsePath(r.Filepath)
	u, err := f.openWrite(p, r.Pflags())
	if err != nil {
		return nil, f.fail("put", p, err)
	}
	return u, nil
}

// OpenFile is Filewrite for files opened to read and write (as
// pkg/sftp's client Create does); reading them is refused.
func (f *fsys) OpenFile(r *sftp.Request) (sftp.WriterAtReaderAt, error) {
	w, err := f.Filewrite(r)
	if err != nil {
		return nil, err
	}
	return w.(*upload), nil
}

func (f *fsys) openWrite(p lpath, flags sftp.FileOpenFlags) (*upload, error) {
	if p.key == "" {
		return nil, errIsDir
	}
	if flags.Append {
		return nil, fmt.Errorf("%w: put %s: appending is not supported: an object is written whole, so upload the whole file",
			sftp.ErrSSHFxOpUnsupported, p)
	}
	if err := f.need(access.Write, p.bucket); err != nil {
		return nil, err
	}
	if _, err := lake.KeyPath(p.key); err != nil { // an invalid key fails now, not after the upload
		return nil, err
	}
	if _, err := f.store.HeadBucket(f.ctx, p.bucket); err != nil {
		return nil, err
	}
	if f.isDir(p) {
		return nil, errIsDir
	}
	if flags.Excl {
		if _, err := f.store.Head(f.ctx, p.bucket, p.key); err == nil {
			return nil, errExists
		} else if !errors.Is(err, lake.ErrNoSuchKey) {
			return nil, err
		}
	}
	pr, pw := io.Pipe()
	u := &upload{f: f, p: p, pw: pw, done: make(chan struct{}), pending: map[int64][]byte{}}
	go u.put(pr)
	return u, nil
}

// upload streams a file's bytes into lake.Put through a pipe, in order.
// The store makes the object visible only when the pipe ends cleanly
// (Close); any failure, a refused write or a lost connection ends the
// pipe with an error, and the store keeps nothing.
//
// Clients send writes at increasing offsets, several in flight, and
// pkg/sftp hands them to us from several workers, so they arrive a little
// out of order: writes ahead of the stream wait in pending, within
// Options.MaxWriteBuffer and the server's BufferBytes.
type upload struct {
	f  *fsys
	p  lpath
	pw *io.PipeWriter

	done   chan struct{} // put returned
	info   lake.ObjectInfo
	putErr error

	mu      sync.Mutex
	next    int64            // bytes handed to the store
	pending map[int64][]byte // writes ahead of next, by offset
	held    int64            // bytes in pending
	err     error            // the first failure: the upload can only be aborted now
	told    error            // err as the client was told, logged once
	closed  bool
}

var _ sftp.WriterAtReaderAt = (*upload)(nil)

func (u *upload) put(pr *io.PipeReader) {
	defer close(u.done)
	opts := lake.PutOptions{Size: -1, ContentType: mime.TypeByExtension(path.Ext(u.p.key))}
	u.info, u.putErr = u.f.store.Put(u.f.ctx, u.p.bucket, u.p.key, pr, opts)
	// Writers blocked on the pipe must not wait for a reader that left.
	err := u.putErr
	if err == nil {
		err = io.ErrClosedPipe
	}
	pr.CloseWithError(err)
}

func (u *upload) WriteAt(b []byte, off int64) (_ int, err error) {
	defer u.f.recovered("put", &err)
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.err == nil && u.closed {
		u.err = fmt.Errorf("%w: write after close", errUpload)
	}
	if u.err == nil {
		u.err = u.write(b, off)
	}
	if u.err != nil {
		u.abort()
		if u.told == nil {
			u.told = u.f.fail("put", u.p, u.err)
		}
		return 0, u.told
	}
	return len(b), nil
}

// write takes one write; u.mu is held.
func (u *upload) write(b []byte, off int64) error {
	if len(b) == 0 {
		return nil
	}
	limit := u.f.srv.opts.MaxWriteBuffer
	switch {
	case off < u.next:
		return fmt.Errorf("%w: a write at offset %d, but the first %d bytes are stored already: "+
			"a file is uploaded front to back, each byte once", errUpload, off, u.next)
	case off > u.next:
		if _, dup := u.pending[off]; dup {
			return fmt.Errorf("%w: two writes at offset %d", errUpload, off)
		}
		if off+int64(len(b))-u.next > limit {
			return fmt.Errorf("%w: a write at offset %d is %d bytes ahead of the %d bytes stored; "+
				"writes may run at most %d bytes ahead of the first one missing", errUpload, off, off-u.next, u.next, limit)
		}
		if !u.f.srv.buffers.take(int64(len(b))) {
			return fmt.Errorf("%w: the server's upload buffers are full; retry with fewer writes in flight", errUpload)
		}
		u.pending[off] = slices.Clone(b)
		u.held += int64(len(b))
		return nil
	}
	if err := u.push(b); err != nil {
		return err
	}
	for {
		c, ok := u.pending[u.next]
		if !ok {
			return nil
		}
		delete(u.pending, u.next)
		u.held -= int64(len(c))
		u.f.srv.buffers.give(int64(len(c)))
		if err := u.push(c); err != nil {
			return err
		}
	}
}

// push hands b to the store; it blocks while the store writes.
func (u *upload) push(b []byte) error {
	n, err := u.pw.Write(b)
	u.next += int64(n)
	return err
}

// abort ends the pipe with u.err and frees what waits; u.mu is held.
func (u *upload) abort() {
	u.pw.CloseWithError(u.err)
	for off, c := range u.pending {
		u.f.srv.buffers.give(int64(len(c)))
		delete(u.pending, off)
	}
	u.held = 0
}

// ReadAt refuses: the object does not exist until the file is closed.
func (u *upload) ReadAt([]byte, int64) (int, error) {
	return 0, fmt.Errorf("%w: read %s: a file open for writing cannot be read before it is closed",
		sftp.ErrSSHFxOpUnsupported, u.p)
}

// TransferError is pkg/sftp's word that the connection ended with the
// file open: the upload is aborted (Close follows).
func (u *upload) TransferError(err error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.err == nil {
		u.err = fmt.Errorf("%w: the connection ended before the file was closed (%v)", errUpload, err)
		u.told = u.err
	}
	u.abort()
}

// Close makes the object, if every byte arrived and no write failed, and
// returns once it is durable and its event logged; else it aborts.
func (u *upload) Close() (err error) {
	defer u.f.recovered("put", &err)
	u.mu.Lock()
	if u.closed {
		u.mu.Unlock()
		return nil
	}
	u.closed = true
	if u.err == nil && len(u.pending) > 0 {
		first := int64(-1)
		for off := range u.pending {
			if first < 0 || off < first {
				first = off
			}
		}
		u.err = fmt.Errorf("%w: bytes %d to %d never arrived; %d bytes were written after them",
			errUpload, u.next, first-1, u.held)
	}
	failed := u.err
	if failed != nil {
		u.abort()
	} else {
		u.pw.Close()
	}
	told := u.told
	u.mu.Unlock()

	<-u.done
	m := u.f.srv.metrics
	if failed == nil && u.putErr == nil {
		m.uploads.WithLabelValues("ok").Inc()
		m.bytes.WithLabelValues("in").Add(float64(u.info.Size))
		u.f.log.Info("sftp: uploaded", "path", u.p.String(), "size", u.info.Size, "etag", u.info.ETag)
		return nil
	}
	m.uploads.WithLabelValues("failed").Inc()
	if failed == nil {
		failed = u.putErr
	}
	u.f.log.Info("sftp: upload failed", "path", u.p.String(), "err", failed)
	if told != nil {
		return told
	}
	return u.f.fail("put", u.p, failed)
}

// budget bounds the bytes all uploads hold out of order.
type budget struct {
	mu          sync.Mutex
	used, limit int64
}

func (b *budget) take(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used+n > b.limit {
		return false
	}
	b.used += n
	return true
}

func (b *budget) give(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.used -= n
}
