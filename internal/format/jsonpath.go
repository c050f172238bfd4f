package format

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// JSONPath is a compiled JSON path of the subset Glue's JSON classifiers
// use: $ the root, .name and ['name'] (or ["name"]) members, [*] or .* every
// element or member value, and [n] one array element. Recursive descent,
// filters, slices and unions are refused.
type JSONPath struct {
	src   string
	steps []pathStep
}

type stepKind uint8

const (
	stepMember stepKind = iota
	stepIndex
	stepAll
)

type pathStep struct {
	kind  stepKind
	name  string
	index int
}

// Bounds on a path: steps nest as deep as the JSON they walk, and together
// with the records' own nesting stay within maxDepth.
const (
	maxPathLen   = 4096
	maxPathSteps = maxDepth / 2
	maxPathIndex = 1 << 30
)

// CompileJSONPath parses p. Errors wrap ErrInvalidClassifier and give the
// offset of the problem.
func CompileJSONPath(p string) (*JSONPath, error) {
	bad := func(i int, format string, a ...any) (*JSONPath, error) {
		return nil, fmt.Errorf("%w: json path %q at offset %d: %s", ErrInvalidClassifier, p, i, fmt.Sprintf(format, a...))
	}
	if len(p) > maxPathLen {
		return nil, fmt.Errorf("%w: json path is %d bytes, more than %d", ErrInvalidClassifier, len(p), maxPathLen)
	}
	if !strings.HasPrefix(p, "$") {
		return bad(0, "a path starts with $, the root")
	}
	jp := &JSONPath{src: p}
	for i := 1; i < len(p); {
		if len(jp.steps) == maxPathSteps {
			return bad(i, "more than %d steps", maxPathSteps)
		}
		start := i
		switch {
		case strings.HasPrefix(p[i:], ".."):
			return bad(i, "recursive descent (..) is not supported")
		case strings.HasPrefix(p[i:], ".*"):
			jp.steps, i = append(jp.steps, pathStep{kind: stepAll}), i+2
		case p[i] == '.':
			i++
			for i < len(p) && !strings.ContainsRune(".[]*'\" \t\r\n", rune(p[i])) {
				i++
			}
			if i == start+1 {
				return bad(i, "a member name after the dot")
			}
			jp.steps = append(jp.steps, pathStep{kind: stepMember, name: p[start+1 : i]})
		case strings.HasPrefix(p[i:], "[*]"):
			jp.steps, i = append(jp.steps, pathStep{kind: stepAll}), i+3
		case strings.HasPrefix(p[i:], "['"), strings.HasPrefix(p[i:], `["`):
			name, n, err := pathQuoted(p[i+1:])
			if err != nil {
				return bad(i, "%v", err)
			}
			i += 1 + n
			if !strings.HasPrefix(p[i:], "]") {
				return bad(i, "want ] after the quoted name")
			}
			jp.steps, i = append(jp.steps, pathStep{kind: stepMember, name: name}), i+1
		case p[i] == '[':
			i++
			for i < len(p) && p[i] >= '0' && p[i] <= '9' {
				i++
			}
			n, err := strconv.Atoi(p[start+1 : i])
			if err != nil || n >= maxPathIndex || !strings.HasPrefix(p[i:], "]") {
				return bad(start, "want [*], ['name'] or [n] with n a number from 0 (filters, slices and unions are not supported)")
			}
			jp.steps, i = append(jp.steps, pathStep{kind: stepIndex, index: n}), i+1
		default:
			return bad(i, "unexpected %q, want . or [", p[i])
		}
	}
	return jp, nil
}

// pathQuoted reads a quoted name at the start of s, where \ escapes the next
// character, and returns it and the bytes it spans.
func pathQuoted(s string) (string, int, error) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case s[0]:
			return b.String(), i + 1, nil
		case '\\':
			if i++; i == len(s) {
				return "", 0, errors.New("the quoted name is not closed")
			}
		}
		b.WriteByte(s[i])
	}
	return "", 0, errors.New("the quoted name is not closed")
}

// String returns the path as written.
func (p *JSONPath) String() string { return p.src }

// errEnoughRecords stops a walk once the sample is full.
var errEnoughRecords = errors.New("enough records")

// Classify takes as records the values p selects in each top-level JSON
// value of the file, which may hold one document or newline-delimited ones,
// and infers their schema as InferJSON infers objects. A selected null is
// skipped; any other selected value that is not an object is ErrNoMatch, as
// are a file that is not JSON and one in whose head p selects nothing. A
// value cut by the byte cap ends the sample once a record is whole.
func (p *JSONPath) Classify(r io.ReaderAt, size int64, opts Options) (Result, error) {
	opts = opts.withDefaults()
	head, cut, res, err := readCustomHead(r, size, opts)
	if err != nil {
		return res, err
	}
	noMatch := func(format string, a ...any) error {
		return fmt.Errorf("%w: json path %s: %s", ErrNoMatch, p.src, fmt.Sprintf(format, a...))
	}
	br := bufio.NewReader(bytes.NewReader(head))
	first, _, err := firstByte(br)
	if err != nil {
		return res, noMatch("not json: %v", err)
	}
	if first != '{' && first != '[' {
		return res, noMatch("not json: starts with %q, want an object or array", first)
	}
	w := &pathWalk{steps: p.steps, dec: json.NewDecoder(br), max: opts.MaxRecords}
	w.dec.UseNumber()
	for w.dec.More() {
		err := w.walk(0)
		if err == errEnoughRecords {
			break
		}
		if err != nil {
			if cut && isTruncation(err) {
				break
			}
			if se := (*json.SyntaxError)(nil); errors.As(err, &se) {
				return res, noMatch("not json at byte %d: %v", se.Offset, err)
			}
			return res, noMatch("%v", err)
		}
	}
	if w.records == 0 {
		return res, noMatch("selects no records in the first %d bytes", len(head))
	}
	res.Classification, res.Confidence = "json", 1
	res.Schema = Schema(finalize(w.rec).Fields)
	res.RecordsSampled = int64(w.records)
	return res, nil
}

// pathWalk follows the steps through one value token by token, so only the
// selected values are typed and keys keep their order.
type pathWalk struct {
	steps   []pathStep
	dec     *json.Decoder
	max     int
	rec     Type
	records int
}

func (w *pathWalk) walk(i int) error {
	if i == len(w.steps) {
		return w.record()
	}
	tok, err := w.dec.Token()
	if err != nil {
		return err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return nil // a scalar has no members or elements to select
	}
	st := w.steps[i]
	for n := 0; w.dec.More(); n++ {
		if d == '{' {
			if tok, err = w.dec.Token(); err != nil {
				return err
			}
		}
		take := st.kind == stepAll ||
			d == '{' && st.kind == stepMember && tok.(string) == st.name ||
			d == '[' && st.kind == stepIndex && n == st.index
		if take {
			err = w.walk(i + 1)
		} else {
			err = skipJSONValue(w.dec)
		}
		if err != nil {
			return err
		}
	}
	_, err = w.dec.Token() // the closing delimiter
	return err
}

func (w *pathWalk) record() error {
	start := w.dec.InputOffset()
	t, err := inferJSONValue(w.dec, len(w.steps))
	switch {
	case err != nil:
		return err
	case t.Kind == KindInvalid:
		return nil // null
	case t.Kind == KindArray:
		return fmt.Errorf("selects an array at byte %d, want objects (add [*] to take its elements)", start)
	case t.Kind != KindStruct:
		return fmt.Errorf("selects %s at byte %d, want objects", t, start)
	}
	w.rec, _ = Merge(w.rec, t)
	if w.records++; w.records == w.max {
		return errEnoughRecords
	}
	return nil
}

// skipJSONValue reads past one value, however deep, without recursion.
func skipJSONValue(dec *json.Decoder) error {
	for depth := 0; ; {
		tok, err := dec.Token()
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth == 0 {
			return nil
		}
	}
}
