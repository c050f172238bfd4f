package load

import "bytes"

const badCSVQuote = "Invalid quote formatting for CSV"

// csvSplitter splits Redshift's CSV: a field in quotes may hold delimiters,
// newlines and doubled quotes; blanks between a delimiter and a quote are
// ignored; a quote anywhere else in a field is an error. A CR ending a
// record (CRLF files) is dropped.
type csvSplitter struct {
	lr *lineReader
	c  *config
}

func (s *csvSplitter) next(rec *record) (bool, error) {
	line, ok, err := s.lr.next()
	if !ok {
		return false, err
	}
	rec.reset(cutAtNul(line, s.c), s.lr.num)
	i := 0
	for {
		j := s.skipBlanks(rec.raw, i)
		var err error
		if j < len(rec.raw) && rec.raw[j] == s.c.quote {
			i, err = s.quoted(rec, i, j)
		} else {
			i = s.plain(rec, i)
		}
		if err != nil || rec.bad != nil {
			return true, err
		}
		if i >= len(rec.raw) {
			return true, nil
		}
		i++ // the delimiter; one ending the line leaves an empty field
	}
}

// skipBlanks passes spaces and tabs that are not the delimiter.
func (s *csvSplitter) skipBlanks(raw []byte, i int) int {
	for i < len(raw) && (raw[i] == ' ' || raw[i] == '\t') && raw[i] != s.c.delim {
		i++
	}
	return i
}

// plain adds the unquoted field at i and returns the index of the delimiter
// after it, or the record's length.
func (s *csvSplitter) plain(rec *record, i int) int {
	raw := rec.raw
	e := len(raw)
	if k := bytes.IndexByte(raw[i:], s.c.delim); k >= 0 {
		e = i + k
	}
	ve := e
	if e == len(raw) && ve > i && raw[ve-1] == '\r' {
		ve--
	}
	if bytes.IndexByte(raw[i:ve], s.c.quote) >= 0 {
		rec.fail(CodeNoDelimiter, badCSVQuote, i)
		return e
	}
	rec.fields = append(rec.fields, span{vs: i, ve: ve, rs: i, re: e})
	return e
}

// quoted adds the field whose quote is at q (blanks from rs) and returns
// the index after it: the delimiter or the record's end. A record ending
// inside the quotes goes on with the next physical line.
func (s *csvSplitter) quoted(rec *record, rs, q int) (int, error) {
	vs, quote := len(rec.val), s.c.quote
	i := q + 1
	for {
		k := bytes.IndexByte(rec.raw[i:], quote)
		if k < 0 {
			rec.val = append(rec.val, rec.raw[i:]...)
			next, ok, err := s.lr.next()
			if err != nil {
				return i, err
			}
			if !ok {
				rec.fail(CodeNoDelimiter, badCSVQuote, rs)
				return len(rec.raw), nil
			}
			i = len(rec.raw) + 1
			rec.extend(cutAtNul(next, s.c))
			rec.val = append(rec.val, '\n')
			continue
		}
		rec.val = append(rec.val, rec.raw[i:i+k]...)
		i += k + 1
		if i < len(rec.raw) && rec.raw[i] == quote {
			rec.val = append(rec.val, quote)
			i++
			continue
		}
		break
	}
	re := i
	i = s.skipBlanks(rec.raw, i)
	if i < len(rec.raw) && rec.raw[i] == '\r' && i+1 == len(rec.raw) {
		i++
	}
	if i < len(rec.raw) && rec.raw[i] != s.c.delim {
		rec.fail(CodeNoDelimiter, badCSVQuote, rs)
		return i, nil
	}
	rec.addBuf(vs, rs, re, true)
	return i, nil
}
