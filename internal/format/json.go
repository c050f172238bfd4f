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
	data, err := io.ReadAll(lr)
	if err != nil {
		return JSONInfo{}, fmt.Errorf("%w: %v", ErrNotJSON, err)
	}
	return inferJSONBytes(data, lr.N == 0, opts)
}

// inferJSONBytes infers the schema of the records in data; capped says the
// data may go on past its end, so a record cut there ends the sample.
func inferJSONBytes(data []byte, capped bool, opts Options) (JSONInfo, error) {
	s := &jsonScanner{b: bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), keys: map[string]string{}}
	skipped := int64(len(data) - len(s.b))
	s.ws()
	if s.i >= len(s.b) {
		return JSONInfo{}, fmt.Errorf("%w: no data", ErrNotJSON)
	}
	first := s.b[s.i]
	if first != '{' && first != '[' {
		return JSONInfo{}, fmt.Errorf("%w: starts with %q, want an object or array", ErrNotJSON, first)
	}
	info := JSONInfo{Array: first == '['}
	if info.Array {
		s.i++
	}
	var rec Type
	ok, closed := true, false
	for info.Records < opts.MaxRecords {
		s.ws()
		if s.i >= len(s.b) {
			break
		}
		if info.Array {
			if s.b[s.i] == ']' {
				s.i++
				closed = true
				break
			}
			if info.Records > 0 {
				if s.b[s.i] != ',' {
					return info, fmt.Errorf("%w: after record %d at byte %d: invalid character %q, want ',' or ']'", ErrNotJSON, info.Records, skipped+int64(s.i), s.b[s.i])
				}
				s.i++
			}
		}
		start := s.i
		t, err := s.value(0)
		if err != nil {
			// A record cut by the byte cap is not an error, once one is whole.
			if errors.Is(err, errTruncated) && capped && info.Records > 0 {
				break
			}
			return info, fmt.Errorf("%w: record %d at byte %d: %w", ErrNotJSON, info.Records+1, skipped+int64(start), err)
		}
		if t.Kind != KindStruct {
			return info, fmt.Errorf("%w: record %d at byte %d is %s, want an object", ErrNotJSON, info.Records+1, skipped+int64(start), t)
		}
		var fine bool
		rec, fine = Merge(rec, t)
		ok = ok && fine
		info.Records++
		info.Bytes = skipped + int64(s.i)
	}
	if info.Array && !closed && info.Records < opts.MaxRecords && !capped {
		return info, fmt.Errorf("%w: closing the top-level array at byte %d: %v", ErrNotJSON, skipped+int64(s.i), errTruncated)
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
