package lake

import "fmt"

// Resolve turns r into a start offset and length within an object of size
// bytes, as S3 reads a Range header: an end past the object is clipped, a
// start past it is ErrInvalidRange.
func Resolve(r Range, size int64) (start, n int64, err error) {
	switch {
	case r.Start < 0: // suffix: the last r.End bytes
		if r.End <= 0 {
			return 0, 0, fmt.Errorf("%w: empty suffix range", ErrInvalidRange)
		}
		if r.End > size {
			return 0, size, nil
		}
		return size - r.End, r.End, nil
	case r.Start >= size:
		return 0, 0, fmt.Errorf("%w: start %d, object size %d", ErrInvalidRange, r.Start, size)
	case r.End < 0 || r.End >= size:
		return r.Start, size - r.Start, nil
	case r.End < r.Start:
		return 0, 0, fmt.Errorf("%w: end %d before start %d", ErrInvalidRange, r.End, r.Start)
	}
	return r.Start, r.End - r.Start + 1, nil
}
