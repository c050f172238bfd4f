package laketest

import (
	"errors"
	"io"
	"math/rand/v2"
)

// errBrokenReader is what failingReader returns once its budget is spent.
var errBrokenReader = errors.New("laketest: reader broke on purpose")

// randomBytes returns n bytes that depend only on seed, so a failure is
// reproducible and a mixed-up version is detectable.
func randomBytes(n int, seed byte) []byte {
	var key [32]byte
	key[0] = seed
	b := make([]byte, n)
	rand.NewChaCha8(key).Read(b)
	return b
}

// onlyReader hides every method but Read (Seek, WriteTo, Len, ...), as a
// network body does, so a backend cannot rewind or measure it.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// failingReader yields the first n bytes of r and then errBrokenReader, like a
// body whose connection dropped or whose checksum did not match.
type failingReader struct {
	r io.Reader
	n int64
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errBrokenReader
	}
	if int64(len(p)) > f.n {
		p = p[:f.n]
	}
	n, err := f.r.Read(p)
	f.n -= int64(n)
	if err == io.EOF {
		err = errBrokenReader
	}
	return n, err
}
