package load

import (
	"math/big"

	"github.com/tarnlake/tarn/internal/format"
	"github.com/tarnlake/tarn/internal/warehouse"
)

// Decimal is an exact DECIMAL value: the warehouse's, so that rows go to
// a store as they are read.
type Decimal = warehouse.Decimal

// Redshift's DECIMAL alone is DECIMAL(18,0); 38 digits is the most.
const (
	defaultPrecision = 18
	maxDecimalDigits = 38
)

// decimalShape is the column's precision and scale, defaults filled in.
func decimalShape(t format.Type) (p, s int) {
	p = t.Precision
	if p == 0 {
		p = defaultPrecision
	}
	return p, t.Scale
}

// parseDecimal reads [sign] digits [. digits]. Digits past the scale are
// cut off, or rounded half up with ROUNDEC; more integer digits than
// precision-scale is an overflow.
func parseDecimal(b []byte, prec, scale int, round bool) (Decimal, convErr) {
	i, neg := 0, false
	if b[0] == '+' || b[0] == '-' {
		neg, i = b[0] == '-', 1
	}
	intStart, point := i, -1
	for ; i < len(b); i++ {
		c := b[i]
		switch {
		case c >= '0' && c <= '9':
		case c == '.' && point < 0:
			point = i
		case c == '.':
			return Decimal{}, fail(CodeBadDecimal, i, "Invalid decimal format, Value '%s'", b)
		default:
			return Decimal{}, invalidDigit(b, i, "Decimal")
		}
	}
	intEnd, fracStart := len(b), len(b)
	if point >= 0 {
		intEnd, fracStart = point, point+1
	}
	if intEnd == intStart && fracStart >= len(b) {
		return Decimal{}, fail(CodeBadDecimal, 0, "Invalid decimal format, Value '%s'", b)
	}
	for intStart < intEnd && b[intStart] == '0' {
		intStart++
	}
	if intEnd-intStart > prec-scale {
		return Decimal{}, overflowDecimal()
	}
	frac := b[fracStart:]
	var roundUp bool
	if len(frac) > scale {
		roundUp = round && frac[scale] >= '5'
		frac = frac[:scale]
	}
	if n := intEnd - intStart + scale; n <= 18 {
		// The common case, without allocating: 18 digits fit an int64,
		// and one more (a carry from rounding) still does.
		var v int64
		for _, c := range b[intStart:intEnd] {
			v = v*10 + int64(c-'0')
		}
		for k := range scale {
			v *= 10
			if k < len(frac) {
				v += int64(frac[k] - '0')
			}
		}
		if roundUp {
			v++
			if prec <= 18 && v >= pow10[prec] {
				return Decimal{}, overflowDecimal()
			}
		}
		if neg {
			v = -v
		}
		return Decimal{Small: v, Scale: scale}, convErr{}
	}
	digits := make([]byte, 0, intEnd-intStart+scale)
	digits = append(digits, b[intStart:intEnd]...)
	digits = append(digits, frac...)
	for range scale - len(frac) {
		digits = append(digits, '0')
	}
	u, _ := new(big.Int).SetString(string(digits), 10)
	if roundUp {
		u.Add(u, big.NewInt(1))
		if len(u.String()) > prec {
			return Decimal{}, overflowDecimal()
		}
	}
	if neg {
		u.Neg(u)
	}
	return Decimal{Unscaled: u, Scale: scale}, convErr{}
}

func overflowDecimal() convErr {
	return convErr{code: CodeOutOfRange, reason: "Numeric data overflow (result precision)"}
}
