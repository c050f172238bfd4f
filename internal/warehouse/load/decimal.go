package load

import (
	"math/big"
	"strings"

	"github.com/tarnlake/tarn/internal/format"
)

// Decimal is an exact DECIMAL value: Unscaled × 10^-Scale.
type Decimal struct {
	Unscaled *big.Int
	Scale    int
}

// String spells the value with Scale digits after the point: "123.45".
func (d Decimal) String() string {
	if d.Unscaled == nil {
		return "0"
	}
	s := d.Unscaled.String()
	if d.Scale <= 0 {
		return s
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	if len(s) <= d.Scale {
		s = strings.Repeat("0", d.Scale-len(s)+1) + s
	}
	s = s[:len(s)-d.Scale] + "." + s[len(s)-d.Scale:]
	if neg {
		s = "-" + s
	}
	return s
}

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
	digits := make([]byte, 0, intEnd-intStart+scale)
	digits = append(digits, b[intStart:intEnd]...)
	digits = append(digits, frac...)
	for range scale - len(frac) {
		digits = append(digits, '0')
	}
	u := new(big.Int)
	if len(digits) <= 18 {
		var v int64
		for _, c := range digits {
			v = v*10 + int64(c-'0')
		}
		u.SetInt64(v)
	} else {
		u.SetString(string(digits), 10)
	}
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
