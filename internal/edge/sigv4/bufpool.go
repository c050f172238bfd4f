package sigv4

import "sync"

// The memory of bodies read whole before their signatures can be checked
// is recycled: the edge bounds how many such bytes are held at once, and
// reusing them keeps the process near that bound rather than at the
// multiple of it that the collector would let the heap reach. Small bodies
// are not worth it.
const (
	pooledMin   = 64 << 10
	pooledRound = 64 << 10
)

var bodyPool sync.Pool // of *[]byte

// getBody returns n bytes to read a body into, and whether they are pooled.
func getBody(n int64) ([]byte, bool) {
	if n < pooledMin {
		return make([]byte, n), false
	}
	if p, ok := bodyPool.Get().(*[]byte); ok && int64(cap(*p)) >= n {
		return (*p)[:n], true
	}
	// A smaller one found is dropped: sizes vary little in practice.
	return make([]byte, n, (n+pooledRound-1)/pooledRound*pooledRound), true
}

func putBody(b []byte) { bodyPool.Put(&b) }

// Release gives back the memory a body read whole before its signature
// could be checked was held in, once the request is done with its body:
// Body reads nothing after. It does nothing for other bodies.
func (r *Result) Release() {
	if r != nil && r.release != nil {
		r.release()
		r.release = nil
	}
}
