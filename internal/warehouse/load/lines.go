package load

import (
	"bytes"
	"io"
)

// lineReader hands out physical lines ('\n' removed) from a large buffer,
// so a line is a slice of it and costs no copy. A line is valid until the
// next call.
type lineReader struct {
	r        io.Reader
	buf      []byte
	pos, end int
	eof      bool
	err      error
	num      int64 // physical lines handed out so far
	nl       bool  // the last line handed out ended with '\n'
	last     int   // the length of the last line handed out, '\n' included
	// seen, when set, is given each line handed out, '\n' included, before
	// the buffer moves.
	seen func([]byte)
}

const initialBuffer = 64 << 10

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{r: r, buf: make([]byte, initialBuffer)}
}

// next returns the next line; ok is false at the end of the input or on a
// read error, which err then holds. A last line without '\n' still counts,
// but a '\n' ending the file starts no empty line.
func (l *lineReader) next() (line []byte, ok bool, err error) {
	scanned := 0
	for {
		if i := bytes.IndexByte(l.buf[l.pos+scanned:l.end], '\n'); i >= 0 {
			line = l.buf[l.pos : l.pos+scanned+i]
			l.handOut(l.pos + scanned + i + 1)
			l.nl = true
			return line, true, nil
		}
		scanned = l.end - l.pos
		if l.eof {
			if l.err != nil {
				return nil, false, l.err
			}
			if scanned == 0 {
				return nil, false, nil
			}
			line = l.buf[l.pos:l.end]
			l.handOut(l.end)
			l.nl = false
			return line, true, nil
		}
		l.fill()
	}
}

func (l *lineReader) handOut(end int) {
	if l.seen != nil {
		l.seen(l.buf[l.pos:end])
	}
	l.last, l.pos = end-l.pos, end
	l.num++
}

// unread takes back the line next just returned: the next call returns
// it again.
func (l *lineReader) unread() {
	l.pos -= l.last
	l.num--
	l.last = 0
}

// fill moves the unread tail to the front, grows the buffer when one line
// fills it, and reads once.
func (l *lineReader) fill() {
	if l.pos > 0 {
		l.end = copy(l.buf, l.buf[l.pos:l.end])
		l.pos = 0
	}
	if l.end == len(l.buf) {
		nb := make([]byte, 2*len(l.buf))
		copy(nb, l.buf[:l.end])
		l.buf = nb
	}
	n, err := l.r.Read(l.buf[l.end:])
	l.end += n
	if err != nil {
		l.eof = true
		if err != io.EOF {
			l.err = err
		}
	}
}
