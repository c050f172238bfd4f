package load

// COPY … FORMAT AS AVRO 'auto' | 'auto ignorecase': the object container
// file's framing is read here, within Redshift's limits (a header of at
// most 1 MB, data blocks of at most 4 MB, the null, deflate and snappy
// codecs); hamba/avro parses the schema and reads the values, which go to
// the columns by field name, and each bad row is a LoadError, as for JSON.

import (
	"bufio"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"strings"

	"github.com/hamba/avro/v2"
	"github.com/klauspost/compress/s2"
)

// Redshift's limits on an Avro file, and ours on what a block may
// decompress to and how complex a schema may be.
const (
	maxAvroHeader  = 1 << 20
	maxAvroBlock   = 4 << 20
	maxAvroDecoded = 64 << 20
	maxAvroNodes   = 1 << 16
)

// ReadAvro reads an Avro object container file as COPY … FORMAT AS AVRO
// 'auto' | 'auto ignorecase' does.
//
// opts.JSON holds the Avro option: "auto" (the default, also for "") or
// "auto ignorecase"; opts.Format is "" or "AVRO". The data conversion
// options apply as for JSON (EMPTYASNULL, BLANKSASNULL, TRUNCATECOLUMNS,
// TRIMBLANKS, ACCEPTINVCHARS, ROUNDEC, ACCEPTANYDATE, DATEFORMAT and
// TIMEFORMAT for strings); the delimiter options, IGNOREHEADER, NULL AS
// and jsonpaths are refused.
//
// The schema must be a record. Its top-level fields load the columns of
// the same name, case-sensitively for 'auto' and not for 'auto
// ignorecase'; a column no field matches is NULL. Logical types load as
// what they mean (date, time-millis/micros, timestamp-millis/micros and
// their local variants, decimal on bytes or fixed, uuid); an enum loads its
// symbol; a record, array or map loads a VARCHAR as JSON text; bytes and
// fixed load a VARBYTE as they are and a VARCHAR as Avro's JSON encoding
// spells them, one character per byte; a string loads any column by the
// text rules (a VARBYTE as hexadecimal text, as in JSON). A value that does not convert is a
// LoadError and the row is skipped, as for JSON; a file that cannot be read
// is ErrBadFile. LoadError.LineNumber is the record's number, from 1.
func ReadAvro(r io.Reader, file string, cols []Column, opts Options, emit func([]any) error) (rows int64, bad []LoadError, err error) {
	c, ignoreCase, err := newAvroConfig(cols, opts)
	if err != nil {
		return 0, nil, err
	}
	o := &ocfReader{br: bufio.NewReaderSize(r, 64<<10)}
	schema, err := o.header()
	if err != nil {
		return 0, nil, err
	}
	root, err := compileAvro(schema)
	if err != nil {
		return 0, nil, err
	}
	ar := newAvroReader(newRowReader(file, cols, c, emit), root, ignoreCase)
	for {
		count, data, err := o.block()
		if err == io.EOF {
			break
		}
		if err != nil {
			return ar.rows, ar.bad, err
		}
		if err := ar.block(count, data); err != nil {
			return ar.rows, ar.bad, err
		}
	}
	return ar.rows, ar.bad, nil
}

// newAvroConfig checks the options as COPY checks them for AVRO.
func newAvroConfig(cols []Column, o Options) (*config, bool, error) {
	switch strings.ToUpper(strings.TrimSpace(o.Format)) {
	case "", "AVRO":
	default:
		return nil, false, optErr("format %q is not AVRO", o.Format)
	}
	if o.Delimiter != "" || o.Quote != "" || o.Escape || o.RemoveQuotes || o.FillRecord || o.IgnoreBlankLines || o.NullAs != nil || o.IgnoreHeader != 0 {
		return nil, false, optErr("AVRO takes no DELIMITER, QUOTE, ESCAPE, REMOVEQUOTES, FILLRECORD, IGNOREBLANKLINES, IGNOREHEADER or NULL AS")
	}
	if o.JSONPaths != nil {
		return nil, false, optErr("AVRO with jsonpaths is not supported; use 'auto' or 'auto ignorecase'")
	}
	opt := strings.Join(strings.Fields(strings.ToLower(o.JSON)), " ")
	switch opt {
	case "":
		opt = "auto"
	case "auto", "auto ignorecase":
	default:
		return nil, false, optErr("AVRO %q is not 'auto' or 'auto ignorecase'", o.JSON)
	}
	o.Format, o.JSON = "JSON", opt
	c, err := newConfig(cols, o)
	return c, opt == "auto ignorecase", err
}

// ocfReader reads an object container file's header and blocks.
type ocfReader struct {
	br    *bufio.Reader
	n     int64 // bytes read
	sync  [16]byte
	codec string
	raw   []byte
	out   []byte
}

func (o *ocfReader) ReadByte() (byte, error) {
	b, err := o.br.ReadByte()
	if err == nil {
		o.n++
	}
	return b, err
}

func (o *ocfReader) full(b []byte) error {
	n, err := io.ReadFull(o.br, b)
	o.n += int64(n)
	return err
}

// long reads a zigzag varint, Avro's int and long.
func (o *ocfReader) long() (int64, error) {
	return binary.ReadVarint(o)
}

// header reads the magic, the metadata and the sync marker, and returns
// the schema's JSON.
func (o *ocfReader) header() ([]byte, error) {
	var magic [4]byte
	if err := o.full(magic[:]); err != nil || magic != [4]byte{'O', 'b', 'j', 1} {
		return nil, badFile("not an Avro object container file")
	}
	meta := map[string][]byte{}
	for {
		count, err := o.long()
		if err != nil {
			return nil, badFile("Avro file header: %v", err)
		}
		if count == 0 {
			break
		}
		if count < 0 {
			if count = -count; count < 0 {
				return nil, badFile("Avro file header: bad map block")
			}
			if _, err := o.long(); err != nil {
				return nil, badFile("Avro file header: %v", err)
			}
		}
		for range count {
			k, err := o.headerBytes()
			if err != nil {
				return nil, err
			}
			v, err := o.headerBytes()
			if err != nil {
				return nil, err
			}
			meta[string(k)] = v
		}
	}
	if err := o.full(o.sync[:]); err != nil {
		return nil, badFile("Avro file header: %v", err)
	}
	if o.n > maxAvroHeader {
		return nil, badFile("Avro file header exceeds 1 MB")
	}
	switch o.codec = string(meta["avro.codec"]); o.codec {
	case "", "null", "deflate", "snappy":
	default:
		return nil, badFile("Avro codec %q is not supported: use null, deflate or snappy", o.codec)
	}
	schema, ok := meta["avro.schema"]
	if !ok {
		return nil, badFile("Avro file header has no schema")
	}
	return schema, nil
}

// headerBytes reads a string or bytes of the header, within its limit.
func (o *ocfReader) headerBytes() ([]byte, error) {
	n, err := o.long()
	if err != nil {
		return nil, badFile("Avro file header: %v", err)
	}
	if n < 0 || n > maxAvroHeader-o.n {
		return nil, badFile("Avro file header exceeds 1 MB")
	}
	b := make([]byte, n)
	if err := o.full(b); err != nil {
		return nil, badFile("Avro file header: %v", err)
	}
	return b, nil
}

// block reads the next data block and decompresses it; io.EOF is the end
// of the file.
func (o *ocfReader) block() (int64, []byte, error) {
	count, err := o.long()
	if err == io.EOF {
		return 0, nil, io.EOF
	}
	if err != nil {
		return 0, nil, badFile("Avro data block: %v", err)
	}
	size, err := o.long()
	if err != nil {
		return 0, nil, badFile("Avro data block: %v", err)
	}
	if count < 0 || size < 0 {
		return 0, nil, badFile("Avro data block of %d records in %d bytes", count, size)
	}
	if size > maxAvroBlock {
		return 0, nil, badFile("Avro data block of %d bytes exceeds the 4 MB limit", size)
	}
	o.raw = grow(o.raw, int(size))
	if err := o.full(o.raw); err != nil {
		return 0, nil, badFile("Avro data block: %v", err)
	}
	var sync [16]byte
	if err := o.full(sync[:]); err != nil || sync != o.sync {
		return 0, nil, badFile("Avro data block not followed by the file's sync marker")
	}
	data, err := o.decompress()
	if err != nil {
		return 0, nil, badFile("Avro data block: %v", err)
	}
	return count, data, nil
}

func grow(b []byte, n int) []byte {
	if cap(b) < n {
		return make([]byte, n)
	}
	return b[:n]
}

func (o *ocfReader) decompress() ([]byte, error) {
	switch o.codec {
	case "deflate":
		fr := flate.NewReader(bytes.NewReader(o.raw))
		defer fr.Close()
		buf := bytes.NewBuffer(o.out[:0])
		n, err := buf.ReadFrom(io.LimitReader(fr, maxAvroDecoded+1))
		if err != nil {
			return nil, err
		}
		if n > maxAvroDecoded {
			return nil, errors.New("decompresses past 64 MB")
		}
		o.out = buf.Bytes()
		return o.out, nil
	case "snappy":
		if len(o.raw) < 4 {
			return nil, errors.New("no snappy checksum")
		}
		src, sum := o.raw[:len(o.raw)-4], binary.BigEndian.Uint32(o.raw[len(o.raw)-4:])
		n, err := s2.DecodedLen(src)
		if err != nil {
			return nil, err
		}
		if n > maxAvroDecoded {
			return nil, errors.New("decompresses past 64 MB")
		}
		out, err := s2.Decode(grow(o.out, n), src)
		if err != nil {
			return nil, err
		}
		if crc32.ChecksumIEEE(out) != sum {
			return nil, errors.New("snappy checksum mismatch")
		}
		o.out = out
		return out, nil
	}
	return o.raw, nil
}

// avKind is an Avro type.
type avKind uint8

const (
	avNull avKind = iota
	avBool
	avInt
	avLong
	avFloat
	avDouble
	avBytes
	avString
	avFixed
	avEnum
	avArray
	avMap
	avRecord
	avUnion
)

// avNode is a compiled schema: what reading a value needs.
type avNode struct {
	kind        avKind
	logical     avro.LogicalType
	prec, scale int // a decimal's
	size        int // a fixed's
	symbols     []string
	fields      []avField
	items       *avNode // an array's items, a map's values
	branches    []*avNode
	nodes       int // the size of the tree the node expands to
}

type avField struct {
	name string
	node *avNode
}

// compileAvro parses the schema and compiles it; the top level must be a
// record. Recursive types are refused: their values could nest without
// bound.
func compileAvro(schemaJSON []byte) (*avNode, error) {
	var s avro.Schema
	err := safely(func() error {
		var err error
		s, err = avro.ParseBytesWithCache(schemaJSON, "", &avro.SchemaCache{})
		return err
	})
	if err != nil {
		if !errors.Is(err, ErrBadFile) {
			err = badFile("Avro schema: %v", err)
		}
		return nil, err
	}
	if ref, ok := s.(*avro.RefSchema); ok {
		s = ref.Schema()
	}
	if s.Type() != avro.Record {
		return nil, badFile("the Avro schema type must be record, not %s", s.Type())
	}
	ac := &avroCompiler{memo: map[avro.Schema]*avNode{}, open: map[avro.Schema]bool{}}
	return ac.node(s, 0)
}

type avroCompiler struct {
	memo map[avro.Schema]*avNode // named types done
	open map[avro.Schema]bool    // named types being compiled
}

func (ac *avroCompiler) node(s avro.Schema, depth int) (*avNode, error) {
	if depth > 256 {
		return nil, badFile("Avro schema nested too deeply")
	}
	if ref, ok := s.(*avro.RefSchema); ok {
		s = ref.Schema()
	}
	if n, ok := ac.memo[s]; ok {
		return n, nil
	}
	if ac.open[s] {
		return nil, badFile("recursive Avro schemas are not supported")
	}
	n := &avNode{nodes: 1}
	switch s := s.(type) {
	case *avro.NullSchema:
		n.kind = avNull
	case *avro.PrimitiveSchema:
		switch s.Type() {
		case avro.Null:
			n.kind = avNull
		case avro.Boolean:
			n.kind = avBool
		case avro.Int:
			n.kind = avInt
		case avro.Long:
			n.kind = avLong
		case avro.Float:
			n.kind = avFloat
		case avro.Double:
			n.kind = avDouble
		case avro.Bytes:
			n.kind = avBytes
		case avro.String:
			n.kind = avString
		default:
			return nil, badFile("Avro type %s", s.Type())
		}
		if err := n.setLogical(s.Logical()); err != nil {
			return nil, err
		}
	case *avro.FixedSchema:
		n.kind, n.size = avFixed, s.Size()
		if n.size < 0 || n.size > maxAvroBlock {
			return nil, badFile("Avro fixed of %d bytes", n.size)
		}
		if err := n.setLogical(s.Logical()); err != nil {
			return nil, err
		}
		ac.memo[s] = n
	case *avro.EnumSchema:
		n.kind, n.symbols = avEnum, s.Symbols()
		ac.memo[s] = n
	case *avro.RecordSchema:
		n.kind = avRecord
		ac.open[s] = true
		for _, f := range s.Fields() {
			child, err := ac.node(f.Type(), depth+1)
			if err != nil {
				return nil, err
			}
			n.fields = append(n.fields, avField{name: f.Name(), node: child})
			n.nodes += child.nodes
		}
		delete(ac.open, s)
		ac.memo[s] = n
	case *avro.ArraySchema, *avro.MapSchema:
		n.kind = avArray
		items := avro.Schema(nil)
		if a, ok := s.(*avro.ArraySchema); ok {
			items = a.Items()
		} else {
			n.kind, items = avMap, s.(*avro.MapSchema).Values()
		}
		child, err := ac.node(items, depth+1)
		if err != nil {
			return nil, err
		}
		n.items = child
		n.nodes += child.nodes
	case *avro.UnionSchema:
		n.kind = avUnion
		for _, t := range s.Types() {
			child, err := ac.node(t, depth+1)
			if err != nil {
				return nil, err
			}
			n.branches = append(n.branches, child)
			n.nodes += child.nodes
		}
	default:
		return nil, badFile("Avro type %s", s.Type())
	}
	if n.nodes > maxAvroNodes {
		return nil, badFile("Avro schema too large")
	}
	return n, nil
}

func (n *avNode) setLogical(l avro.LogicalSchema) error {
	if l == nil {
		return nil
	}
	n.logical = l.Type()
	if d, ok := l.(*avro.DecimalLogicalSchema); ok {
		n.prec, n.scale = d.Precision(), d.Scale()
		if n.scale < 0 || n.scale > 1000 || n.prec < 1 {
			return badFile("Avro decimal(%d,%d)", n.prec, n.scale)
		}
	}
	return nil
}

// avroReader turns the records of the blocks into rows.
type avroReader struct {
	*rowReader
	root     *avNode
	colField []int // each column's field, or -1
	src      []srcVal
	json     [][]byte // each field's JSON text, when it is nested
	rd       *avro.Reader
	budget   int
	text     []byte
	line     int64
}

var avroAPI = avro.Config{MaxByteSliceSize: maxAvroBlock}.Freeze()

func newAvroReader(rd *rowReader, root *avNode, ignoreCase bool) *avroReader {
	ar := &avroReader{rowReader: rd, root: root, src: make([]srcVal, len(root.fields)), json: make([][]byte, len(root.fields)),
		rd: avro.NewReader(nil, 0, avro.WithReaderConfig(avroAPI))}
	for _, col := range rd.cols {
		k := -1
		for i, f := range root.fields {
			if f.name == col.Name {
				k = i
				break
			}
			if ignoreCase && k < 0 && strings.EqualFold(f.name, col.Name) {
				k = i // an exact match further on still wins
			}
		}
		ar.colField = append(ar.colField, k)
	}
	return ar
}

// block reads count records from a block's data.
func (ar *avroReader) block(count int64, data []byte) error {
	ar.rd.Reset(data)
	ar.rd.Error = nil
	// Each value but a null takes a byte at least: a block decodes to at
	// most about as many values as it has bytes.
	ar.budget = 2*len(data) + 1<<16
	for range count {
		ar.line++
		if !ar.spend() { // a record of no fields takes no bytes
			return badFile("Avro record %d: %v", ar.line, ar.rd.Error)
		}
		for i, f := range ar.root.fields {
			ar.value(f.node, &ar.src[i], &ar.json[i])
		}
		if err := ar.rd.Error; err != nil {
			return badFile("Avro record %d: %v", ar.line, err)
		}
		if err := ar.loadRow(); err != nil {
			return err
		}
	}
	return nil
}

// loadRow converts the record's fields into the row; a bad value is a
// LoadError and the row is skipped.
func (ar *avroReader) loadRow() error {
	for j, k := range ar.colField {
		if k < 0 {
			ar.row[j] = nil
			continue
		}
		v, e := ar.conv[j].fromSource(&ar.src[k], ar.c, &ar.text, &ar.scratch)
		if e.code != 0 {
			var field []byte
			field = append(field, ar.src[k].text(&ar.text)...)
			ar.addError(ar.line, ar.recordJSON(), j, e, field)
			return nil
		}
		ar.row[j] = v
	}
	ar.rows++
	return ar.emit(ar.row)
}

// recordJSON is the record's top-level fields as JSON, for an error's raw
// line.
func (ar *avroReader) recordJSON() []byte {
	b := []byte{'{'}
	for i, f := range ar.root.fields {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, []byte(f.name))
		b = append(b, ':')
		b = ar.src[i].appendJSON(b)
	}
	return append(b, '}')
}

func (ar *avroReader) spend() bool {
	if ar.budget--; ar.budget < 0 {
		ar.rd.ReportError("decode", "the block holds more values than its size allows")
		return false
	}
	return ar.rd.Error == nil
}

// value reads one value of a top-level field; a record, array or map is
// its JSON text, written into *jb.
func (ar *avroReader) value(n *avNode, s *srcVal, jb *[]byte) {
	*s = srcVal{}
	if !ar.spend() {
		return
	}
	rd := ar.rd
	switch n.kind {
	case avNull:
	case avBool:
		s.kind = srcBool
		if rd.ReadBool() {
			s.i = 1
		}
	case avInt:
		v := int64(rd.ReadInt())
		switch n.logical {
		case avro.Date:
			s.kind, s.i = srcDate, v
		case avro.TimeMillis:
			s.kind, s.i = srcTime, v*1000
		default:
			s.kind, s.i = srcInt, v
		}
	case avLong:
		v := rd.ReadLong()
		switch n.logical {
		case avro.TimestampMillis, avro.LocalTimestampMillis:
			s.kind = srcTimestamp
			s.i, s.bad = toMicros(v, 1000)
		case avro.TimestampMicros, avro.LocalTimestampMicros:
			s.kind, s.i = srcTimestamp, v
		case avro.TimeMicros:
			s.kind, s.i = srcTime, v
		default:
			s.kind, s.i = srcInt, v
		}
	case avFloat:
		s.kind, s.f, s.f32 = srcFloat, float64(rd.ReadFloat()), true
	case avDouble:
		s.kind, s.f = srcFloat, rd.ReadDouble()
	case avString:
		s.kind, s.b = srcText, rd.ReadBytes()
	case avBytes, avFixed:
		var b []byte
		if n.kind == avBytes {
			b = rd.ReadBytes()
		} else {
			b = make([]byte, n.size)
			rd.Read(b)
		}
		if n.logical == avro.Decimal {
			s.kind, s.scale = srcDecimal, n.scale
			if len(b) <= 8 {
				s.i = beInt64(b)
			} else {
				s.big = beBigInt(b)
			}
			break
		}
		s.kind, s.b = srcLatin1, b
	case avEnum:
		i := rd.ReadInt()
		if i < 0 || int(i) >= len(n.symbols) {
			rd.ReportError("decode enum", "symbol index out of range")
			return
		}
		s.kind, s.b = srcText, []byte(n.symbols[i])
	case avUnion:
		i := rd.ReadLong()
		if i < 0 || i >= int64(len(n.branches)) {
			rd.ReportError("decode union", "branch index out of range")
			return
		}
		ar.budget++ // the branch's value is the same value
		ar.value(n.branches[i], s, jb)
	default: // a record, array or map
		*jb = ar.writeJSON((*jb)[:0], n)
		s.kind, s.b = srcJSON, *jb
	}
}

// writeJSON writes a value as JSON text: records and maps as objects,
// arrays as arrays, a union's value as the value itself.
func (ar *avroReader) writeJSON(b []byte, n *avNode) []byte {
	rd := ar.rd
	switch n.kind {
	case avRecord:
		if !ar.spend() {
			return b
		}
		b = append(b, '{')
		for i, f := range n.fields {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, []byte(f.name))
			b = append(b, ':')
			b = ar.writeJSON(b, f.node)
		}
		return append(b, '}')
	case avArray, avMap:
		if !ar.spend() {
			return b
		}
		open, end := byte('['), byte(']')
		if n.kind == avMap {
			open, end = '{', '}'
		}
		b = append(b, open)
		first := true
		for {
			count, _ := rd.ReadBlockHeader()
			if count == 0 || rd.Error != nil {
				break
			}
			if count < 0 {
				rd.ReportError("decode block", "negative count")
				break
			}
			for range count {
				if !ar.spend() {
					return b
				}
				if !first {
					b = append(b, ',')
				}
				first = false
				if n.kind == avMap {
					b = appendJSONString(b, rd.ReadBytes())
					b = append(b, ':')
				}
				b = ar.writeJSON(b, n.items)
			}
		}
		return append(b, end)
	case avUnion:
		i := rd.ReadLong()
		if i < 0 || i >= int64(len(n.branches)) {
			rd.ReportError("decode union", "branch index out of range")
			return b
		}
		return ar.writeJSON(b, n.branches[i])
	}
	var s srcVal
	var jb []byte
	ar.value(n, &s, &jb)
	return s.appendJSON(b)
}
