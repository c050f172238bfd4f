package load

import "time"

type dtMode uint8

const (
	dtDefault dtMode = iota
	dtAuto
	dtFormat
	dtEpochSecs
	dtEpochMillis
)

// dtSpec is a compiled DATEFORMAT or TIMEFORMAT.
type dtSpec struct {
	mode  dtMode
	src   string
	items []dtItem
}

type dtKind uint8

const (
	itYear4 dtKind = iota
	itYear2
	itMonth
	itMonthName
	itDay
	itHour24
	itHour12
	itMinute
	itSecond // with any fraction after it
	itAMPM
	itSpace
	itLiteral
)

type dtItem struct {
	kind dtKind
	lit  byte
}

// dtParts are the fields read from a date or time before they are checked.
type dtParts struct {
	year, month, day    int
	hour, min, sec, ns  int
	hasDate, hasTime    bool
	ampm                byte // 'a', 'p' or 0
	bc                  bool
	offset              int // seconds east of UTC
	hasOffset, twoDigit bool
}

// build checks the fields and makes the time: a TIMESTAMPTZ moves to UTC by
// its offset, a TIMESTAMP or DATE keeps its wall clock.
func (p *dtParts) build(tz bool) (time.Time, bool) {
	y := p.year
	if p.twoDigit && !p.bc {
		if y < 70 {
			y += 2000
		} else {
			y += 1900
		}
	}
	if p.bc {
		y = 1 - y
	}
	h := p.hour
	switch p.ampm {
	case 'a', 'p':
		if h < 1 || h > 12 {
			return time.Time{}, false
		}
		h %= 12
		if p.ampm == 'p' {
			h += 12
		}
	}
	if p.month < 1 || p.month > 12 || p.day < 1 || p.day > 31 || h > 23 || p.min > 59 || p.sec > 59 || y > 294276 || y < -4712 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(p.month), p.day, h, p.min, p.sec, p.ns, time.UTC)
	if t.Day() != p.day {
		return time.Time{}, false // February 30th and the like
	}
	if tz && p.hasOffset {
		t = t.Add(-time.Duration(p.offset) * time.Second)
	}
	return t, true
}

// cursor walks a date or time string.
type cursor struct {
	b []byte
	i int
}

func (c *cursor) done() bool { return c.i >= len(c.b) }

func (c *cursor) peek() byte {
	if c.i < len(c.b) {
		return c.b[c.i]
	}
	return 0
}

func (c *cursor) skipSpaces() {
	for c.i < len(c.b) && isSpace(c.b[c.i]) {
		c.i++
	}
}

// digits reads from 1 to n digits.
func (c *cursor) digits(n int) (int, bool) {
	v, k := 0, 0
	for k < n && c.i < len(c.b) && c.b[c.i] >= '0' && c.b[c.i] <= '9' {
		v = v*10 + int(c.b[c.i]-'0')
		c.i++
		k++
	}
	return v, k > 0
}

// fraction reads the digits after a point as nanoseconds, keeping
// microseconds, Redshift's precision.
func (c *cursor) fraction() int {
	ns, scale := 0, 100000000
	for c.i < len(c.b) && c.b[c.i] >= '0' && c.b[c.i] <= '9' {
		ns += int(c.b[c.i]-'0') * scale
		scale /= 10
		c.i++
	}
	return ns / 1000 * 1000
}

// seconds reads SS and an optional .fraction.
func (c *cursor) seconds(p *dtParts) bool {
	var ok bool
	if p.sec, ok = c.digits(2); !ok {
		return false
	}
	if c.peek() == '.' && c.i+1 < len(c.b) && c.b[c.i+1] >= '0' && c.b[c.i+1] <= '9' {
		c.i++
		p.ns = c.fraction()
	}
	return true
}

// offset reads Z or ±HH[[:]MM].
func (c *cursor) offset(p *dtParts) bool {
	switch c.peek() {
	case 'Z', 'z':
		c.i++
		p.hasOffset = true
		return true
	case '+', '-':
	default:
		return false
	}
	sign := 1
	if c.b[c.i] == '-' {
		sign = -1
	}
	c.i++
	start := c.i
	h, ok := c.digits(2)
	if !ok {
		return false
	}
	m := 0
	if c.peek() == ':' {
		c.i++
		if m, ok = c.digits(2); !ok {
			return false
		}
	} else if c.i-start == 2 && c.i < len(c.b) && c.b[c.i] >= '0' && c.b[c.i] <= '9' {
		if m, ok = c.digits(2); !ok {
			return false
		}
	}
	if h > 15 || m > 59 {
		return false
	}
	p.offset, p.hasOffset = sign*(h*3600+m*60), true
	return true
}

// parseDefault reads Redshift's default YYYY-MM-DD[ HH:MI:SS[.f]][OF]
// (a T may stand for the blank). A DATE ignores a time after its date.
func parseDefault(b []byte, p *dtParts) bool {
	c := cursor{b: b}
	var ok bool
	if p.year, ok = c.digits(4); !ok || c.i != 4 {
		return false
	}
	sep := c.peek()
	if sep != '-' && sep != '/' && sep != '.' {
		return false
	}
	c.i++
	if p.month, ok = c.digits(2); !ok || c.peek() != sep {
		return false
	}
	c.i++
	if p.day, ok = c.digits(2); !ok {
		return false
	}
	p.hasDate = true
	if c.done() {
		return true
	}
	if c.peek() == 'T' || c.peek() == 't' {
		c.i++
	} else if !isSpace(c.peek()) {
		return false
	}
	c.skipSpaces()
	if c.done() {
		return true
	}
	if p.hour, ok = c.digits(2); !ok || c.peek() != ':' {
		return false
	}
	c.i++
	if p.min, ok = c.digits(2); !ok {
		return false
	}
	if c.peek() == ':' {
		c.i++
		if !c.seconds(p) {
			return false
		}
	}
	p.hasTime = true
	c.skipSpaces()
	if !c.done() && !c.offset(p) {
		return false
	}
	c.skipSpaces()
	return c.done()
}

// parseEpoch reads whole (or, for seconds, fractional) units since
// 1970-01-01 00:00:00 UTC.
func parseEpoch(b []byte, millis bool) (time.Time, bool) {
	c := cursor{b: b}
	neg := false
	if c.peek() == '-' || c.peek() == '+' {
		neg = c.peek() == '-'
		c.i++
	}
	var v int64
	k := 0
	for !c.done() && c.peek() >= '0' && c.peek() <= '9' {
		if v > (1<<62)/10 {
			return time.Time{}, false
		}
		v = v*10 + int64(c.peek()-'0')
		c.i++
		k++
	}
	if k == 0 {
		return time.Time{}, false
	}
	ns := 0
	if !millis && c.peek() == '.' {
		c.i++
		ns = c.fraction()
	}
	if !c.done() {
		return time.Time{}, false
	}
	if neg {
		v, ns = -v, -ns
	}
	var t time.Time
	if millis {
		t = time.UnixMilli(v).UTC()
	} else {
		t = time.Unix(v, int64(ns)).UTC()
	}
	if y := t.Year(); y > 294276 || y < -4712 {
		return time.Time{}, false
	}
	return t, true
}
