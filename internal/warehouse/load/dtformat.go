package load

import "strings"

// A DATEFORMAT or TIMEFORMAT string: its parts compiled once, then
// matched against each field.

// formatParts are the dateparts and timeparts COPY's format strings take,
// longest first so MONTH wins over MON and MM, HH24 over HH.
var formatParts = []struct {
	name string
	kind dtKind
}{
	{"YYYY", itYear4}, {"YY", itYear2}, {"MONTH", itMonthName}, {"MON", itMonthName},
	{"MM", itMonth}, {"MI", itMinute}, {"DD", itDay}, {"HH24", itHour24},
	{"HH12", itHour12}, {"HH", itHour24}, {"SS", itSecond}, {"AM", itAMPM}, {"PM", itAMPM},
}

// fractionParts may follow SS after a point; the fraction is read whatever
// its length.
var fractionParts = []string{".US", ".MS", ".FF", ".SSSSSS", ".SSS", ".SS", ".S"}

func compileSpec(s string, isTime bool) (dtSpec, error) {
	switch {
	case s == "":
		return dtSpec{mode: dtDefault}, nil
	case s == "auto": // the keyword is case-sensitive
		return dtSpec{mode: dtAuto, src: s}, nil
	case isTime && strings.EqualFold(s, "epochsecs"):
		return dtSpec{mode: dtEpochSecs, src: "epochsecs"}, nil
	case isTime && strings.EqualFold(s, "epochmillisecs"):
		return dtSpec{mode: dtEpochMillis, src: "epochmillisecs"}, nil
	}
	sp := dtSpec{mode: dtFormat, src: s}
	up := strings.ToUpper(s)
	parts := 0
	for i := 0; i < len(up); {
		if up[i] == ' ' || up[i] == '\t' {
			for i < len(up) && (up[i] == ' ' || up[i] == '\t') {
				i++
			}
			sp.items = append(sp.items, dtItem{kind: itSpace})
			continue
		}
		matched := false
		for _, p := range formatParts {
			if strings.HasPrefix(up[i:], p.name) {
				sp.items = append(sp.items, dtItem{kind: p.kind})
				i += len(p.name)
				parts++
				matched = true
				if p.kind == itSecond {
					for _, f := range fractionParts {
						if strings.HasPrefix(up[i:], f) {
							i += len(f)
							break
						}
					}
				}
				break
			}
		}
		if !matched {
			sp.items = append(sp.items, dtItem{kind: itLiteral, lit: up[i]})
			i++
		}
	}
	if parts == 0 {
		return sp, optErr("format %q has no datepart or timepart", s)
	}
	return sp, nil
}

// parseFormat matches b against a compiled format string. Blanks in the
// format match any run of blanks; other characters must be there as they
// are, in any case. A TIMESTAMPTZ may end with an offset.
func parseFormat(b []byte, items []dtItem, p *dtParts) bool {
	c := cursor{b: b}
	var ok bool
	p.year, p.month, p.day = 1900, 1, 1 // for parts the format leaves out
	for _, it := range items {
		switch it.kind {
		case itSpace:
			c.skipSpaces()
			continue
		case itLiteral:
			if c.done() || upper(c.b[c.i]) != it.lit {
				return false
			}
			c.i++
			continue
		case itYear4:
			p.year, ok = c.digits(4)
			p.hasDate = true
		case itYear2:
			p.year, ok = c.digits(2)
			p.twoDigit, p.hasDate = true, true
		case itMonth:
			p.month, ok = c.digits(2)
		case itMonthName:
			p.month, ok = c.monthName()
		case itDay:
			p.day, ok = c.digits(2)
		case itHour24, itHour12:
			p.hour, ok = c.digits(2)
			p.hasTime = true
		case itMinute:
			p.min, ok = c.digits(2)
		case itSecond:
			ok = c.seconds(p)
		case itAMPM:
			ok = c.meridian(p)
		}
		if !ok {
			return false
		}
	}
	c.skipSpaces()
	if !c.done() && !c.offset(p) {
		return false
	}
	c.skipSpaces()
	return c.done()
}

func upper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}

var monthNames = [...]string{"january", "february", "march", "april", "may", "june",
	"july", "august", "september", "october", "november", "december"}

// monthName reads a month's full name or its first three letters.
func (c *cursor) monthName() (int, bool) {
	rest := c.b[c.i:]
	for m, name := range monthNames {
		if hasFoldPrefix(rest, name) {
			c.i += len(name)
			return m + 1, true
		}
	}
	for m, name := range monthNames {
		if hasFoldPrefix(rest, name[:3]) {
			c.i += 3
			return m + 1, true
		}
	}
	return 0, false
}

// meridian reads AM or PM, with or without points.
func (c *cursor) meridian(p *dtParts) bool {
	rest := c.b[c.i:]
	for _, s := range []string{"a.m.", "p.m.", "am", "pm"} {
		if hasFoldPrefix(rest, s) {
			c.i += len(s)
			p.ampm = s[0]
			return true
		}
	}
	return false
}

func hasFoldPrefix(b []byte, lower string) bool {
	if len(b) < len(lower) {
		return false
	}
	for i := 0; i < len(lower); i++ {
		c := b[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}
