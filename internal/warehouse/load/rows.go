package load

import (
	"bytes"

	"github.com/tarnlake/tarn/internal/warehouse"
)

// rowReader turns records into rows: it checks field counts, applies NULL
// AS and FILLRECORD, converts, and keeps the errors. TEXT, CSV and JSON
// rows are typed cells handed to a batch; Avro's and Parquet's readers
// emit rows of Go values.
type rowReader struct {
	file    string
	cols    []Column
	c       *config
	conv    []converter
	scratch []byte
	rows    int64
	bad     []LoadError

	cells []cell
	text  []byte // the row's strings
	batch *warehouse.Batcher

	emit func([]any) error
	row  []any
}

func newRowReader(file string, cols []Column, c *config, emit func([]any) error) *rowReader {
	rd := &rowReader{file: file, cols: cols, c: c, emit: emit, row: make([]any, len(cols)), cells: make([]cell, len(cols))}
	for _, col := range cols {
		rd.conv = append(rd.conv, newConverter(col, c))
	}
	return rd
}

// add appends the row in cells to the batch.
func (rd *rowReader) add() {
	for i := range rd.cells {
		rd.conv[i].appendCell(rd.batch.Builder(i), &rd.cells[i], rd.text)
	}
	rd.rows++
}

// records reads the records of lr (its header lines already skipped) and
// hands each to rd.
func records(lr *lineReader, rd *rowReader) error {
	sp := newSplitter(lr, rd.c)
	var rec record
	for {
		ok, err := sp.next(&rec)
		if err != nil || !ok {
			return err
		}
		if rd.c.ignoreBlank && rec.lines == 1 && (len(rec.raw) == 0 || rd.c.format == formatCSV && len(rec.raw) == 1 && rec.raw[0] == '\r') {
			continue
		}
		if err := rd.delimited(&rec); err != nil {
			return err
		}
	}
}

func newSplitter(lr *lineReader, c *config) splitter {
	if c.format == formatCSV {
		return &csvSplitter{lr: lr, c: c}
	}
	return &textSplitter{lr: lr, c: c}
}

// delimited handles one TEXT or CSV record.
func (rd *rowReader) delimited(rec *record) error {
	n := len(rd.cols)
	if rec.bad != nil {
		rest := rec.raw[min(rec.bad.pos, len(rec.raw)):]
		if k := bytes.IndexByte(rest, rd.c.delim); k >= 0 {
			rest = rest[:k]
		}
		rd.fail(rec, min(rec.badAt, n-1), *rec.bad, rest)
		return nil
	}
	nf := len(rec.fields)
	switch {
	case nf > n:
		f := rec.fields[n]
		rd.fail(rec, n-1, convErr{code: CodeExtraColumns, reason: "Extra column(s) found", pos: f.rs}, rec.rawField(n))
		return nil
	case nf < n && !rd.c.fillRecord:
		rd.fail(rec, nf, convErr{code: CodeNoDelimiter, reason: "Delimiter not found", pos: len(rec.raw)}, rec.rawField(nf-1))
		return nil
	}
	rd.text = rd.text[:0]
	for i := range rd.cols {
		x := &rd.cells[i]
		if i >= nf { // FILLRECORD: VARCHARs get "" and the rest NULL
			x.null = !rd.conv[i].isChar() || rd.c.emptyAsNull
			x.s, x.e = len(rd.text), len(rd.text)
			continue
		}
		if e := rd.field(rec, i, x); e.code != 0 {
			rd.fail(rec, i, e, rec.rawField(i))
			return nil
		}
	}
	rd.add()
	return nil
}

// field applies NULL AS to field i and converts it into x.
func (rd *rowReader) field(rec *record, i int, x *cell) convErr {
	c, val := rd.c, rec.value(i)
	x.null = true
	if c.hasNull {
		switch {
		case c.nulTerm:
			if len(val) == 1 && val[0] == 0 {
				return convErr{}
			}
			if k := bytes.IndexByte(val, 0); k >= 0 {
				return convErr{code: CodeNulTerminator, pos: k, reason: "Invalid null byte - field longer than 1 byte"}
			}
		case c.format == formatText:
			// ESCAPE lets \\N stand for \N too: either spelling is NULL.
			if bytes.Equal(rec.rawField(i), c.nullAs) || c.escape && bytes.Equal(val, c.nullAs) {
				return convErr{}
			}
		default:
			if !rec.fields[i].quoted && bytes.Equal(val, c.nullAs) {
				return convErr{}
			}
		}
	}
	return rd.conv[i].convertCell(val, c, &rd.scratch, &rd.text, x)
}

// fail records a bad row at column i.
func (rd *rowReader) fail(rec *record, i int, e convErr, rawField []byte) {
	rd.addError(rec.line, rec.raw, i, e, rawField)
}

func (rd *rowReader) addError(line int64, raw []byte, i int, e convErr, rawField []byte) {
	if len(rd.bad) >= MaxKept {
		return
	}
	le := LoadError{
		Filename: cut(rd.file, maxFilename), LineNumber: line, Position: e.pos,
		RawLine: sanitize(raw, maxRaw), RawFieldValue: sanitize(rawField, maxRaw),
		ErrCode: e.code, ErrReason: sanitize([]byte(e.reason), maxReason),
	}
	if i >= 0 && i < len(rd.cols) {
		le.ColName = cut(rd.cols[i].Name, maxColName)
		le.Type, le.ColLength = rd.conv[i].typeName, rd.conv[i].colLength
	}
	rd.bad = append(rd.bad, le)
}
