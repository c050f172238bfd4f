package format

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// CSVInfo is what inference learned from the head of a delimited text file.
type CSVInfo struct {
	Schema    Schema
	Delimiter rune
	HasHeader bool
	// Records counts sampled data rows (the header excluded); Bytes the
	// (decompressed) bytes they span.
	Records int
	Bytes   int64
}

// csvDelimiters are the delimiters Glue's built-in CSV classifier tries, in
// the order ties are broken: comma, tab, pipe, semicolon and Ctrl-A.
var csvDelimiters = []rune{',', '\t', '|', ';', '\x01'}

// Glue limits, from "Built-in classifiers" in the AWS Glue developer guide
// (docs.aws.amazon.com/glue/latest/dg/add-classifier.html): a CSV table has
// at least two columns and two rows, and a header cell other than the last
// is shorter than 150 characters. Column names are at most 255 characters.
const (
	minCSVColumns   = 2
	minCSVRows      = 2
	maxHeaderCell   = 150
	maxColumnName   = 255
	columnPrefix    = "col"
	maxCSVFieldsRow = 10000 // more fields than this in a row is not a table
)

// InferCSV classifies the head of r as delimited text and infers its schema.
// Rows whose field count differs from the first row's are an error naming the
// line: a crawler that guessed around them would make a table that
// misreads the file. Without a header, columns are named col0, col1...
func InferCSV(r io.Reader, opts Options) (CSVInfo, error) {
	opts = opts.withDefaults()
	head, err := readHead(r, opts.MaxBytes)
	if err != nil {
		return CSVInfo{}, err
	}
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	if i := bytes.IndexByte(head, 0); i >= 0 {
		return CSVInfo{}, fmt.Errorf("%w: NUL byte at offset %d, the data is binary", ErrNotCSV, i)
	}
	if !utf8.Valid(head) {
		return CSVInfo{}, fmt.Errorf("%w: the head is not valid UTF-8 text", ErrNotCSV)
	}
	if len(bytes.TrimSpace(head)) == 0 {
		return CSVInfo{}, fmt.Errorf("%w: no data", ErrNotCSV)
	}
	var best *csvSample
	var errs []error
	for _, d := range csvDelimiters {
		s, err := sampleCSV(head, d, opts.MaxRecords+1)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if best == nil || s.better(best) {
			best = s
		}
	}
	if best == nil {
		return CSVInfo{}, fmt.Errorf("%w: %w", ErrNotCSV, errors.Join(errs...))
	}
	if best.raggedLine > 0 {
		return CSVInfo{}, fmt.Errorf("%w: delimiter %q: line %d has %d fields, line 1 has %d",
			ErrNotCSV, best.delim, best.raggedLine, best.raggedFields, len(best.rows[0]))
	}
	return best.infer(opts.MaxRecords)
}

// readHead reads up to max bytes and, when the file goes on, drops the last
// partial line so a cut row is not mistaken for a ragged one.
func readHead(r io.Reader, max int64) ([]byte, error) {
	head, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, fmt.Errorf("read csv head: %w", err)
	}
	if int64(len(head)) > max {
		head = head[:max]
		if i := bytes.LastIndexByte(head, '\n'); i >= 0 {
			head = head[:i+1]
		}
	}
	return head, nil
}

type csvSample struct {
	delim        rune
	rows         [][]string
	bytes        int64
	raggedLine   int // first line whose field count differs, 0 if none
	raggedFields int
	consistent   int // rows with the first row's field count
}

// sampleCSV parses up to n rows of head with delimiter d.
func sampleCSV(head []byte, d rune, n int) (*csvSample, error) {
	cr := csv.NewReader(bytes.NewReader(head))
	cr.Comma = d
	cr.FieldsPerRecord = -1 // ragged rows are judged below, with their line
	cr.ReuseRecord = false
	s := &csvSample{delim: d}
	for len(s.rows) < n {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("delimiter %q: %w", d, err)
		}
		if len(rec) > maxCSVFieldsRow {
			return nil, fmt.Errorf("delimiter %q: %d fields in a row", d, len(rec))
		}
		if len(s.rows) > 0 && len(rec) != len(s.rows[0]) {
			if s.raggedLine == 0 {
				s.raggedLine, _ = cr.FieldPos(0)
				s.raggedFields = len(rec)
			}
		} else {
			s.consistent++
		}
		s.rows = append(s.rows, rec)
		s.bytes = cr.InputOffset()
	}
	if len(s.rows) == 0 || len(s.rows[0]) < minCSVColumns {
		return nil, fmt.Errorf("delimiter %q: fewer than %d columns", d, minCSVColumns)
	}
	if len(s.rows) < minCSVRows {
		return nil, fmt.Errorf("delimiter %q: fewer than %d rows", d, minCSVRows)
	}
	return s, nil
}

// better prefers the delimiter whose rows agree most on their field count,
// then the one giving more columns; ties keep the earlier delimiter.
func (s *csvSample) better(o *csvSample) bool {
	a := float64(s.consistent) / float64(len(s.rows))
	b := float64(o.consistent) / float64(len(o.rows))
	if a != b {
		return a > b
	}
	return len(s.rows[0]) > len(o.rows[0])
}

// infer judges the header and column types; the sample holds one row more
// than maxRecords so a header does not eat into the data rows.
func (s *csvSample) infer(maxRecords int) (CSVInfo, error) {
	rows := s.rows
	ncol := len(rows[0])
	// A trailing delimiter leaves a last column empty throughout; Glue
	// allows it, and it is no column.
	if lastColumnEmpty(rows) {
		ncol--
	}
	if ncol < minCSVColumns {
		return CSVInfo{}, fmt.Errorf("%w: delimiter %q: fewer than %d columns", ErrNotCSV, s.delim, minCSVColumns)
	}
	types := columnTypes(rows[1:], ncol)
	info := CSVInfo{Delimiter: s.delim, Bytes: s.bytes}
	info.HasHeader = isHeader(rows[0][:ncol], types)
	data := rows
	if info.HasHeader {
		data = rows[1:]
	} else {
		data = rows[:min(len(rows), maxRecords)]
		types = columnTypes(data, ncol)
	}
	info.Records = len(data)
	for i := 0; i < ncol; i++ {
		name := columnPrefix + strconv.Itoa(i)
		if info.HasHeader {
			name = strings.TrimSpace(rows[0][i])
		}
		info.Schema = append(info.Schema, Column{Name: name, Type: types[i]})
	}
	return info, nil
}

func lastColumnEmpty(rows [][]string) bool {
	for _, r := range rows {
		if strings.TrimSpace(r[len(r)-1]) != "" {
			return false
		}
	}
	return true
}

// columnTypes infers each column from its trimmed cells: bigint, double,
// boolean or string. Empty cells are nulls and add nothing; a column only
// ever empty is string.
func columnTypes(rows [][]string, ncol int) []Type {
	types := make([]Type, ncol)
	for _, r := range rows {
		for i := 0; i < ncol; i++ {
			if t := cellType(r[i]); t.Kind != KindInvalid {
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

func cellType(cell string) Type {
	s := strings.TrimSpace(cell)
	switch {
	case s == "":
		return Type{}
	case strings.EqualFold(s, "true"), strings.EqualFold(s, "false"):
		return scalar(KindBoolean)
	case !isDecimalNumber(s):
		return scalar(KindString)
	}
	if _, err := strconv.ParseInt(s, 10, 64); err == nil {
		return scalar(KindBigint)
	}
	return scalar(KindDouble)
}

// isDecimalNumber accepts [+-]digits[.digits][e[+-]digits], refusing what
// ParseFloat also takes (Inf, NaN, hex, underscores) but no CSV writer means.
func isDecimalNumber(s string) bool {
	i, digits := 0, 0
	if s[0] == '+' || s[0] == '-' {
		i++
	}
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		digits++
	}
	if i < len(s) && s[i] == '.' {
		for i++; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		exp := 0
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			exp++
		}
		if exp == 0 {
			return false
		}
	}
	return i == len(s)
}

// isHeader applies Glue's rules for the built-in CSV classifier (AWS Glue
// developer guide, "Built-in classifiers", CSV): every cell of the candidate
// header parses as STRING; every cell but the last is shorter than 150
// characters; every cell is a valid column name; and the header differs from
// the data, meaning at least one column of the data is not STRING (when all
// columns are strings the first row is taken as data). We also require the
// names to be unique, since a table cannot have two columns of one name.
func isHeader(first []string, dataTypes []Type) bool {
	seen := make(map[string]bool, len(first))
	for i, cell := range first {
		c := strings.TrimSpace(cell)
		if cellType(c).Kind != KindString {
			return false
		}
		if i < len(first)-1 && utf8.RuneCountInString(c) >= maxHeaderCell {
			return false
		}
		if !validColumnName(c) || seen[strings.ToLower(c)] {
			return false
		}
		seen[strings.ToLower(c)] = true
	}
	for _, t := range dataTypes {
		if t.Kind != KindString {
			return true
		}
	}
	return false
}

// validColumnName follows the Glue catalog's pattern for names: 1 to 255
// characters, no control characters other than tab.
func validColumnName(s string) bool {
	if s == "" || utf8.RuneCountInString(s) > maxColumnName {
		return false
	}
	for _, r := range s {
		if r < 0x20 && r != '\t' || r == 0x7f || r == utf8.RuneError {
			return false
		}
	}
	return true
}
