package query

import (
	"encoding/hex"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// The PostgreSQL text forms of values that more than one front end
// prints: the wire protocol and the Redshift Data API.

// AppendInterval uses IntervalStyle postgres: "1 year 2 mons 3 days 04:05:06".
func AppendInterval(b []byte, iv Interval) []byte {
	start := len(b)
	part := func(n int64, unit string) {
		if n == 0 {
			return
		}
		if len(b) > start {
			b = append(b, ' ')
		}
		b = fmt.Appendf(b, "%d %s", n, unit)
		if n != 1 {
			b = append(b, 's')
		}
	}
	part(int64(iv.Months/12), "year")
	part(int64(iv.Months%12), "mon")
	part(int64(iv.Days), "day")
	if iv.Micros == 0 && len(b) > start {
		return b
	}
	if len(b) > start {
		b = append(b, ' ')
	}
	us := iv.Micros
	if us < 0 {
		b = append(b, '-')
	} else if iv.Months < 0 || iv.Days < 0 {
		b = append(b, '+')
	}
	u := uint64(us)
	if us < 0 {
		u = uint64(-us)
	}
	b = fmt.Appendf(b, "%02d:%02d:%02d", u/3600e6, u/60e6%60, u/1e6%60)
	if frac := u % 1e6; frac > 0 {
		b = append(append(b, '.'), strings.TrimRight(fmt.Sprintf("%06d", frac), "0")...)
	}
	return b
}

// AppendUUID prints a UUID as 8-4-4-4-12 hex digits.
func AppendUUID(b []byte, u [16]byte) []byte {
	var s [36]byte
	hex.Encode(s[0:8], u[0:4])
	hex.Encode(s[9:13], u[4:6])
	hex.Encode(s[14:18], u[6:8])
	hex.Encode(s[19:23], u[8:10])
	hex.Encode(s[24:36], u[10:16])
	s[8], s[13], s[18], s[23] = '-', '-', '-', '-'
	return append(b, s[:]...)
}

// Int64 reads an integer a statement returned in any integer type (or
// as text); ok is false for NULL, anything else, and what int64 cannot
// hold.
func Int64(v any) (int64, bool) {
	switch v := v.(type) {
	case int:
		return int64(v), true
	case int8:
		return int64(v), true
	case int16:
		return int64(v), true
	case int32:
		return int64(v), true
	case int64:
		return v, true
	case uint:
		return int64(v), uint64(v) <= math.MaxInt64
	case uint8:
		return int64(v), true
	case uint16:
		return int64(v), true
	case uint32:
		return int64(v), true
	case uint64:
		return int64(v), v <= math.MaxInt64
	case *big.Int:
		return v.Int64(), v.IsInt64()
	case string:
		n, err := strconv.ParseInt(v, 10, 64)
		return n, err == nil
	}
	return 0, false
}
