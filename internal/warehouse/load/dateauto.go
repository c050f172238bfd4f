package load

// DATEFORMAT/TIMEFORMAT 'auto' recognises the format-string layouts and
// also ISO 8601, Julian days (J2451187), BC years, YYYYMMDD HHMISS,
// YYMMDD HHMISS, YYYY.DDD, month names, zone names and numeric offsets.
// Numeric dates are year first when the year has four digits, otherwise
// month first (US order) unless the first number cannot be a month.

type autoTok struct {
	kind  byte // 'n' number, 'w' word (lower case), 'p' punctuation
	s     []byte
	space bool // white space came before it
}

func autoTokens(b []byte, toks []autoTok) ([]autoTok, bool) {
	space := false
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case isSpace(c):
			space = true
			i++
			continue
		case c >= '0' && c <= '9':
			j := i
			for j < len(b) && b[j] >= '0' && b[j] <= '9' {
				j++
			}
			toks = append(toks, autoTok{kind: 'n', s: b[i:j], space: space})
			i = j
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			j := i
			for j < len(b) && (b[j] >= 'a' && b[j] <= 'z' || b[j] >= 'A' && b[j] <= 'Z') {
				j++
			}
			toks = append(toks, autoTok{kind: 'w', s: b[i:j], space: space})
			i = j
		case c < 0x80:
			toks = append(toks, autoTok{kind: 'p', s: b[i : i+1], space: space})
			i++
		default:
			return nil, false
		}
		space = false
		if len(toks) > 32 {
			return nil, false
		}
	}
	return toks, true
}

func atoi(s []byte) int {
	v := 0
	for _, c := range s {
		v = v*10 + int(c-'0')
		if v > 1<<40 {
			return v
		}
	}
	return v
}

// zoneOffsets are the zone names auto takes, in seconds east of UTC.
var zoneOffsets = map[string]int{
	"z": 0, "ut": 0, "utc": 0, "gmt": 0,
	"est": -5 * 3600, "edt": -4 * 3600, "cst": -6 * 3600, "cdt": -5 * 3600,
	"mst": -7 * 3600, "mdt": -6 * 3600, "pst": -8 * 3600, "pdt": -7 * 3600,
	"akst": -9 * 3600, "akdt": -8 * 3600, "hst": -10 * 3600,
	"bst": 3600, "cet": 3600, "cest": 2 * 3600, "eet": 2 * 3600, "eest": 3 * 3600,
	"jst": 9 * 3600, "kst": 9 * 3600, "aest": 10 * 3600, "aedt": 11 * 3600,
}

type dateNum struct {
	v, digits int
}

// parseAuto recognises a date, a time or both in b.
func parseAuto(b []byte, p *dtParts) bool {
	var buf [16]autoTok
	toks, ok := autoTokens(b, buf[:0])
	if !ok || len(toks) == 0 {
		return false
	}
	var nums [3]dateNum
	nn := 0
	month := 0
	for k := 0; k < len(toks); k++ {
		t := toks[k]
		switch t.kind {
		case 'n':
			n, ok := autoNumber(toks, k, p, nums[:], &nn)
			if !ok {
				return false
			}
			k = n
		case 'w':
			w := t.s
			switch {
			case k+1 < len(toks) && len(w) == 1 && (w[0] == 'j' || w[0] == 'J') && toks[k+1].kind == 'n' && !toks[k+1].space && !p.hasDate:
				julian(atoi(toks[k+1].s), p)
				k++
			case len(w) == 1 && (w[0] == 't' || w[0] == 'T'):
			case foldIs(w, "am") || foldIs(w, "pm"):
				p.ampm = lowerByte(w[0])
			case foldIs(w, "bc"):
				p.bc = true
			case foldIs(w, "ad"):
			default:
				if m := monthOf(w); m > 0 && month == 0 && !p.hasDate {
					month = m
				} else if off, ok := zoneOffsets[lowerString(w)]; ok && !p.hasOffset {
					p.offset, p.hasOffset = off, true
				} else if !isWeekday(w) {
					return false
				}
			}
		case 'p':
			switch t.s[0] {
			case '-', '/', '.', ',':
			default:
				return false
			}
		}
	}
	if !p.hasDate && !assembleDate(nums[:nn], month, p) {
		return false
	}
	return true
}

// autoNumber reads the number at toks[k]: a time (and any offset after it)
// when a colon follows, a compact date or time, or one part of a date. It
// returns the last token it used.
func autoNumber(toks []autoTok, k int, p *dtParts, nums []dateNum, nn *int) (int, bool) {
	t := toks[k]
	next := func(i int, c byte) bool {
		return i < len(toks) && toks[i].kind == 'p' && toks[i].s[0] == c
	}
	num := func(i int) bool { return i < len(toks) && toks[i].kind == 'n' }
	switch {
	case next(k+1, ':') && num(k+2) && !p.hasTime:
		p.hour, p.min, p.hasTime = atoi(t.s), atoi(toks[k+2].s), true
		k += 2
		if next(k+1, ':') && num(k+2) {
			p.sec = atoi(toks[k+2].s)
			k += 2
			if next(k+1, '.') && num(k+2) {
				c := cursor{b: toks[k+2].s}
				p.ns = c.fraction()
				k += 2
			}
		}
		if k+2 < len(toks) && toks[k+1].kind == 'p' && (toks[k+1].s[0] == '+' || toks[k+1].s[0] == '-') && num(k+2) {
			return autoOffset(toks, k+2, p)
		}
		return k, true
	case len(t.s) == 8 && *nn == 0 && !p.hasDate:
		p.year, p.month, p.day, p.hasDate = atoi(t.s[:4]), atoi(t.s[4:6]), atoi(t.s[6:]), true
	case len(t.s) == 6 && *nn == 0 && !p.hasDate:
		p.year, p.month, p.day, p.hasDate, p.twoDigit = atoi(t.s[:2]), atoi(t.s[2:4]), atoi(t.s[4:]), true, true
	case len(t.s) == 6 && p.hasDate && !p.hasTime:
		p.hour, p.min, p.sec, p.hasTime = atoi(t.s[:2]), atoi(t.s[2:4]), atoi(t.s[4:]), true
	case len(t.s) == 4 && *nn == 0 && next(k+1, '.') && num(k+2) && len(toks[k+2].s) == 3 && !next(k+3, '.'):
		// YYYY.DDD, a day of the year
		doy := atoi(toks[k+2].s)
		if doy < 1 || doy > 366 {
			return k, false
		}
		p.year, p.month, p.day, p.hasDate = atoi(t.s), 1, doy, true
		return k + 2, dayOfYear(p)
	default:
		if *nn == len(nums) || len(t.s) > 4 {
			return k, false
		}
		nums[*nn] = dateNum{v: atoi(t.s), digits: len(t.s)}
		*nn++
	}
	return k, true
}

// autoOffset reads a numeric offset whose sign is toks[k-1]: HH, HHMM or
// HH:MM.
func autoOffset(toks []autoTok, k int, p *dtParts) (int, bool) {
	sign := 1
	if toks[k-1].s[0] == '-' {
		sign = -1
	}
	s := toks[k].s
	h, m := 0, 0
	switch len(s) {
	case 1, 2:
		h = atoi(s)
		if k+2 < len(toks) && toks[k+1].kind == 'p' && toks[k+1].s[0] == ':' && toks[k+2].kind == 'n' {
			m = atoi(toks[k+2].s)
			k += 2
		}
	case 4:
		h, m = atoi(s[:2]), atoi(s[2:])
	default:
		return k, false
	}
	if h > 15 || m > 59 {
		return k, false
	}
	p.offset, p.hasOffset = sign*(h*3600+m*60), true
	return k, true
}

// assembleDate orders the loose numbers of a date.
func assembleDate(nums []dateNum, month int, p *dtParts) bool {
	setYear := func(n dateNum) {
		p.year, p.twoDigit = n.v, n.digits <= 2
	}
	switch {
	case month > 0 && len(nums) == 2:
		p.month = month
		if nums[0].digits >= 3 || nums[0].v > 31 {
			setYear(nums[0])
			p.day = nums[1].v
		} else {
			p.day = nums[0].v
			setYear(nums[1])
		}
	case month == 0 && len(nums) == 3:
		switch {
		case nums[0].digits >= 3 || nums[0].v > 31:
			setYear(nums[0])
			p.month, p.day = nums[1].v, nums[2].v
		case nums[0].v > 12:
			p.day, p.month = nums[0].v, nums[1].v
			setYear(nums[2])
		default:
			p.month, p.day = nums[0].v, nums[1].v
			setYear(nums[2])
		}
	default:
		return false
	}
	p.hasDate = true
	return true
}

// julian sets the date of Julian day number jd (day 2440588 is 1970-01-01).
func julian(jd int, p *dtParts) {
	days := jd - 2440588
	if days < -4000000 || days > 110000000 {
		p.month = 0 // out of range: build refuses it
		p.hasDate = true
		return
	}
	y, m, d := civil(days)
	p.year, p.month, p.day, p.hasDate = y, m, d, true
}

// dayOfYear turns p.day, a day of p.year, into a month and day.
func dayOfYear(p *dtParts) bool {
	days := daysFromCivil(p.year, 1, 1) + p.day - 1
	y, m, d := civil(days)
	if y != p.year {
		return false
	}
	p.month, p.day = m, d
	return true
}

// civil and daysFromCivil convert between days since 1970-01-01 and
// proleptic Gregorian dates.
func civil(z int) (y, m, d int) {
	z += 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era = (z - 146096) / 146097
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	if mp < 10 {
		m = mp + 3
	} else {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

func daysFromCivil(y, m, d int) int {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

func monthOf(w []byte) int {
	if len(w) < 3 {
		return 0
	}
	for m, name := range monthNames {
		if len(w) <= len(name) && hasFoldPrefix([]byte(name), lowerString(w)) {
			return m + 1
		}
	}
	return 0
}

var weekdays = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

func isWeekday(w []byte) bool {
	if len(w) < 3 {
		return false
	}
	for _, d := range weekdays {
		if hasFoldPrefix(w, d) {
			return true
		}
	}
	return false
}

func foldIs(w []byte, lower string) bool { return len(w) == len(lower) && hasFoldPrefix(w, lower) }

func lowerByte(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func lowerString(w []byte) string {
	b := make([]byte, len(w))
	for i, c := range w {
		b[i] = lowerByte(c)
	}
	return string(b)
}
