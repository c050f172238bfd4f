package convert

import (
	"fmt"
)

// timestampParser reads timestamp columns as the configured SerDe does.
// Values are microseconds since the epoch, UTC; a time without a zone is
// taken as UTC, as Firehose runs in UTC.
//
// OpenX (Firehose's documented formats): yyyy-MM-dd'T'HH:mm:ss[.S]'Z' and
// yyyy-[M]M-[d]d HH:mm:ss[.S] with up to nine fraction digits (either
// separator, with Z, ±HH:mm or ±HHmm or no zone), epoch seconds, epoch
// milliseconds (13 digits or more) and fractional epoch seconds, as
// numbers or strings.
//
// Hive: each of TimestampFormats in order (Joda patterns, or "millis"),
// then java.sql.Timestamp.valueOf's yyyy-[M]M-[d]d HH:mm:ss[.f].
type timestampParser struct {
	openx   bool
	formats []tsFormat
}

type tsFormat struct {
	millis bool
	joda   []jodaField
}

func newTimestampParser(s SerDe) (timestampParser, error) {
	p := timestampParser{openx: s.OpenX}
	if s.OpenX {
		return p, nil
	}
	for _, f := range s.TimestampFormats {
		if f == "millis" {
			p.formats = append(p.formats, tsFormat{millis: true})
			continue
		}
		j, err := compileJoda(f)
		if err != nil {
			return p, fmt.Errorf("timestamp format %q: %w", f, err)
		}
		p.formats = append(p.formats, tsFormat{joda: j})
	}
	return p, nil
}

const (
	usPerSecond = int64(1e6)
	usPerDay    = 86400 * usPerSecond
)

func (p *timestampParser) parse(b []byte, number bool) (int64, bool) {
	if p.openx {
		if us, ok := parseEpoch(b); ok {
			return us, true
		}
		if number {
			return 0, false
		}
		return parseDateTime(b, true)
	}
	for _, f := range p.formats {
		if f.millis {
			if ms, ok := parseInt(b, 64); ok && ms > -maxEpochMillis && ms < maxEpochMillis {
				return ms * 1000, true
			}
			continue
		}
		if us, ok := parseJoda(f.joda, b); ok {
			return us, true
		}
	}
	if number {
		return 0, false
	}
	return parseDateTime(b, false)
}

// maxEpochMillis and maxEpochSeconds keep microseconds inside int64.
const (
	maxEpochMillis  = int64(1) << 52
	maxEpochSeconds = int64(1) << 42
)

// parseEpoch reads epoch seconds, or milliseconds when the integer has 13
// or more digits (sign and leading zeros counted), or seconds with a
// fraction.
func parseEpoch(b []byte) (int64, bool) {
	i := 0
	if i < len(b) && (b[i] == '-' || b[i] == '+') {
		i++
	}
	start := i
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	if i == start || i-start > 18 {
		return 0, false
	}
	whole, _ := parseInt(b[:i], 64)
	if i >= 13 && i < len(b) {
		return 0, false // fractional seconds of 13 digits overflow anyway
	}
	if i < 13 && (whole <= -maxEpochSeconds || whole >= maxEpochSeconds) {
		return 0, false
	}
	if i == len(b) {
		if i >= 13 {
			if whole <= -maxEpochMillis || whole >= maxEpochMillis {
				return 0, false
			}
			return whole * 1000, true
		}
		return whole * usPerSecond, true
	}
	if b[i] != '.' {
		return 0, false
	}
	frac, ok := fraction(b[i+1:])
	if !ok || len(b) == i+1 {
		return 0, false
	}
	us := whole*usPerSecond + sign(b[0] == '-')*frac/1000
	return us, true
}

func sign(neg bool) int64 {
	if neg {
		return -1
	}
	return 1
}

// fraction reads up to nine digits as nanoseconds.
func fraction(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 9 {
		return 0, false
	}
	var ns int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		ns = ns*10 + int64(c-'0')
	}
	for range 9 - len(b) {
		ns *= 10
	}
	return ns, true
}

// parseDate reads yyyy-[M]M-[d]d and returns what follows it.
func parseDate(b []byte) (y, m, d int, rest []byte, ok bool) {
	if len(b) < 8 {
		return 0, 0, 0, nil, false
	}
	var n int
	if y, n = num(b, 4, 4); n == 0 || len(b) == n || b[n] != '-' {
		return 0, 0, 0, nil, false
	}
	b = b[n+1:]
	if m, n = num(b, 1, 2); n == 0 || len(b) == n || b[n] != '-' {
		return 0, 0, 0, nil, false
	}
	b = b[n+1:]
	if d, n = num(b, 1, 2); n == 0 || !validDate(y, m, d) {
		return 0, 0, 0, nil, false
	}
	return y, m, d, b[n:], true
}

// parseDateTime reads a date, a time, a fraction and, when zones is set,
// a zone. The Hive default (java.sql.Timestamp.valueOf) takes a blank
// separator and no zone.
func parseDateTime(b []byte, zones bool) (int64, bool) {
	y, mo, d, rest, ok := parseDate(b)
	if !ok || len(rest) == 0 || rest[0] != ' ' && !(zones && rest[0] == 'T') {
		return 0, false
	}
	rest = rest[1:]
	var h, mi, s, n int
	if h, n = num(rest, 1, 2); n == 0 || h > 23 || len(rest) == n || rest[n] != ':' {
		return 0, false
	}
	rest = rest[n+1:]
	if mi, n = num(rest, 1, 2); n == 0 || mi > 59 || len(rest) == n || rest[n] != ':' {
		return 0, false
	}
	rest = rest[n+1:]
	if s, n = num(rest, 1, 2); n == 0 || s > 59 {
		return 0, false
	}
	rest = rest[n:]
	var ns int64
	if len(rest) > 0 && rest[0] == '.' {
		end := 1
		for end < len(rest) && rest[end] >= '0' && rest[end] <= '9' {
			end++
		}
		if ns, ok = fraction(rest[1:end]); !ok {
			return 0, false
		}
		rest = rest[end:]
	}
	var offset int64
	if len(rest) > 0 {
		if !zones {
			return 0, false
		}
		if offset, ok = parseZone(rest); !ok {
			return 0, false
		}
	}
	us := int64(daysFromCivil(y, mo, d))*usPerDay + int64(h*3600+mi*60+s)*usPerSecond + ns/1000
	return us - offset, true
}

// parseZone reads Z, ±HH:mm or ±HHmm as an offset in microseconds.
func parseZone(b []byte) (int64, bool) {
	if len(b) == 1 && b[0] == 'Z' {
		return 0, true
	}
	if len(b) != 5 && len(b) != 6 || b[0] != '+' && b[0] != '-' {
		return 0, false
	}
	h, n := num(b[1:], 2, 2)
	if n == 0 || h > 18 {
		return 0, false
	}
	mb := b[3:]
	if len(b) == 6 {
		if b[3] != ':' {
			return 0, false
		}
		mb = b[4:]
	}
	m, n := num(mb, 2, 2)
	if n == 0 || m > 59 {
		return 0, false
	}
	return sign(b[0] == '-') * int64(h*3600+m*60) * usPerSecond, true
}

// num reads min..max decimal digits.
func num(b []byte, min, max int) (int, int) {
	v, n := 0, 0
	for n < len(b) && n < max && b[n] >= '0' && b[n] <= '9' {
		v = v*10 + int(b[n]-'0')
		n++
	}
	if n < min {
		return 0, 0
	}
	return v, n
}

func validDate(y, m, d int) bool {
	if m < 1 || m > 12 || d < 1 {
		return false
	}
	days := [...]int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[m-1]
	if m == 2 && y%4 == 0 && (y%100 != 0 || y%400 == 0) {
		days = 29
	}
	return d <= days
}

// daysFromCivil is the days since 1970-01-01 of a proleptic Gregorian
// date (Howard Hinnant's algorithm).
func daysFromCivil(y, m, d int) int {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}
