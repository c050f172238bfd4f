package format

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// CSVSpec is a custom CSV classifier as Glue's CreateClassifier takes it.
type CSVSpec struct {
	Delimiter rune // required
	Quote     rune // 0 means '"'
	// Header is "PRESENT", "ABSENT", or "UNKNOWN" (or empty) to detect a
	// header as the built-in classifier does.
	Header string
	// Columns are the column names to use when given (Glue's Header field);
	// a file must then have that many columns.
	Columns []string
	// DisableTrimming keeps blanks around values: " 1" is then a string.
	DisableTrimming   bool
	AllowSingleColumn bool
}

// The values of CSVSpec.Header.
const (
	HeaderPresent = "PRESENT"
	HeaderAbsent  = "ABSENT"
	HeaderUnknown = "UNKNOWN"
)

func (s CSVSpec) quote() rune {
	if s.Quote == 0 {
		return '"'
	}
	return s.Quote
}

// Validate checks the spec, so CreateClassifier can refuse a bad one; the
// error wraps ErrInvalidClassifier.
func (s CSVSpec) Validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: csv classifier: %s", ErrInvalidClassifier, fmt.Sprintf(format, a...))
	}
	q := s.quote()
	switch {
	case s.Delimiter == 0:
		return bad("a delimiter is required")
	case !validCSVRune(s.Delimiter):
		return bad("delimiter %q cannot separate fields", s.Delimiter)
	case !validCSVRune(q):
		return bad("quote %q cannot quote fields", q)
	case q == s.Delimiter:
		return bad("quote and delimiter are both %q", q)
	}
	switch strings.ToUpper(s.Header) {
	case "", HeaderPresent, HeaderAbsent, HeaderUnknown:
	default:
		return bad("header %q, want PRESENT, ABSENT or UNKNOWN", s.Header)
	}
	if len(s.Columns) > maxCSVFieldsRow {
		return bad("%d column names, more than %d", len(s.Columns), maxCSVFieldsRow)
	}
	seen := make(map[string]bool, len(s.Columns))
	for _, c := range s.Columns {
		name := strings.ToLower(strings.TrimSpace(c))
		if !validColumnName(name) {
			return bad("bad column name %q", c)
		}
		if seen[name] {
			return bad("column %q is named twice", c)
		}
		seen[name] = true
	}
	return nil
}

func validCSVRune(r rune) bool {
	return r != '\r' && r != '\n' && utf8.ValidRune(r) && r != utf8.RuneError
}

// ClassifyCSVSpec classifies the head of r with a custom CSV classifier. The
// types are inferred per cell as InferCSV does; names come from
// spec.Columns, else the header, else col0, col1... A file whose rows
// disagree on their field count, that has one column without
// AllowSingleColumn, or that is not text yields ErrNoMatch saying where. One
// row is enough: the user has said the file is CSV.
func ClassifyCSVSpec(r io.ReaderAt, size int64, spec CSVSpec, opts Options) (Result, error) {
	if err := spec.Validate(); err != nil {
		return Result{}, err
	}
	opts = opts.withDefaults()
	head, cut, res, err := readCustomHead(r, size, opts)
	if err != nil {
		return res, err
	}
	if cut {
		head = dropPartialLine(head)
	}
	noMatch := func(format string, a ...any) error {
		return fmt.Errorf("%w: csv delimiter %q: %s", ErrNoMatch, spec.Delimiter, fmt.Sprintf(format, a...))
	}
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	if i := bytes.IndexByte(head, 0); i >= 0 {
		return res, noMatch("NUL byte at offset %d, the data is binary", i)
	}
	if !utf8.Valid(head) {
		return res, noMatch("the head is not valid UTF-8 text")
	}
	p := &dsvParser{s: string(head), delim: spec.Delimiter, quote: spec.quote(), line: 1}
	var rows [][]string
	for len(rows) <= opts.MaxRecords {
		row, err := p.record()
		line := p.start
		if err == io.EOF || err == errCutRecord && cut {
			break
		}
		if err != nil {
			return res, noMatch("line %d: %v", line, err)
		}
		if len(rows) > 0 && len(row) != len(rows[0]) {
			return res, noMatch("line %d has %d fields, the first row has %d", line, len(row), len(rows[0]))
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		return res, noMatch("no rows")
	}
	ncol := len(rows[0])
	// A trailing delimiter leaves a last column empty throughout, as with
	// the built-in classifier, unless the names given count it.
	if ncol > 1 && len(spec.Columns) != ncol && lastColumnEmpty(rows) {
		ncol--
	}
	if ncol < 2 && !spec.AllowSingleColumn {
		return res, noMatch("one column, and the classifier does not allow single-column files")
	}
	if len(spec.Columns) > 0 && len(spec.Columns) != ncol {
		return res, noMatch("%d columns, the classifier names %d", ncol, len(spec.Columns))
	}
	trim := !spec.DisableTrimming
	switch strings.ToUpper(spec.Header) {
	case HeaderPresent:
		res.HasHeader = true
	case HeaderAbsent:
	default:
		res.HasHeader = len(rows) > 1 && isHeader(rows[0][:ncol], specColumnTypes(rows[1:], ncol, trim))
	}
	data := rows[:min(len(rows), opts.MaxRecords)]
	if res.HasHeader {
		data = rows[1:]
	}
	names, err := csvNames(spec.Columns, rows[0][:ncol], res.HasHeader)
	if err != nil {
		return res, noMatch("%v", err)
	}
	for i, t := range specColumnTypes(data, ncol, trim) {
		res.Schema = append(res.Schema, Column{Name: names[i], Type: t})
	}
	res.Classification, res.Delimiter, res.Confidence = "csv", spec.Delimiter, 1
	res.RecordsSampled = int64(len(data))
	return res, nil
}

// csvNames picks the given names, else the header's (an empty header cell
// keeps its colN name), else col0, col1...
func csvNames(given, header []string, hasHeader bool) ([]string, error) {
	names := make([]string, len(header))
	seen := make(map[string]int, len(header))
	for i := range names {
		names[i] = columnPrefix + strconv.Itoa(i)
		switch {
		case len(given) > 0:
			names[i] = strings.TrimSpace(given[i])
		case hasHeader && strings.TrimSpace(header[i]) != "":
			names[i] = strings.TrimSpace(header[i])
			if !validColumnName(names[i]) {
				return nil, fmt.Errorf("header cell %d, %q, is no column name", i+1, names[i])
			}
		}
		key := strings.ToLower(names[i])
		if j, dup := seen[key]; dup {
			return nil, fmt.Errorf("columns %d and %d are both named %q", j+1, i+1, names[i])
		}
		seen[key] = i
	}
	return names, nil
}

// specColumnTypes is columnTypes, except that without trimming a cell with
// blanks around it is a string: the blanks are part of the value.
func specColumnTypes(rows [][]string, ncol int, trim bool) []Type {
	types := make([]Type, ncol)
	for _, r := range rows {
		for i := 0; i < ncol; i++ {
			t := cellType(r[i])
			if !trim && r[i] != strings.TrimSpace(r[i]) {
				t = scalar(KindString)
			}
			if t.Kind != KindInvalid {
				types[i], _ = Merge(types[i], t)
			}
		}
	}
	for i := range types {
		if types[i].Kind == KindInvalid {
			types[i] = scalar(KindString)
		}
	}
	return types
}

// errCutRecord is a quoted field still open at the end of the text, which
// is no error when the byte cap cut the text.
var errCutRecord = errors.New("a quoted field is never closed")

// dsvParser splits delimited text into records, since encoding/csv knows no
// quote but '"'. A field that starts with the quote may hold delimiters,
// line breaks and doubled quotes; elsewhere a quote is an ordinary
// character. Empty lines are skipped, as encoding/csv does.
type dsvParser struct {
	s            string
	i            int
	line, start  int // the line at i, and where the last record started
	delim, quote rune
}

func (p *dsvParser) record() ([]string, error) {
	for n := p.eol(); n > 0; n = p.eol() {
		p.i += n
		p.line++
	}
	if p.i >= len(p.s) {
		return nil, io.EOF
	}
	p.start = p.line
	var row []string
	for {
		f, err := p.field()
		if err != nil {
			return nil, err
		}
		if row = append(row, f); len(row) > maxCSVFieldsRow {
			return nil, fmt.Errorf("more than %d fields", maxCSVFieldsRow)
		}
		// field stops only at a delimiter, a line end or the end.
		if r, n := utf8.DecodeRuneInString(p.s[p.i:]); n > 0 && r == p.delim {
			p.i += n
			continue
		}
		if n := p.eol(); n > 0 {
			p.i += n
			p.line++
		}
		return row, nil
	}
}

// eol is the length of the line end at p.i, 0 if there is none.
func (p *dsvParser) eol() int {
	switch {
	case strings.HasPrefix(p.s[p.i:], "\n"):
		return 1
	case strings.HasPrefix(p.s[p.i:], "\r\n"):
		return 2
	}
	return 0
}

func (p *dsvParser) field() (string, error) {
	if r, n := utf8.DecodeRuneInString(p.s[p.i:]); n > 0 && r == p.quote {
		return p.quoted(n)
	}
	start := p.i
	for p.i < len(p.s) && p.eol() == 0 {
		r, n := utf8.DecodeRuneInString(p.s[p.i:])
		if r == p.delim {
			break
		}
		p.i += n
	}
	return p.s[start:p.i], nil
}

// quoted reads a quoted field; qlen is the quote's length in bytes.
func (p *dsvParser) quoted(qlen int) (string, error) {
	p.i += qlen
	var b strings.Builder
	for {
		k := strings.IndexRune(p.s[p.i:], p.quote)
		if k < 0 {
			return "", errCutRecord
		}
		b.WriteString(p.s[p.i : p.i+k])
		p.line += strings.Count(p.s[p.i:p.i+k], "\n")
		p.i += k + qlen
		if !strings.HasPrefix(p.s[p.i:], string(p.quote)) {
			break
		}
		b.WriteRune(p.quote) // a doubled quote stands for one
		p.i += qlen
	}
	if r, n := utf8.DecodeRuneInString(p.s[p.i:]); n > 0 && r != p.delim && p.eol() == 0 {
		return "", fmt.Errorf("%q after a closing quote", r)
	}
	return b.String(), nil
}
