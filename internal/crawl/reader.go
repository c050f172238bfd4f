package crawl

import (
	"context"
	"fmt"
	"io"

	"github.com/tarnlake/tarn/internal/lake"
)

// readWindow is how much one ranged GET fetches: enough for a Parquet
// footer or a text file's first records in one or a few requests.
const readWindow = 256 << 10

// objectReader reads an object by ranged GETs through a one-window cache,
// so classifiers can ReadAt small pieces without a request each.
type objectReader struct {
	ctx     context.Context
	objs    lake.Objects
	bucket  string
	key     string
	size    int64
	buf     []byte
	bufOff  int64
	reads   int
	fetched int64
}

func (o *objectReader) bytesFetched() int64 { return o.fetched }

func (o *objectReader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("read %s: negative offset", o.key)
	}
	n := 0
	for len(p) > 0 {
		if off >= o.size {
			return n, io.EOF
		}
		if off < o.bufOff || off >= o.bufOff+int64(len(o.buf)) {
			if err := o.fill(off, len(p)); err != nil {
				return n, err
			}
		}
		c := copy(p, o.buf[off-o.bufOff:])
		n += c
		p = p[c:]
		off += int64(c)
	}
	return n, nil
}

// fill fetches a window holding off; near the end of the object the window
// reaches back, so a footer and its length arrive together.
func (o *objectReader) fill(off int64, want int) error {
	w := int64(max(want, readWindow))
	start, end := off, min(off+w, o.size)
	if end-start < w {
		start = max(0, end-w)
	}
	rc, _, err := o.objs.Get(o.ctx, o.bucket, o.key, &lake.Range{Start: start, End: end - 1})
	if err != nil {
		return fmt.Errorf("read %s: %w", o.key, err)
	}
	defer rc.Close()
	if cap(o.buf) < int(end-start) {
		o.buf = make([]byte, end-start)
	}
	o.buf = o.buf[:end-start]
	if _, err := io.ReadFull(rc, o.buf); err != nil {
		o.buf = o.buf[:0]
		return fmt.Errorf("read %s at %d: %w", o.key, start, err)
	}
	o.bufOff = start
	o.reads++
	o.fetched += end - start
	return nil
}
