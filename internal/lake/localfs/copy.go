package localfs

import (
	"crypto/md5"
	"hash"
	"io"
	"sync"
)

const (
	copyBuf  = 1 << 20
	copyBufs = 4
)

// smallObject is the size up to which hashing in line beats handing off.
const smallObject = 256 << 10

var (
	bufPool   = sync.Pool{New: func() any { b := make([]byte, copyBuf); return &b }}
	smallPool = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}
)

// copyHashed copies r to w and returns the MD5 of what it copied. The hash
// runs on its own goroutine, a few buffers behind the writes, so that for
// large objects hashing overlaps the disk rather than adding to it.
func copyHashed(w io.Writer, r io.Reader, size int64) (n int64, sum []byte, err error) {
	h := md5.New()
	if size >= 0 && size <= smallObject {
		// Small objects: one pass, one small buffer, no goroutine.
		b := smallPool.Get().(*[]byte)
		defer smallPool.Put(b)
		n, err = io.CopyBuffer(io.MultiWriter(w, h), r, *b)
		return n, h.Sum(nil), err
	}
	free := make(chan *[]byte, copyBufs)
	for range copyBufs {
		free <- bufPool.Get().(*[]byte)
	}
	type chunk struct {
		b *[]byte
		n int
	}
	work := make(chan chunk, copyBufs)
	done := make(chan struct{})
	go func(h hash.Hash) {
		defer close(done)
		for c := range work {
			h.Write((*c.b)[:c.n])
			free <- c.b
		}
	}(h)
	finish := func() {
		close(work)
		<-done
		for range copyBufs {
			bufPool.Put(<-free)
		}
	}
	for {
		b := <-free
		m, rerr := fill(r, *b)
		if m > 0 {
			work <- chunk{b, m}
			if _, werr := w.Write((*b)[:m]); werr != nil {
				finish()
				return n, nil, werr
			}
			n += int64(m)
		} else {
			free <- b
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			finish()
			return n, nil, rerr
		}
	}
	finish()
	return n, h.Sum(nil), nil
}

// fill reads until b is full or r ends; io.EOF is returned only for a clean
// end, any other error as the reader gave it.
func fill(r io.Reader, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := r.Read(b[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
