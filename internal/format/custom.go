package format

import (
	"errors"
	"fmt"
	"io"
)

// Custom classifiers (grok.go, csvcustom.go, jsonpath.go) are the user's own,
// run before the built-in ones. Each either accepts a file or says why not
// with ErrNoMatch, so the crawler can go on to the next classifier.
var (
	// ErrNoMatch means a custom classifier did not recognise the file; the
	// crawler then tries the next classifier. Wrapped errors say why.
	ErrNoMatch = errors.New("classifier does not match")
	// ErrInvalidClassifier means a classifier's definition is unusable (an
	// unknown grok pattern, a bad regexp, a bad JSON path...), so creating
	// it should be refused. Wrapped errors name the problem.
	ErrInvalidClassifier = errors.New("invalid classifier")
)

// excerptLen bounds how much of a record an error message quotes.
const excerptLen = 80

func excerpt(b []byte) string {
	if len(b) > excerptLen {
		return fmt.Sprintf("%q...", b[:excerptLen])
	}
	return fmt.Sprintf("%q", b)
}

// readCustomHead decompresses r like Classify does and returns at most
// opts.MaxBytes of its content; cut says the content goes on past them. The
// Result has Compression and BytesRead set. An empty file or a corrupt
// compressed stream is ErrNoMatch; a failure of r itself is returned as it
// is, since the next classifier would fail the same way.
func readCustomHead(r io.ReaderAt, size int64, opts Options) (head []byte, cut bool, res Result, err error) {
	er := &errRecordingReaderAt{r: r}
	cr := &countingReaderAt{r: er}
	defer func() { res.BytesRead = cr.n }()
	if size <= 0 {
		return nil, false, res, fmt.Errorf("%w: the file is empty", ErrNoMatch)
	}
	rc, comp, err := Open(io.NewSectionReader(cr, 0, size))
	res.Compression = comp
	if err != nil {
		return nil, false, res, er.blame(err)
	}
	defer rc.Close()
	head, err = io.ReadAll(io.LimitReader(rc, opts.MaxBytes+1))
	if err != nil {
		return nil, false, res, er.blame(fmt.Errorf("read %s stream: %w", comp, err))
	}
	if int64(len(head)) > opts.MaxBytes {
		head, cut = head[:opts.MaxBytes], true
	}
	return head, cut, res, nil
}

// errRecordingReaderAt remembers the first real error of the underlying
// reader, to tell an I/O failure from a corrupt stream.
type errRecordingReaderAt struct {
	r   io.ReaderAt
	err error
}

func (e *errRecordingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := e.r.ReadAt(p, off)
	if err != nil && err != io.EOF && e.err == nil {
		e.err = err
	}
	return n, err
}

// blame returns err as it is when the reader failed, else as ErrNoMatch:
// then the content itself is what could not be read.
func (e *errRecordingReaderAt) blame(err error) error {
	if e.err != nil {
		return err
	}
	return fmt.Errorf("%w: %w", ErrNoMatch, err)
}

// dropPartialLine cuts a head that was cut mid-line back to its last whole
// line, so the cut line is not judged. A head without any newline is kept.
func dropPartialLine(head []byte) []byte {
	for i := len(head) - 1; i >= 0; i-- {
		if head[i] == '\n' {
			return head[:i+1]
		}
	}
	return head
}
