package convert

import (
	"math/big"

	"github.com/parquet-go/parquet-go"
)

// decimal writes a decimal from the text of a JSON number, exactly: the
// digits are scaled as a string, never through a float. Extra fraction
// digits round half up to the column's scale as HiveDecimal does; a value
// with more digits than the precision does not fit.
func (w *Writer) decimal(n *node, rep int, tok byte, text []byte) error {
	digits, neg, ok := scaleDecimal(w.decBuf[:0], text, n.typ.Scale)
	w.decBuf = digits[:0]
	if !ok || len(digits) > n.typ.Precision {
		return w.mismatch(n, tok, text)
	}
	switch {
	case n.decSize > 0:
		v := new(big.Int)
		if len(digits) > 0 {
			v.SetString(string(digits), 10)
		}
		if neg {
			// Two's complement in decSize bytes: 2^(8*size) - |v|.
			v.Sub(new(big.Int).Lsh(big.NewInt(1), uint(8*n.decSize)), v)
		}
		start := len(w.arena)
		w.arena = append(w.arena, make([]byte, n.decSize)...)
		v.FillBytes(w.arena[start:])
		w.put(n, rep, parquet.FixedLenByteArrayValue(w.arena[start:len(w.arena):len(w.arena)]))
	default:
		var v int64
		for _, c := range digits {
			v = v*10 + int64(c-'0')
		}
		if neg {
			v = -v
		}
		if n.typ.Precision <= 9 {
			w.put(n, rep, parquet.Int32Value(int32(v)))
		} else {
			w.put(n, rep, parquet.Int64Value(v))
		}
	}
	return nil
}

// maxExponent bounds exponents: past it every nonzero value is out of
// range or rounds to zero anyway.
const maxExponent = 1 << 20

// scaleDecimal reads [+-]digits[.digits][e[+-]digits] and returns the
// digits of value×10^scale rounded half up, without leading zeros ("" for
// zero), in buf.
func scaleDecimal(buf, b []byte, scale int) (digits []byte, neg, ok bool) {
	i := 0
	if i < len(b) && (b[i] == '-' || b[i] == '+') {
		neg = b[i] == '-'
		i++
	}
	frac, seen := 0, false
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		buf, seen = appendDigit(buf, b[i]), true
	}
	if i < len(b) && b[i] == '.' {
		for i++; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			buf, seen = appendDigit(buf, b[i]), true
			frac++
		}
	}
	if !seen {
		return nil, false, false
	}
	exp := 0
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		eneg := false
		if i < len(b) && (b[i] == '-' || b[i] == '+') {
			eneg = b[i] == '-'
			i++
		}
		if i == len(b) {
			return nil, false, false
		}
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			if exp < maxExponent {
				exp = exp*10 + int(b[i]-'0')
			}
		}
		if eneg {
			exp = -exp
		}
	}
	if i != len(b) {
		return nil, false, false
	}
	if len(buf) == 0 {
		return buf, false, true
	}
	// buf holds the significant digits; it is buf × 10^shift scaled.
	shift := exp - frac + scale
	switch {
	case shift > 0:
		if shift > 64 { // past any precision: refuse it without building it
			return nil, false, false
		}
		for range shift {
			buf = append(buf, '0')
		}
	case shift < 0:
		drop := -shift
		if drop > len(buf) {
			return buf[:0], false, true
		}
		up := buf[len(buf)-drop] >= '5'
		buf = buf[:len(buf)-drop]
		if up {
			buf = increment(buf)
		}
		buf = trimZeros(buf)
	}
	if len(buf) == 0 {
		neg = false
	}
	return buf, neg, true
}

// appendDigit appends c, dropping leading zeros.
func appendDigit(buf []byte, c byte) []byte {
	if c == '0' && len(buf) == 0 {
		return buf
	}
	return append(buf, c)
}

func trimZeros(buf []byte) []byte {
	i := 0
	for i < len(buf) && buf[i] == '0' {
		i++
	}
	return buf[i:]
}

// increment adds one to a decimal digit string.
func increment(buf []byte) []byte {
	for i := len(buf) - 1; i >= 0; i-- {
		if buf[i] != '9' {
			buf[i]++
			return buf
		}
		buf[i] = '0'
	}
	return append([]byte{'1'}, buf...)
}
