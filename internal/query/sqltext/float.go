package sqltext

import (
	"math"
	"strconv"
)

// AppendFloat appends f as PostgreSQL's text form spells a double or a
// real: the shortest digits that read back the same, and NaN, Infinity and
// -Infinity.
func AppendFloat(b []byte, f float64, bits int) []byte {
	if b, ok := AppendNonFinite(b, f); ok {
		return b
	}
	return strconv.AppendFloat(b, f, 'g', -1, bits)
}

// AppendNonFinite appends NaN, Infinity or -Infinity when f is one and
// says whether it was.
func AppendNonFinite(b []byte, f float64) ([]byte, bool) {
	switch {
	case math.IsNaN(f):
		return append(b, "NaN"...), true
	case math.IsInf(f, 1):
		return append(b, "Infinity"...), true
	case math.IsInf(f, -1):
		return append(b, "-Infinity"...), true
	}
	return b, false
}
