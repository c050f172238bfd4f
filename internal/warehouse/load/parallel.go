package load

import (
	"bytes"
	"io"
	"runtime"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/tarnlake/tarn/internal/warehouse"
)

// A TEXT or CSV file is read by several goroutines: one cuts the
// decompressed text into chunks of whole records, workers split and
// convert the chunks, and the caller's goroutine emits their rows in file
// order. Cutting needs the splitter only where a record may run over a
// line (a line with a quote in CSV, a backslash in TEXT with ESCAPE), so
// it costs little more than finding the lines.

// chunkBytes is about how much text one chunk holds (a variable for
// tests, which cut at every record).
var chunkBytes = 1 << 20

type chunk struct {
	data []byte
	line int64 // physical lines before it
	done chan chunkResult
}

type chunkResult struct {
	rec arrow.RecordBatch // nil when no row was good
	n   int64
	bad []LoadError
	err error
}

// readDelimited reads a TEXT or CSV file into batches, a chunk's rows
// each.
func readDelimited(r io.Reader, rd *rowReader, emit func(arrow.RecordBatch) error) error {
	stop := make(chan struct{})
	workers := max(1, runtime.GOMAXPROCS(0))
	order := make(chan *chunk, 2*workers)
	work := make(chan *chunk, 2*workers)
	var wg sync.WaitGroup
	// Returning early (emit failed), the reader is not left reading r,
	// which the caller closes next, nor the workers converting.
	defer func() {
		close(stop)
		for range order {
		}
		wg.Wait()
	}()
	wg.Go(func() {
		defer close(order)
		defer close(work)
		cutChunks(r, rd.c, func(c *chunk) bool {
			select {
			case order <- c:
			case <-stop:
				return false
			}
			if c.data != nil {
				work <- c // never blocks for long: order bounds the chunks out
			}
			return true
		})
	})
	for range workers {
		wg.Go(func() {
			for c := range work {
				c.done <- convertChunk(c, rd)
			}
		})
	}
	for c := range order {
		res := <-c.done
		if res.err != nil {
			return res.err
		}
		if room := MaxKept - len(rd.bad); room > 0 {
			rd.bad = append(rd.bad, res.bad[:min(room, len(res.bad))]...)
		}
		rd.rows += res.n
		if res.rec != nil {
			if err := emit(res.rec); err != nil {
				return err
			}
		}
	}
	return nil
}

// cutChunks reads r's lines into chunks of whole records and hands them to
// send, stopping when it returns false. A read error ends it with a chunk
// that carries the error and no text.
func cutChunks(r io.Reader, c *config, send func(*chunk) bool) {
	lr := newLineReader(r)
	var cur *chunk
	fail := func(err error) {
		if cur != nil && len(cur.data) > 0 && !send(cur) {
			return
		}
		ch := &chunk{done: make(chan chunkResult, 1)}
		ch.done <- chunkResult{err: err}
		send(ch)
	}
	for range c.header {
		if _, ok, err := lr.next(); !ok {
			if err != nil {
				fail(err)
			}
			return
		}
	}
	cur = &chunk{line: lr.num, done: make(chan chunkResult, 1)}
	keep := func(b []byte) { cur.data = append(cur.data, b...) }
	sp := newSplitter(lr, c)
	var rec record
	for {
		line, ok, err := lr.next()
		if err != nil {
			fail(err)
			return
		}
		if !ok {
			break
		}
		if c.format == formatCSV && bytes.IndexByte(line, c.quote) >= 0 || c.format == formatText && c.escape && bytes.IndexByte(line, '\\') >= 0 {
			// The record may go on: the splitter says where it ends.
			lr.unread()
			lr.seen = keep
			_, err := sp.next(&rec)
			lr.seen = nil
			if err != nil {
				fail(err)
				return
			}
		} else {
			cur.data = append(cur.data, line...)
			if lr.nl {
				cur.data = append(cur.data, '\n')
			}
		}
		if len(cur.data) >= chunkBytes {
			if !send(cur) {
				return
			}
			cur = &chunk{line: lr.num, data: make([]byte, 0, chunkBytes+chunkBytes/8), done: make(chan chunkResult, 1)}
		}
	}
	if len(cur.data) > 0 {
		send(cur)
	}
}

// convertChunk splits and converts one chunk's records, as rd would,
// into a batch.
func convertChunk(c *chunk, rd *rowReader) chunkResult {
	w := newRowReader(rd.file, rd.cols, rd.c, nil)
	w.batch = warehouse.NewBatcher(rd.cols)
	lr := &lineReader{buf: c.data, end: len(c.data), eof: true, num: c.line}
	res := chunkResult{err: records(lr, w), n: w.rows, bad: w.bad}
	if w.rows > 0 {
		res.rec = w.batch.Batch()
	}
	return res
}
