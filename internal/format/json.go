package format

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// JSONInfo is what inference learned from the head of a JSON file.
type JSONInfo struct {
	Schema Schema
	// Array is true for one top-level array of objects, false for
	// newline-delimited (or merely concatenated) objects.
	Array bool
	// Records is how many objects were sampled; Bytes how many bytes of
	// (decompressed) input they spanned.
	Records int
	Bytes   int64
	// Conflicts is true when some field held incompatible types and was
	// widened to string.
	Conflicts bool
}

// InferJSON infers a schema from the first records of r. Numbers are bigint
// when integral and in range, else double; strings stay string, ISO dates and
// timestamps included, because Glue's JSON classifier keeps them string and a
// wrong timestamp guess breaks queries while string never does. Nulls add no
// type: a field seen only as null is left out.
func InferJSON(r io.Reader, opts Options) (JSONInfo, error) {
	opts = opts.withDefaults()
	lr := &io.LimitedReader{R: r, N: opts.MaxBytes}
	br := bufio.NewReader(lr)
	first, skipped, err := firstByte(br)
	if err != nil {
		return JSONInfo{}, fmt.Errorf("%w: %v", ErrNotJSON, err)
	}
	if first != '{' && first != '[' {
		return JSONInfo{}, fmt.Errorf("%w: starts with %q, want an object or array", ErrNotJSON, first)
	}
	dec := json.NewDecoder(br)
	dec.UseNumber()
	info := JSONInfo{Array: first == '['}
	if info.Array {
		if _, err := dec.Token(); err != nil {
			return info, fmt.Errorf("%w: %v", ErrNotJSON, err)
		}
	}
	var rec Type
	ok := true
	for info.Records < opts.MaxRecords {
		if !dec.More() {
			break
		}
		start := dec.InputOffset()
		t, err := inferJSONValue(dec, 0)
		if err != nil {
			// A record cut by the byte cap is not an error, once one is whole.
			if lr.N == 0 && info.Records > 0 && isTruncation(err) {
				break
			}
			return info, fmt.Errorf("%w: record %d at byte %d: %v", ErrNotJSON, info.Records+1, start, err)
		}
		if t.Kind != KindStruct {
			return info, fmt.Errorf("%w: record %d at byte %d is %s, want an object", ErrNotJSON, info.Records+1, start, t)
		}
		var fine bool
		rec, fine = Merge(rec, t)
		ok = ok && fine
		info.Records++
		info.Bytes = skipped + dec.InputOffset()
	}
	if info.Array && info.Records < opts.MaxRecords && lr.N > 0 {
		if _, err := dec.Token(); err != nil && !(lr.N == 0 && isTruncation(err)) {
			return info, fmt.Errorf("%w: closing the top-level array at byte %d: %v", ErrNotJSON, dec.InputOffset(), err)
		}
		info.Bytes = skipped + dec.InputOffset()
	}
	if info.Records == 0 {
		return info, fmt.Errorf("%w: no records", ErrNotJSON)
	}
	info.Schema = Schema(finalize(rec).Fields)
	info.Conflicts = !ok
	return info, nil
}

// firstByte skips a UTF-8 byte order mark and blanks, and returns the first
// significant byte (left unread) and how many bytes it skipped.
func firstByte(br *bufio.Reader) (byte, int64, error) {
	var skipped int64
	if bom, _ := br.Peek(3); string(bom) == "\xef\xbb\xbf" {
		br.Discard(3)
		skipped = 3
	}
	for {
		c, err := br.ReadByte()
		if err != nil {
			if err == io.EOF {
				return 0, skipped, errors.New("no data")
			}
			return 0, skipped, err
		}
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return c, skipped, br.UnreadByte()
		}
		skipped++
	}
}

func isTruncation(err error) bool {
	var se *json.SyntaxError
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.As(err, &se) && strings.Contains(se.Error(), "unexpected end")
}

// inferJSONValue reads one value token by token, so object keys keep the
// order they have in the file, which becomes the column order.
func inferJSONValue(dec *json.Decoder, depth int) (Type, error) {
	if depth > maxDepth {
		return Type{}, fmt.Errorf("nested deeper than %d at byte %d", maxDepth, dec.InputOffset())
	}
	tok, err := dec.Token()
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return Type{}, err
	}
	switch v := tok.(type) {
	case nil:
		return Type{}, nil
	case bool:
		return scalar(KindBoolean), nil
	case string:
		return scalar(KindString), nil
	case json.Number:
		return numberType(string(v)), nil
	case json.Delim:
		switch v {
		case '{':
			return inferJSONObject(dec, depth)
		case '[':
			var elem Type
			for dec.More() {
				t, err := inferJSONValue(dec, depth+1)
				if err != nil {
					return Type{}, err
				}
				elem, _ = Merge(elem, t)
			}
			if _, err := dec.Token(); err != nil {
				return Type{}, err
			}
			return arrayOf(elem), nil
		}
	}
	return Type{}, fmt.Errorf("unexpected %v at byte %d", tok, dec.InputOffset())
}

func inferJSONObject(dec *json.Decoder, depth int) (Type, error) {
	var fields []Column
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return Type{}, err
		}
		t, err := inferJSONValue(dec, depth+1)
		if err != nil {
			return Type{}, err
		}
		// Duplicate keys merge like values of the same field in two records.
		fields, _ = mergeColumns(fields, []Column{{Name: key.(string), Type: t}})
	}
	if _, err := dec.Token(); err != nil {
		return Type{}, err
	}
	return structOf(fields...), nil
}

func numberType(s string) Type {
	if !strings.ContainsAny(s, ".eE") {
		if _, err := strconv.ParseInt(s, 10, 64); err == nil {
			return scalar(KindBigint)
		}
	}
	return scalar(KindDouble)
}

// finalize drops fields only ever seen as null and makes arrays whose
// elements were never seen hold strings, as Glue does for [].
func finalize(t Type) Type {
	switch t.Kind {
	case KindInvalid:
		return t
	case KindArray:
		e := finalize(*t.Elem)
		if e.Kind == KindInvalid {
			e = scalar(KindString)
		}
		return arrayOf(e)
	case KindStruct:
		out := structOf()
		for _, f := range t.Fields {
			if ft := finalize(f.Type); ft.Kind != KindInvalid {
				out.Fields = append(out.Fields, Column{Name: f.Name, Type: ft})
			}
		}
		return out
	}
	return t
}
