package load

// What ReadParquet and ReadAvro share: a typed value read from the file,
// its conversion to a column and its text, for the text rules, error rows
// and the JSON of nested values.

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/tarnlake/tarn/internal/format"
)

var (
	// ErrBadFile wraps the refusal of a Parquet or Avro file that cannot be
	// read: not the format, corrupt, truncated, or past a limit of COPY's.
	ErrBadFile = errors.New("load: unreadable file")
	// ErrLoadFailed wraps what fails a columnar COPY as a whole: a file
	// whose columns do not fit the COPY's, or a value that cannot be loaded.
	// Redshift's COPY of Parquet skips no rows and ignores MAXERROR, so
	// ReadParquet stops at the first bad value and bad holds its LoadError.
	ErrLoadFailed = errors.New("load: COPY failed")
)

func badFile(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrBadFile, fmt.Sprintf(format, a...))
}

// srcKind is the type of a value as the file gives it.
type srcKind uint8

const (
	srcNull      srcKind = iota
	srcBool              // i is 0 or 1
	srcInt               // i
	srcUint              // u, an unsigned 64-bit value past int64
	srcFloat             // f; f32 when the file's type is 32 bits
	srcDecimal           // i or big (when not nil) × 10^-scale
	srcText              // b, UTF-8 text as the file says
	srcBinary            // b, bytes without a text type
	srcLatin1            // b, Avro bytes: each byte a code point in text
	srcJSON              // b, the JSON text of a nested value
	srcDate              // i days since 1970-01-01
	srcTimestamp         // i microseconds since 1970-01-01 00:00:00 UTC
	srcTime              // i microseconds since midnight
)

// srcVal is one value read from a Parquet or Avro file.
type srcVal struct {
	kind  srcKind
	f32   bool
	bad   bool // a date or timestamp past what the file's units can hold
	i     int64
	u     uint64
	f     float64
	b     []byte
	big   *big.Int
	scale int
}

// Redshift's dates and timestamps run from 4713 BC to 294276 AD.
// The checks match dtParts.build's; int64 microseconds end in 294247 AD,
// so only a timestamp's lower bound needs one.
var (
	minDay   = time.Date(-4712, 1, 1, 0, 0, 0, 0, time.UTC).Unix() / 86400
	maxDay   = time.Date(294276, 12, 31, 0, 0, 0, 0, time.UTC).Unix() / 86400
	minMicro = minDay * 86400 * 1000000
)

var pow10 = [19]int64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18}

// fromSource converts a value of a columnar or Avro file to the column's
// type. Values that have a direct meaning in the column's type (an int in
// an integer column, a date in a DATE) convert directly; any other value
// goes through the text rules as its text, as a JSON value would.
func (cv *converter) fromSource(v *srcVal, c *config, text, scratch *[]byte) (any, convErr) {
	if v.kind == srcNull {
		return nil, convErr{}
	}
	if v.bad { // a time past int64 microseconds: no column holds it
		if c.anyDate && (cv.col.Type.Kind == format.KindDate || cv.col.Type.Kind == format.KindTimestamp) {
			return nil, convErr{}
		}
		return nil, convErr{code: CodeBadTimestamp, reason: "Timestamp out of range"}
	}
	switch cv.col.Type.Kind {
	case format.KindString:
		b := v.text(text)
		s, null, e := cv.stringValue(b, c, scratch)
		if e.code != 0 || null {
			return nil, e
		}
		return string(s), e
	case format.KindBinary:
		if v.kind == srcBinary || v.kind == srcLatin1 {
			return cv.rawBinary(v.b, c)
		}
	case format.KindBoolean:
		if v.kind == srcBool {
			return v.i != 0, convErr{}
		}
	case format.KindTinyint, format.KindSmallint, format.KindInt, format.KindBigint:
		switch {
		case v.kind == srcInt, v.kind == srcDecimal && v.scale == 0 && v.big == nil:
			return cv.intValue(v.i)
		case v.kind == srcDecimal && v.scale == 0 && v.big.IsInt64():
			return cv.intValue(v.big.Int64())
		case v.kind == srcUint, v.kind == srcDecimal && v.scale == 0:
			return nil, cv.intOverflow() // past int64
		}
	case format.KindFloat, format.KindDouble:
		if f, ok := v.float(); ok {
			return cv.floatValue(f, v)
		}
	case format.KindDecimal:
		switch v.kind {
		case srcInt:
			return decimalValue(v.i, nil, 0, cv.prec, cv.scale, c.roundDec)
		case srcUint:
			return decimalValue(0, new(big.Int).SetUint64(v.u), 0, cv.prec, cv.scale, c.roundDec)
		case srcDecimal:
			return decimalValue(v.i, v.big, v.scale, cv.prec, cv.scale, c.roundDec)
		case srcFloat:
			bits := 64
			if v.f32 {
				bits = 32
			}
			b := strconv.AppendFloat((*text)[:0], v.f, 'f', -1, bits)
			*text = b
			return parseDecimal(b, cv.prec, cv.scale, c.roundDec)
		}
	case format.KindDate:
		if v.kind == srcDate || v.kind == srcTimestamp {
			return cv.dateValue(v, c)
		}
	case format.KindTimestamp:
		if v.kind == srcDate || v.kind == srcTimestamp {
			return cv.timestampValue(v, c)
		}
	}
	b := v.text(text)
	return cv.convert(b, c, scratch)
}

func (cv *converter) intOverflow() convErr {
	t := cv.ints
	return convErr{code: CodeIntegerOverflow, reason: fmt.Sprintf("Overflow (%s valid range %d to %d)", t.name, t.min, t.max)}
}

// intValue range-checks n as parseInt does.
func (cv *converter) intValue(n int64) (any, convErr) {
	if n < cv.ints.min || n > cv.ints.max {
		return nil, cv.intOverflow()
	}
	switch cv.col.Type.Kind {
	case format.KindTinyint, format.KindSmallint:
		return int16(n), convErr{}
	case format.KindInt:
		return int32(n), convErr{}
	}
	return n, convErr{}
}

// float is v as a number, when it is one.
func (v *srcVal) float() (float64, bool) {
	switch v.kind {
	case srcInt:
		return float64(v.i), true
	case srcUint:
		return float64(v.u), true
	case srcFloat:
		return v.f, true
	case srcDecimal:
		f, err := strconv.ParseFloat(v.decimal().String(), 64)
		return f, err == nil || math.IsInf(f, 0)
	}
	return 0, false
}

// floatValue fits f into REAL or DOUBLE PRECISION; too large a value for
// REAL is an overflow, as in the text rules.
func (cv *converter) floatValue(f float64, v *srcVal) (any, convErr) {
	if cv.col.Type.Kind == format.KindDouble {
		if math.IsInf(f, 0) && v.kind != srcFloat {
			return nil, convErr{code: CodeOutOfRange, reason: "Overflow for Double"}
		}
		return f, convErr{}
	}
	f32 := float32(f)
	if math.IsInf(float64(f32), 0) && !math.IsInf(f, 0) {
		var buf []byte
		return nil, convErr{code: CodeOutOfRange, reason: fmt.Sprintf("Overflow for Float, Value '%s'", v.text(&buf))}
	}
	return f32, convErr{}
}

// rawBinary loads bytes into a VARBYTE as they are.
func (cv *converter) rawBinary(b []byte, c *config) (any, convErr) {
	if n := cv.col.MaxLen; n > 0 && len(b) > n {
		if !c.truncate {
			return nil, convErr{code: CodeOutOfRange, reason: "Varbyte length exceeds DDL length"}
		}
		b = b[:n]
	}
	return append([]byte{}, b...), convErr{}
}

func (cv *converter) dateValue(v *srcVal, c *config) (any, convErr) {
	day := v.i
	if v.kind == srcTimestamp {
		day = floorDiv(v.i, 86400*1000000)
	}
	if day < minDay || day > maxDay {
		if c.anyDate {
			return nil, convErr{}
		}
		return nil, convErr{code: CodeBadDate, reason: "Date out of range"}
	}
	return time.Unix(day*86400, 0).UTC(), convErr{}
}

func (cv *converter) timestampValue(v *srcVal, c *config) (any, convErr) {
	us, out := v.i, false
	if v.kind == srcDate {
		out = v.i < minDay || v.i > maxDay
		us = v.i * 86400 * 1000000
	}
	if out || us < minMicro {
		if c.anyDate {
			return nil, convErr{}
		}
		return nil, convErr{code: CodeBadTimestamp, reason: "Timestamp out of range"}
	}
	return time.UnixMicro(us).UTC(), convErr{}
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// decimal is v's Decimal at its own scale.
func (v *srcVal) decimal() Decimal {
	if v.big == nil {
		return Decimal{Small: v.i, Scale: v.scale}
	}
	return Decimal{Unscaled: v.big, Scale: v.scale}
}

// decimalValue moves unscaled u (or ub) from scale `from` to the column's
// scale: digits past it are cut off, or rounded half away from zero with
// ROUNDEC, as the text rules do; more than prec digits is an overflow.
func decimalValue(u int64, ub *big.Int, from, prec, scale int, round bool) (Decimal, convErr) {
	if ub == nil {
		if r, ok := rescale64(u, scale-from, round); ok && (prec > 18 || r < pow10[prec] && r > -pow10[prec]) {
			return Decimal{Small: r, Scale: scale}, convErr{}
		} else if ok {
			return Decimal{}, overflowDecimal()
		}
		ub = big.NewInt(u)
	}
	if ub.BitLen() > 1024 {
		return Decimal{}, overflowDecimal()
	}
	r := new(big.Int)
	switch d := scale - from; {
	case d >= 0:
		if ub.Sign() != 0 && d > 2*maxDecimalDigits {
			return Decimal{}, overflowDecimal()
		}
		r.Mul(ub, bigPow10(d))
	case -d > 400: // |ub| < 2^1024 < 10^309: nothing is left
	default:
		p := bigPow10(-d)
		var rem big.Int
		r.QuoRem(ub, p, &rem)
		if round && rem.Sign() != 0 && new(big.Int).Lsh(rem.Abs(&rem), 1).Cmp(p) >= 0 {
			r.Add(r, big.NewInt(int64(ub.Sign())))
		}
	}
	if new(big.Int).Abs(r).Cmp(bigPow10(prec)) >= 0 {
		return Decimal{}, overflowDecimal()
	}
	return Decimal{Unscaled: r, Scale: scale}, convErr{}
}

// rescale64 multiplies u by 10^d, or divides it by 10^-d, in int64 when it
// can.
func rescale64(u int64, d int, round bool) (int64, bool) {
	switch {
	case d == 0:
		return u, true
	case d > 0 && d <= 18:
		p := pow10[d]
		if u > math.MaxInt64/p || u < -math.MaxInt64/p {
			return 0, false
		}
		return u * p, true
	case d < 0 && d >= -18:
		p := pow10[-d]
		q, rem := u/p, u%p
		if round && (rem >= (p+1)/2 || rem <= -(p+1)/2) {
			if u < 0 {
				q--
			} else {
				q++
			}
		}
		return q, true
	}
	return 0, false
}

var bigPowers [2*maxDecimalDigits + 1]*big.Int

func init() {
	for i := range bigPowers {
		bigPowers[i] = new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(i)), nil)
	}
}

func bigPow10(n int) *big.Int {
	if n < len(bigPowers) {
		return bigPowers[n]
	}
	return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
}

// text is v's spelling, for a VARCHAR, the text rules and error rows;
// buf holds what had to be written.
func (v *srcVal) text(buf *[]byte) []byte {
	b := (*buf)[:0]
	switch v.kind {
	case srcText, srcBinary, srcJSON:
		return v.b
	case srcNull:
		return nil
	case srcLatin1:
		for _, c := range v.b {
			b = utf8.AppendRune(b, rune(c))
		}
	case srcBool:
		b = strconv.AppendBool(b, v.i != 0)
	case srcInt:
		b = strconv.AppendInt(b, v.i, 10)
	case srcUint:
		b = strconv.AppendUint(b, v.u, 10)
	case srcFloat:
		bits := 64
		if v.f32 {
			bits = 32
		}
		b = strconv.AppendFloat(b, v.f, 'g', -1, bits)
	case srcDecimal:
		b = append(b, v.decimal().String()...)
	case srcDate:
		b = time.Unix(v.i*86400, 0).UTC().AppendFormat(b, time.DateOnly)
	case srcTimestamp:
		b = time.UnixMicro(v.i).UTC().AppendFormat(b, "2006-01-02 15:04:05.999999")
	case srcTime:
		us := v.i
		if us < 0 || us >= 86400*1000000 {
			b = strconv.AppendInt(b, us, 10)
			break
		}
		b = time.UnixMicro(us).UTC().AppendFormat(b, "15:04:05.999999")
	}
	*buf = b
	return b
}

// appendJSON writes v as a JSON value, for the text of a nested value:
// numbers as numbers (NaN and the infinities as strings, which JSON has
// no number for), text and dates as strings.
func (v *srcVal) appendJSON(dst []byte) []byte {
	switch v.kind {
	case srcNull:
		return append(dst, "null"...)
	case srcBool, srcInt, srcUint, srcDecimal:
		var buf []byte
		return append(dst, v.text(&buf)...)
	case srcFloat:
		if math.IsNaN(v.f) || math.IsInf(v.f, 0) {
			var buf []byte
			return appendJSONString(dst, v.text(&buf))
		}
		var buf []byte
		return append(dst, v.text(&buf)...)
	case srcJSON:
		return append(dst, v.b...)
	}
	var buf []byte
	return appendJSONString(dst, v.text(&buf))
}

// appendJSONString quotes s as a JSON string; a byte that is not UTF-8
// becomes U+FFFD.
func appendJSONString(dst, s []byte) []byte {
	const hexDigits = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\r':
				dst = append(dst, '\\', 'r')
			case c == '\t':
				dst = append(dst, '\\', 't')
			case c < 0x20:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && n == 1 {
			dst = append(dst, "\\ufffd"...)
		} else {
			dst = append(dst, s[i:i+n]...)
		}
		i += n
	}
	return append(dst, '"')
}

// columnType names a column's type for a message: varchar(10),
// numeric(10,2), int4...
func (cv *converter) columnType() string {
	if cv.colLength != "" {
		return cv.typeName + "(" + cv.colLength + ")"
	}
	return cv.typeName
}

// safely runs f, turning a panic of the file's decoder into ErrBadFile:
// the Parquet and Avro libraries panic on some malformed input.
func safely(f func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = badFile("%v", p)
		}
	}()
	return f()
}
