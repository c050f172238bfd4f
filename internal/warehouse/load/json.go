package load

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/tarnlake/tarn/internal/warehouse"
)

// Redshift takes a JSON object or array of at most 4 MB.
const maxJSONDoc = 4 << 20

// jsonSplitter finds the documents of a JSON file: objects or arrays one
// after another, separated by white space only, anywhere on their lines.
type jsonSplitter struct {
	lr      *lineReader
	pending []byte // the unread rest of the current line
	doc     []byte
	line    int64 // the line the document ended on
	tooBig  bool
	eof     bool
}

// next returns the next document, or a run of stray text, which is never a
// valid document. ok is false at the end.
func (s *jsonSplitter) next() (doc []byte, ok bool, err error) {
	s.doc, s.tooBig = s.doc[:0], false
	for {
		for len(s.pending) > 0 && isSpace(s.pending[0]) {
			s.pending = s.pending[1:]
		}
		if len(s.pending) > 0 {
			break
		}
		if err := s.nextLine(); err != nil || s.eof {
			return nil, false, err
		}
	}
	var st jsonScan
	if c := s.pending[0]; c != '{' && c != '[' {
		st.stray = true
	}
	for {
		end, done := st.feed(s.pending)
		s.add(s.pending[:end])
		s.pending = s.pending[end:]
		if done || st.stray && !st.inStr { // a line end ends stray text too
			s.line = s.lr.num
			return s.doc, true, nil
		}
		if err := s.nextLine(); err != nil {
			return nil, false, err
		}
		if s.eof { // the file ended inside it
			s.line = s.lr.num
			return s.doc, true, nil
		}
		s.add([]byte{'\n'})
	}
}

func (s *jsonSplitter) nextLine() error {
	line, ok, err := s.lr.next()
	if !ok {
		s.eof = true
		return err
	}
	s.pending = line
	return nil
}

func (s *jsonSplitter) add(b []byte) {
	if room := maxJSONDoc - len(s.doc); len(b) > room {
		s.tooBig = true
		b = b[:room] // keep the start, for the error's raw line
	}
	s.doc = append(s.doc, b...)
}

// jsonScan follows braces, brackets and strings to find where a document
// ends; stray text ends at white space or the start of a document.
type jsonScan struct {
	depth      int
	inStr, esc bool
	stray      bool
	started    bool
}

func (st *jsonScan) feed(b []byte) (end int, done bool) {
	for i, c := range b {
		if st.stray {
			if st.started && !st.inStr && (isSpace(c) || c == '{' || c == '[') {
				return i, true
			}
			st.started = true
			if st.inStr {
				st.inString(c)
			} else if c == '"' {
				st.inStr = true
			}
			continue
		}
		switch {
		case st.inStr:
			st.inString(c)
		case c == '"':
			st.inStr = true
		case c == '{' || c == '[':
			st.depth++
		case c == '}' || c == ']':
			st.depth--
			if st.depth == 0 {
				return i + 1, true
			}
		}
	}
	return len(b), false
}

// inString follows c inside a string: escapes, and the closing quote.
func (st *jsonScan) inString(c byte) {
	switch {
	case st.esc:
		st.esc = false
	case c == '\\':
		st.esc = true
	case c == '"':
		st.inStr = false
	}
}

// readJSON reads a JSON file, one row per document, into rd's batch,
// emitting it each warehouse.BatchRows rows.
func readJSON(r io.Reader, rd *rowReader, emit func(arrow.RecordBatch) error) error {
	lr := newLineReader(r)
	for range rd.c.header { // newlines count for IGNOREHEADER, as in Redshift
		if _, ok, err := lr.next(); !ok {
			return err
		}
	}
	s := &jsonSplitter{lr: lr}
	names := rd.jsonNames()
	for {
		doc, ok, err := s.next()
		if err == nil && (!ok || rd.batch.Len() == warehouse.BatchRows) && rd.batch.Len() > 0 {
			err = emit(rd.batch.Batch())
		}
		if err != nil || !ok {
			return err
		}
		if err := rd.jsonDoc(s, doc, names); err != nil {
			return err
		}
	}
}

// jsonNames maps keys to columns for 'auto' (folded for ignorecase).
func (rd *rowReader) jsonNames() map[string]int {
	if !rd.c.jsonAuto {
		return nil
	}
	m := make(map[string]int, len(rd.cols))
	for i := len(rd.cols) - 1; i >= 0; i-- {
		name := rd.cols[i].Name
		if rd.c.ignoreCase {
			name = strings.ToLower(name)
		}
		m[name] = i
	}
	return m
}

func (rd *rowReader) jsonDoc(s *jsonSplitter, doc []byte, names map[string]int) error {
	bad := func(reason string) {
		rd.addError(s.line, doc, -1, convErr{code: CodeBadLine, reason: reason}, nil)
	}
	switch {
	case s.tooBig:
		bad("JSON object or array exceeds the 4 MB limit")
		return nil
	case doc[0] != '{' && doc[0] != '[':
		bad("Invalid JSON: text outside a JSON object or array")
		return nil
	case rd.c.jsonAuto && doc[0] != '{':
		bad("JSON 'auto' takes objects only; use jsonpaths for arrays")
		return nil
	}
	values := make([]json.RawMessage, len(rd.cols))
	if rd.c.jsonAuto {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(doc, &obj); err != nil {
			bad("Invalid JSON object or array")
			return nil
		}
		for k, v := range obj {
			if rd.c.ignoreCase {
				k = strings.ToLower(k)
			}
			if i, ok := names[k]; ok {
				values[i] = v
			}
		}
	} else {
		if !json.Valid(doc) { // Unmarshal checks it for 'auto'
			bad("Invalid JSON object or array")
			return nil
		}
		for i, p := range rd.c.paths {
			values[i] = walkPath(doc, p)
		}
	}
	rd.text = rd.text[:0]
	for i, raw := range values {
		v, null, e := jsonField(raw)
		x := &rd.cells[i]
		x.null = true
		if e.code == 0 && !null {
			e = rd.conv[i].convertCell(v, rd.c, &rd.scratch, &rd.text, x)
		}
		if e.code != 0 {
			rd.addError(s.line, doc, i, e, raw)
			return nil
		}
	}
	rd.add()
	return nil
}

// walkPath follows p's steps from the document; a step that finds nothing
// gives NULL.
func walkPath(doc []byte, p jsonPath) json.RawMessage {
	cur := json.RawMessage(doc)
	for _, st := range p.steps {
		cur = bytes.TrimSpace(cur)
		if len(cur) == 0 {
			return nil
		}
		if st.index < 0 {
			if cur[0] != '{' {
				return nil
			}
			var obj map[string]json.RawMessage
			if json.Unmarshal(cur, &obj) != nil {
				return nil
			}
			cur = obj[st.name]
		} else {
			if cur[0] != '[' {
				return nil
			}
			var arr []json.RawMessage
			if json.Unmarshal(cur, &arr) != nil || st.index >= len(arr) {
				return nil
			}
			cur = arr[st.index]
		}
	}
	return cur
}

// jsonField turns a JSON value into field text: a string's contents, a
// number's or boolean's spelling, an object's or array's JSON text; JSON
// null and a missing value are NULL.
func jsonField(raw json.RawMessage) ([]byte, bool, convErr) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] == 'n' {
		return nil, true, convErr{}
	}
	if raw[0] != '"' {
		return raw, false, convErr{}
	}
	if bytes.IndexByte(raw, '\\') < 0 {
		return raw[1 : len(raw)-1], false, convErr{} // invalid UTF-8 left for the column's rules
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, false, convErr{code: CodeBadLine, reason: "Invalid JSON string"}
	}
	return []byte(s), false, convErr{}
}
