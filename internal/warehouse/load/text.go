package load

import "bytes"

// splitter fills rec with the next record; ok is false at the end.
type splitter interface {
	next(rec *record) (ok bool, err error)
}

// textSplitter splits Redshift's TEXT format: one record a line, fields
// between delimiters. ESCAPE makes a backslash take the next character
// (delimiter, newline, quote or backslash) as data; REMOVEQUOTES lets a
// field be quoted, the quotes dropped and what they hold kept.
type textSplitter struct {
	lr *lineReader
	c  *config
}

func (t *textSplitter) next(rec *record) (bool, error) {
	line, ok, err := t.lr.next()
	if !ok {
		return false, err
	}
	rec.reset(cutAtNul(line, t.c), t.lr.num)
	if !t.c.escape && !t.c.removeQuotes {
		t.fast(rec)
		return true, nil
	}
	return true, t.slow(rec)
}

// cutAtNul ends a record at a NUL byte, which Redshift takes as an end of
// record unless NULL AS '\0' makes a lone NUL a NULL.
func cutAtNul(line []byte, c *config) []byte {
	if c.nulTerm {
		return line
	}
	if i := bytes.IndexByte(line, 0); i >= 0 {
		return line[:i]
	}
	return line
}

// fast splits a line with no escapes or quotes to honour: fields are
// slices of the line.
func (t *textSplitter) fast(rec *record) {
	raw, d, s := rec.raw, t.c.delim, 0
	for {
		i := bytes.IndexByte(raw[s:], d)
		if i < 0 {
			rec.addRaw(s, len(raw))
			return
		}
		rec.addRaw(s, s+i)
		s += i + 1
	}
}

// slow splits byte by byte, copying values into rec.val.
func (t *textSplitter) slow(rec *record) error {
	d, i := t.c.delim, 0
	for {
		rs, vs := i, len(rec.val)
		quoted := false
		var err error
		if t.c.removeQuotes && i < len(rec.raw) && (rec.raw[i] == '"' || rec.raw[i] == '\'') {
			quoted = true
			if i, err = t.quoted(rec, i); err != nil || rec.bad != nil {
				return err
			}
		} else if i, err = t.plain(rec, i); err != nil {
			return err
		}
		rec.addBuf(vs, rs, i, quoted)
		if i >= len(rec.raw) {
			return nil
		}
		if rec.raw[i] != d {
			rec.fail(CodeNoDelimiter, "Unmatched quote", rs)
			return nil
		}
		i++
	}
}

// plain reads an unquoted field from i to the next delimiter or the end of
// the record, and returns where it stopped.
func (t *textSplitter) plain(rec *record, i int) (int, error) {
	d := t.c.delim
	for i < len(rec.raw) {
		b := rec.raw[i]
		switch {
		case b == d:
			return i, nil
		default:
			n, err := t.take(rec, i)
			if err != nil {
				return i, err
			}
			i = n
		}
	}
	return i, nil
}

// take moves the byte at i, or the escape sequence there when ESCAPE is
// on, into the field's value and returns where the next one starts.
func (t *textSplitter) take(rec *record, i int) (int, error) {
	if rec.raw[i] == '\\' && t.c.escape {
		return t.escaped(rec, i)
	}
	rec.val = append(rec.val, rec.raw[i])
	return i + 1, nil
}

// quoted reads a field that opens with a quote at i. It closes at the same
// quote followed by a delimiter or the line's end; a line ending first is an
// unmatched quote.
func (t *textSplitter) quoted(rec *record, i int) (int, error) {
	q, d, start := rec.raw[i], t.c.delim, i
	for i++; i < len(rec.raw); {
		b := rec.raw[i]
		switch {
		case b == q && (i+1 == len(rec.raw) || rec.raw[i+1] == d):
			return i + 1, nil
		default:
			n, err := t.take(rec, i)
			if err != nil {
				return i, err
			}
			i = n
		}
	}
	rec.fail(CodeNoDelimiter, "Unmatched quote", start)
	return i, nil
}

// escaped takes the backslash at i and the character after it as data. A
// backslash ending the line escapes the newline: the record goes on with
// the next physical line.
func (t *textSplitter) escaped(rec *record, i int) (int, error) {
	if i+1 < len(rec.raw) {
		rec.val = append(rec.val, rec.raw[i+1])
		return i + 2, nil
	}
	hadNL := t.lr.nl
	next, ok, err := t.lr.next()
	if err != nil {
		return i, err
	}
	if !ok { // the file ends: an escaped last newline, or a lone backslash
		if hadNL {
			rec.val = append(rec.val, '\n')
		} else {
			rec.val = append(rec.val, '\\')
		}
		return i + 1, nil
	}
	rec.extend(cutAtNul(next, t.c))
	rec.val = append(rec.val, '\n')
	return i + 2, nil
}
