package format

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/hamba/avro/v2"
)

// AvroInfo is what the header of an Avro object container file says.
type AvroInfo struct {
	Schema Schema
	// Codec is the block codec named in the header ("null", "deflate",
	// "snappy", "zstandard"...), which Glue records as the compression.
	Codec string
}

var avroMagic = []byte("Obj\x01")

// Bounds on the header so a hostile file cannot make us allocate or read
// much: real headers are a few kilobytes of schema.
const (
	maxAvroHeader  = 8 << 20
	maxAvroEntries = 1024
)

// InferAvro reads only the header of an Avro object container file (magic,
// metadata map, sync marker) and maps the writer schema to Glue types.
func InferAvro(r io.Reader) (AvroInfo, error) {
	br := bufio.NewReader(io.LimitReader(r, maxAvroHeader))
	meta, err := readAvroHeader(br)
	if err != nil {
		return AvroInfo{}, fmt.Errorf("%w: header: %v", ErrNotAvro, err)
	}
	raw, ok := meta["avro.schema"]
	if !ok {
		return AvroInfo{}, fmt.Errorf("%w: header has no avro.schema", ErrNotAvro)
	}
	// A cache per file: the package default is global, and named types of
	// one file must not clash with another's.
	s, err := avro.ParseBytesWithCache(raw, "", &avro.SchemaCache{})
	if err != nil {
		return AvroInfo{}, fmt.Errorf("%w: writer schema: %v", ErrNotAvro, err)
	}
	rec, ok := s.(*avro.RecordSchema)
	if !ok {
		return AvroInfo{}, fmt.Errorf("%w: writer schema is %s, want a record", ErrNotAvro, s.Type())
	}
	t, err := avroType(rec, nil)
	if err != nil {
		return AvroInfo{}, fmt.Errorf("%w: writer schema: %v", ErrNotAvro, err)
	}
	codec := "null"
	if c, ok := meta["avro.codec"]; ok && len(c) > 0 {
		codec = string(c)
	}
	return AvroInfo{Schema: Schema(t.Fields), Codec: codec}, nil
}

func readAvroHeader(br *bufio.Reader) (map[string][]byte, error) {
	var magic [4]byte
	if _, err := io.ReadFull(br, magic[:]); err != nil {
		return nil, fmt.Errorf("magic: %w", noEOF(err))
	}
	if !bytes.Equal(magic[:], avroMagic) {
		return nil, fmt.Errorf("magic %q, want %q", magic[:], avroMagic)
	}
	meta := map[string][]byte{}
	for {
		n, err := binary.ReadVarint(br)
		if err != nil {
			return nil, fmt.Errorf("metadata block count: %w", noEOF(err))
		}
		if n == 0 {
			break
		}
		if n < 0 { // a negative count is followed by the block's byte size
			n = -n
			if _, err := binary.ReadVarint(br); err != nil {
				return nil, fmt.Errorf("metadata block size: %w", noEOF(err))
			}
		}
		if n < 0 || int64(len(meta))+n > maxAvroEntries {
			return nil, fmt.Errorf("more than %d metadata entries", maxAvroEntries)
		}
		for range n {
			k, err := readAvroBytes(br)
			if err != nil {
				return nil, fmt.Errorf("metadata key: %w", err)
			}
			v, err := readAvroBytes(br)
			if err != nil {
				return nil, fmt.Errorf("metadata value of %q: %w", k, err)
			}
			meta[string(k)] = v
		}
	}
	var sync [16]byte
	if _, err := io.ReadFull(br, sync[:]); err != nil {
		return nil, fmt.Errorf("sync marker: %w", noEOF(err))
	}
	return meta, nil
}

func readAvroBytes(br *bufio.Reader) ([]byte, error) {
	n, err := binary.ReadVarint(br)
	if err != nil {
		return nil, fmt.Errorf("length: %w", noEOF(err))
	}
	if n < 0 || n > maxAvroHeader {
		return nil, fmt.Errorf("length %d out of range", n)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(br, b); err != nil {
		return nil, noEOF(err)
	}
	return b, nil
}

// noEOF reports a clean EOF inside a header as the truncation it is.
func noEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// avroType maps an Avro schema to a Glue type. path holds the records being
// expanded, to refuse recursive types, which a table cannot have.
func avroType(s avro.Schema, path []string) (Type, error) {
	if len(path) > maxDepth {
		return Type{}, fmt.Errorf("nested deeper than %d", maxDepth)
	}
	switch s := s.(type) {
	case *avro.RefSchema:
		return avroType(s.Schema(), path)
	case *avro.RecordSchema:
		for _, p := range path {
			if p == s.FullName() {
				return Type{}, fmt.Errorf("record %s is recursive", p)
			}
		}
		path = append(path, s.FullName())
		t := structOf()
		for _, f := range s.Fields() {
			ft, err := avroType(f.Type(), path)
			if err != nil {
				return Type{}, fmt.Errorf("field %s: %w", f.Name(), err)
			}
			t.Fields = append(t.Fields, Column{Name: f.Name(), Type: ft})
		}
		return t, nil
	case *avro.UnionSchema:
		return avroUnion(s, path)
	case *avro.ArraySchema:
		e, err := avroType(s.Items(), path)
		return arrayOf(e), err
	case *avro.MapSchema:
		v, err := avroType(s.Values(), path)
		return mapOf(scalar(KindString), v), err
	case *avro.EnumSchema:
		return scalar(KindString), nil
	case *avro.FixedSchema:
		if d, ok := s.Logical().(*avro.DecimalLogicalSchema); ok {
			return decimalType(d.Precision(), d.Scale()), nil
		}
		return scalar(KindBinary), nil
	case *avro.PrimitiveSchema:
		return avroPrimitive(s), nil
	}
	return Type{}, fmt.Errorf("unsupported schema %s", s.Type())
}

// avroUnion maps the usual ["null", T] to T. Unions of several non-null
// types have no Glue counterpart; they merge (int and long to bigint, and
// anything else to string) so the column still reads.
func avroUnion(s *avro.UnionSchema, path []string) (Type, error) {
	var t Type
	for _, m := range s.Types() {
		if m.Type() == avro.Null {
			continue
		}
		mt, err := avroType(m, path)
		if err != nil {
			return Type{}, err
		}
		t, _ = Merge(t, mt)
	}
	if t.Kind == KindInvalid { // a union of null alone
		return scalar(KindString), nil
	}
	return t, nil
}

func avroPrimitive(s *avro.PrimitiveSchema) Type {
	if l := s.Logical(); l != nil {
		switch l.Type() {
		case avro.Date:
			return scalar(KindDate)
		case avro.TimestampMillis, avro.TimestampMicros, avro.LocalTimestampMillis, avro.LocalTimestampMicros:
			return scalar(KindTimestamp)
		case avro.Decimal:
			if d, ok := l.(*avro.DecimalLogicalSchema); ok {
				return decimalType(d.Precision(), d.Scale())
			}
		case avro.UUID:
			return scalar(KindString)
		}
	}
	switch s.Type() {
	case avro.String:
		return scalar(KindString)
	case avro.Boolean:
		return scalar(KindBoolean)
	case avro.Int:
		return scalar(KindInt)
	case avro.Long:
		return scalar(KindBigint)
	case avro.Float:
		return scalar(KindFloat)
	case avro.Double:
		return scalar(KindDouble)
	case avro.Bytes:
		return scalar(KindBinary)
	}
	return scalar(KindString) // null on its own
}
