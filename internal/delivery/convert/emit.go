package convert

import (
	"strings"

	"github.com/parquet-go/parquet-go"
	"github.com/tarnlake/tarn/internal/format"
)

// record stages the rows of one record and returns how many; on error the
// staged values, arena and stack are rolled back to where they were.
func (w *Writer) record(b []byte) (int, error) {
	w.d.reset(b)
	w.stack = w.stack[:0]
	w.marks = w.markLeaves(w.marks[:0], w.root)
	arena := len(w.arena)
	rows, err := w.objects()
	if err == nil {
		return rows, nil
	}
	for c := range w.cols {
		w.cols[c] = w.cols[c][:w.marks[c]]
	}
	w.arena = w.arena[:arena]
	// Firehose parses before it deserializes: a syntax error later in the
	// record wins over a value that does not fit.
	if re, ok := err.(*RecordError); ok && re.Code == CodeMalformedData {
		if perr := validate(b); perr != nil {
			return 0, perr
		}
	}
	return 0, err
}

// objects reads the record's JSON objects, a row each: Firehose takes
// {"a":1}{"a":2} as two rows, but not [{"a":1},{"a":2}].
func (w *Writer) objects() (int, error) {
	d := &w.d
	d.ws()
	if d.i == len(d.b) {
		return 0, parseErrorf("empty record")
	}
	rows := 0
	for ; d.i < len(d.b); d.ws() {
		if d.b[d.i] != '{' {
			return 0, d.syntax("'{' (a record is one or more JSON objects)")
		}
		if err := w.object(w.root, 0); err != nil {
			return 0, err
		}
		rows++
	}
	return rows, nil
}

// markLeaves pushes the staged lengths of n's leaf columns.
func (w *Writer) markLeaves(stack []int, n *node) []int {
	for c := n.first; c < n.last; c++ {
		stack = append(stack, len(w.cols[c]))
	}
	return stack
}

func (w *Writer) put(n *node, rep int, v parquet.Value) {
	// Levels fit a byte (compile checks); saying so lets the setters inline
	// without their range checks.
	v.SetRepetitionLevel(int(uint8(rep)))
	v.SetDefinitionLevel(int(uint8(n.def)))
	v.SetColumnIndex(n.col)
	w.cols[n.col] = append(w.cols[n.col], v)
}

// null writes the absence of n at definition level def: one null in every
// leaf column under n.
func (w *Writer) null(n *node, rep, def int) {
	for c := n.first; c < n.last; c++ {
		w.cols[c] = append(w.cols[c], parquet.Value{}.Level(rep, def, c))
	}
}

// value reads one JSON value into n. rep is the repetition level of its
// first leaf value.
func (w *Writer) value(n *node, rep int) error {
	d := &w.d
	d.ws()
	if d.i >= len(d.b) {
		return d.syntax("a value")
	}
	c := d.b[d.i]
	if c == 'n' {
		if err := d.literal("null"); err != nil {
			return err
		}
		w.null(n, rep, n.def-1)
		return nil
	}
	switch n.typ.Kind {
	case format.KindStruct:
		if c == '{' {
			return w.object(n, rep)
		}
	case format.KindMap:
		if c == '{' {
			return w.mapObject(n, rep)
		}
	case format.KindArray:
		if c == '[' {
			return w.array(n, rep)
		}
		if w.serde.OpenX {
			return w.singleton(n, rep)
		}
	default:
		return w.scalar(n, rep)
	}
	if err := d.skip(); err != nil {
		return err
	}
	return malformedf("column %s: want %s, got %s", n.name, n.typ, jsonKind(c))
}

// object reads a JSON object into struct n. Keys are matched as the SerDe
// does; a repeated key keeps its last value.
func (w *Writer) object(n *node, rep int) error {
	d := &w.d
	if d.depth++; d.depth > maxDepth {
		return parseErrorf("nested deeper than %d at byte %d", maxDepth, d.i)
	}
	d.i++
	marks := len(w.stack)
	w.stack = w.markLeaves(w.stack, n)
	seen := len(w.stack)
	for range n.fields {
		w.stack = append(w.stack, 0)
	}
	d.ws()
	if d.i < len(d.b) && d.b[d.i] == '}' {
		d.i++
	} else if err := w.members(n, rep, marks, seen); err != nil {
		return err
	}
	for f, fn := range n.fields {
		if w.stack[seen+f] == 0 {
			w.null(fn, rep, n.def)
		}
	}
	w.stack = w.stack[:marks]
	d.depth--
	return nil
}

func (w *Writer) members(n *node, rep, marks, seen int) error {
	d := &w.d
	hint := 0
	for {
		d.ws()
		if d.i >= len(d.b) || d.b[d.i] != '"' {
			return d.syntax("a key")
		}
		key, err := d.str()
		if err != nil {
			return err
		}
		f := w.field(n, key, hint)
		if err := d.expect(':', `":"`); err != nil {
			return err
		}
		hint = f + 1
		if f < 0 {
			if err := d.skip(); err != nil {
				return err
			}
		} else {
			fn := n.fields[f]
			if w.stack[seen+f] != 0 {
				for c := fn.first; c < fn.last; c++ {
					w.cols[c] = w.cols[c][:w.stack[marks+c-n.first]]
				}
			}
			w.stack[seen+f] = 1
			if err := w.value(fn, rep); err != nil {
				return err
			}
		}
		d.ws()
		if d.i < len(d.b) && d.b[d.i] == ',' {
			d.i++
			continue
		}
		return d.expect('}', "',' or '}'")
	}
}

// field finds the field a JSON key fills, or -1. Keys mostly come in
// column order, so the field after the last one found is tried first.
func (w *Writer) field(n *node, key []byte, hint int) int {
	if hint < len(n.keys) && string(n.keys[hint]) == string(key) {
		return hint
	}
	if f, ok := n.lookup[string(key)]; ok {
		return f
	}
	folded, changed := w.foldKey(key, w.serde.caseFolds(), false)
	if changed {
		if f, ok := n.lookup[string(folded)]; ok {
			return f
		}
	}
	if w.serde.OpenX && w.serde.ConvertDotsInJSONKeysToUnderscores {
		if folded, changed = w.foldKey(key, w.serde.caseFolds(), true); changed {
			if f, ok := n.lookup[string(folded)]; ok {
				return f
			}
		}
	}
	return -1
}

// foldKey lowercases ASCII letters (lower) and turns dots to underscores
// (dots) into w.fold; changed says whether anything changed.
func (w *Writer) foldKey(key []byte, lower, dots bool) ([]byte, bool) {
	out := append(w.fold[:0], key...)
	changed := false
	for i, c := range out {
		switch {
		case lower && c >= 'A' && c <= 'Z':
			out[i] = c + 'a' - 'A'
			changed = true
		case dots && c == '.':
			out[i] = '_'
			changed = true
		case lower && c >= 0x80:
			// Non-ASCII keys fold as Java's toLowerCase does; rare, so slow.
			s := []byte(strings.ToLower(string(key)))
			if dots {
				for j := range s {
					if s[j] == '.' {
						s[j] = '_'
					}
				}
			}
			w.fold = out
			return s, true
		}
	}
	w.fold = out
	return out, changed
}

func (w *Writer) array(n *node, rep int) error {
	d := &w.d
	if d.depth++; d.depth > maxDepth {
		return parseErrorf("nested deeper than %d at byte %d", maxDepth, d.i)
	}
	d.i++
	d.ws()
	if d.i < len(d.b) && d.b[d.i] == ']' {
		d.i++
		w.null(n.elem, rep, n.def) // an empty list
		d.depth--
		return nil
	}
	for r := rep; ; r = n.rep {
		if err := w.value(n.elem, r); err != nil {
			return err
		}
		d.ws()
		if d.i < len(d.b) && d.b[d.i] == ',' {
			d.i++
			continue
		}
		if err := d.expect(']', "',' or ']'"); err != nil {
			return err
		}
		d.depth--
		return nil
	}
}

// singleton reads a value that is not an array into an array column as its
// one element, as the OpenX SerDe does; an empty string is null.
func (w *Writer) singleton(n *node, rep int) error {
	d := &w.d
	if d.b[d.i] == '"' && d.i+1 < len(d.b) && d.b[d.i+1] == '"' {
		d.i += 2
		w.null(n, rep, n.def-1)
		return nil
	}
	return w.value(n.elem, rep)
}

func (w *Writer) mapObject(n *node, rep int) error {
	d := &w.d
	if d.depth++; d.depth > maxDepth {
		return parseErrorf("nested deeper than %d at byte %d", maxDepth, d.i)
	}
	d.i++
	d.ws()
	if d.i < len(d.b) && d.b[d.i] == '}' {
		d.i++
		w.null(n.key, rep, n.def) // an empty map
		w.null(n.elem, rep, n.def)
		d.depth--
		return nil
	}
	for r := rep; ; r = n.rep {
		d.ws()
		if d.i >= len(d.b) || d.b[d.i] != '"' {
			return d.syntax("a key")
		}
		key, err := d.str()
		if err != nil {
			return err
		}
		if err := w.mapKey(n.key, r, key); err != nil {
			return err
		}
		if err := d.expect(':', `":"`); err != nil {
			return err
		}
		if err := w.value(n.elem, r); err != nil {
			return err
		}
		d.ws()
		if d.i < len(d.b) && d.b[d.i] == ',' {
			d.i++
			continue
		}
		if err := d.expect('}', "',' or '}'"); err != nil {
			return err
		}
		d.depth--
		return nil
	}
}

func jsonKind(c byte) string {
	switch c {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	}
	return "a number"
}
