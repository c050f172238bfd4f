package prefix

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// A timestamp expression's value is a java.time.format.DateTimeFormatter
// pattern, because Firehose is written in Java and hands the value to
// DateTimeFormatter.ofPattern. We compile the letters people use in S3
// prefixes to the same output (English text, as Firehose prints). Letters
// whose output depends on a locale's week rules or on CLDR zone names (w, W,
// Y, e, c, F, z, O...) are refused instead of guessed.

// field is one letter of a pattern.
type field byte

const (
	fLiteral   field = iota
	fYear            // y, u
	fMonth           // M, L
	fDay             // d
	fDayOfYear       // D
	fHour            // H
	fHour12          // h (1-12)
	fHour0_11        // K
	fHour1_24        // k
	fMinute          // m
	fSecond          // s
	fFraction        // S
	fAmPm            // a
	fWeekday         // E
	fEra             // G
	fQuarter         // Q, q
	fOffsetZ         // Z
	fOffsetX         // X
	fOffsetx         // x
	fZoneID          // VV
)

// tsItem is a compiled piece of a timestamp pattern.
type tsItem struct {
	f     field
	count int    // letter repeat count, which picks width or text style
	lit   string // text of an fLiteral
}

// maxCount is the longest run DateTimeFormatter takes for each letter we
// support; longer runs fail there with "Too many pattern letters".
var maxCount = map[byte]int{
	'y': 19, 'u': 19, 'M': 5, 'L': 5, 'd': 2, 'D': 3, 'H': 2, 'h': 2,
	'K': 2, 'k': 2, 'm': 2, 's': 2, 'S': 9, 'a': 1, 'E': 5, 'G': 5,
	'Q': 5, 'q': 5, 'Z': 5, 'X': 5, 'x': 5, 'V': 2,
}

var letterField = map[byte]field{
	'y': fYear, 'u': fYear, 'M': fMonth, 'L': fMonth, 'd': fDay,
	'D': fDayOfYear, 'H': fHour, 'h': fHour12, 'K': fHour0_11,
	'k': fHour1_24, 'm': fMinute, 's': fSecond, 'S': fFraction, 'a': fAmPm,
	'E': fWeekday, 'G': fEra, 'Q': fQuarter, 'q': fQuarter, 'Z': fOffsetZ,
	'X': fOffsetX, 'x': fOffsetx, 'V': fZoneID,
}

// unsupported names Java letters we refuse, with the reason.
var unsupported = map[byte]string{
	'w': "week-of-week-based-year depends on locale week rules",
	'W': "week-of-month depends on locale week rules",
	'Y': "week-based-year depends on locale week rules",
	'e': "localized day-of-week depends on locale week rules",
	'c': "localized day-of-week depends on locale week rules",
	'F': "aligned week fields are not supported",
	'z': "zone names come from CLDR; use VV or an offset letter",
	'v': "zone names come from CLDR; use VV or an offset letter",
	'O': "localized offsets are not supported; use Z, X or x",
	'n': "nano-of-second is not supported; use S",
	'N': "nano-of-day is not supported",
	'A': "milli-of-day is not supported",
	'B': "day periods are not supported; use a",
	'g': "modified Julian day is not supported",
	'p': "pad modifiers are not supported",
}

// compileTimestamp turns a DateTimeFormatter pattern into items, failing
// where ofPattern would throw, or where we do not support a letter.
func compileTimestamp(p string) ([]tsItem, error) {
	if p == "" {
		return nil, fmt.Errorf("empty timestamp pattern")
	}
	var items []tsItem
	addLit := func(s string) {
		if n := len(items); n > 0 && items[n-1].f == fLiteral {
			items[n-1].lit += s
			return
		}
		items = append(items, tsItem{f: fLiteral, lit: s})
	}
	depth := 0 // open optional sections; all fields exist, so they always print
	for i := 0; i < len(p); {
		c := p[i]
		switch {
		case c == '\'':
			lit, n, err := quoted(p[i:])
			if err != nil {
				return nil, fmt.Errorf("timestamp pattern %q: %w", p, err)
			}
			addLit(lit)
			i += n
		case c == '[':
			depth++
			i++
		case c == ']':
			if depth == 0 {
				return nil, fmt.Errorf("timestamp pattern %q: ] without previous [", p)
			}
			depth--
			i++
		case c == '#' || c == '{' || c == '}':
			return nil, fmt.Errorf("timestamp pattern %q: %q is reserved", p, c)
		case isASCIILetter(c):
			n := 1
			for i+n < len(p) && p[i+n] == c {
				n++
			}
			it, err := letter(c, n)
			if err != nil {
				return nil, fmt.Errorf("timestamp pattern %q: %w", p, err)
			}
			items = append(items, it)
			i += n
		default:
			addLit(string(c))
			i++
		}
	}
	return items, nil
}

// quoted reads a 'literal' at the start of s and reports how many bytes it
// used; two quotes in a row stand for one, inside or outside a literal.
func quoted(s string) (string, int, error) {
	if strings.HasPrefix(s, "''") {
		return "'", 2, nil
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		if s[i] != '\'' {
			b.WriteByte(s[i])
			continue
		}
		if i+1 < len(s) && s[i+1] == '\'' {
			b.WriteByte('\'')
			i++
			continue
		}
		return b.String(), i + 1, nil
	}
	return "", 0, fmt.Errorf("incomplete string literal %s", s)
}

func letter(c byte, n int) (tsItem, error) {
	if why, ok := unsupported[c]; ok {
		return tsItem{}, fmt.Errorf("pattern letter %q: %s", c, why)
	}
	f, ok := letterField[c]
	if !ok {
		return tsItem{}, fmt.Errorf("unknown pattern letter %q", c)
	}
	if n > maxCount[c] {
		return tsItem{}, fmt.Errorf("too many pattern letters: %s", strings.Repeat(string(c), n))
	}
	if c == 'V' && n != 2 {
		return tsItem{}, fmt.Errorf("pattern letter count must be 2: V")
	}
	return tsItem{f: f, count: n}, nil
}

func isASCIILetter(c byte) bool {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

// appendTimestamp formats t (already in the wanted zone) into b.
func appendTimestamp(b []byte, items []tsItem, t time.Time) []byte {
	for _, it := range items {
		switch it.f {
		case fLiteral:
			b = append(b, it.lit...)
		case fYear:
			y := t.Year()
			if it.count == 2 {
				b = pad(b, y%100, 2)
			} else {
				b = pad(b, y, it.count)
			}
		case fMonth:
			b = appendText(b, int(t.Month()), it.count, t.Month().String())
		case fDay:
			b = pad(b, t.Day(), it.count)
		case fDayOfYear:
			b = pad(b, t.YearDay(), it.count)
		case fHour:
			b = pad(b, t.Hour(), it.count)
		case fHour12:
			h := t.Hour() % 12
			if h == 0 {
				h = 12
			}
			b = pad(b, h, it.count)
		case fHour0_11:
			b = pad(b, t.Hour()%12, it.count)
		case fHour1_24:
			h := t.Hour()
			if h == 0 {
				h = 24
			}
			b = pad(b, h, it.count)
		case fMinute:
			b = pad(b, t.Minute(), it.count)
		case fSecond:
			b = pad(b, t.Second(), it.count)
		case fFraction:
			// Java truncates the fraction to the letter count.
			ns := strconv.Itoa(1e9 + t.Nanosecond())[1:]
			b = append(b, ns[:it.count]...)
		case fAmPm:
			if t.Hour() < 12 {
				b = append(b, "AM"...)
			} else {
				b = append(b, "PM"...)
			}
		case fWeekday:
			b = appendWeekday(b, t.Weekday(), it.count)
		case fEra:
			b = appendEra(b, t.Year(), it.count)
		case fQuarter:
			b = appendQuarter(b, (int(t.Month())-1)/3+1, it.count)
		case fOffsetZ, fOffsetX, fOffsetx:
			_, off := t.Zone()
			b = appendOffset(b, it.f, it.count, off)
		case fZoneID:
			b = append(b, t.Location().String()...)
		}
	}
	return b
}

// pad writes v with at least width digits, as appendValue does.
func pad(b []byte, v, width int) []byte {
	if v < 0 {
		b = append(b, '-')
		v = -v
	}
	s := strconv.Itoa(v)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// appendText prints a number field (1-2 letters) or its English text:
// 3 letters short, 4 full, 5 narrow.
func appendText(b []byte, v, count int, full string) []byte {
	switch count {
	case 1, 2:
		return pad(b, v, count)
	case 3:
		return append(b, full[:3]...)
	case 4:
		return append(b, full...)
	default:
		return append(b, full[0])
	}
}

func appendWeekday(b []byte, d time.Weekday, count int) []byte {
	full := d.String()
	switch {
	case count <= 3:
		return append(b, full[:3]...)
	case count == 4:
		return append(b, full...)
	default:
		return append(b, full[0])
	}
}

func appendEra(b []byte, year, count int) []byte {
	ce := year > 0
	switch {
	case count <= 3 && ce:
		return append(b, "AD"...)
	case count <= 3:
		return append(b, "BC"...)
	case count == 4 && ce:
		return append(b, "Anno Domini"...)
	case count == 4:
		return append(b, "Before Christ"...)
	case ce:
		return append(b, 'A')
	default:
		return append(b, 'B')
	}
}

func appendQuarter(b []byte, q, count int) []byte {
	switch count {
	case 1, 2:
		return pad(b, q, count)
	case 3:
		return pad(append(b, 'Q'), q, 1)
	case 4:
		return append(b, [...]string{"1st", "2nd", "3rd", "4th"}[q-1]+" quarter"...)
	default:
		return pad(b, q, 1)
	}
}

// appendOffset prints a zone offset the way Z, X and x do: X prints "Z"
// for zero, x and Z never do (Z uses "+0000", or "GMT" at four letters).
func appendOffset(b []byte, f field, count, off int) []byte {
	if f == fOffsetX && off == 0 {
		return append(b, 'Z')
	}
	if f == fOffsetZ {
		switch count {
		case 4:
			if off == 0 {
				return append(b, "GMT"...)
			}
			return appendHMS(append(b, "GMT"...), off, true, false, true)
		case 5:
			if off == 0 {
				return append(b, 'Z')
			}
			return appendHMS(b, off, true, false, true)
		default:
			return appendHMS(b, off, false, false, false)
		}
	}
	// X and x: 1 = +HH[mm], 2 = +HHmm, 3 = +HH:mm, 4 = +HHmm[ss], 5 = +HH:mm[:ss].
	switch count {
	case 1:
		return appendHMS(b, off, false, true, false)
	case 2:
		return appendHMS(b, off, false, false, false)
	case 3:
		return appendHMS(b, off, true, false, false)
	case 4:
		return appendHMS(b, off, false, false, true)
	default:
		return appendHMS(b, off, true, false, true)
	}
}

// appendHMS prints ±HH, then minutes unless optMin and they are zero, then
// seconds when withSec and they are not zero.
func appendHMS(b []byte, off int, colon, optMin, withSec bool) []byte {
	sign := byte('+')
	if off < 0 {
		sign, off = '-', -off
	}
	h, m, s := off/3600, off/60%60, off%60
	b = pad(append(b, sign), h, 2)
	if optMin && m == 0 {
		return b
	}
	if colon {
		b = append(b, ':')
	}
	b = pad(b, m, 2)
	if withSec && s != 0 {
		if colon {
			b = append(b, ':')
		}
		b = pad(b, s, 2)
	}
	return b
}
