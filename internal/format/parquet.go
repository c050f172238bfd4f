package format

import (
	"encoding/binary"
	"fmt"
	"io"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
	pqf "github.com/parquet-go/parquet-go/format"
)

// ParquetInfo is what the footer of a Parquet file says.
type ParquetInfo struct {
	Schema Schema
	Rows   int64
}

// InferParquet reads only the magic bytes and footer of a Parquet file of the
// given size and maps its schema to Glue types.
func InferParquet(r io.ReaderAt, size int64) (info ParquetInfo, err error) {
	if size < 12 { // "PAR1", footer length, "PAR1"
		return info, fmt.Errorf("%w: %d bytes is too short for a parquet file", ErrNotParquet, size)
	}
	if err := checkFooterLength(r, size); err != nil {
		return info, err
	}
	// The footer is thrift decoded by a library; a crawler must survive a
	// hostile file, so a panic there becomes a corrupt-footer error.
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: corrupt footer: %v", ErrNotParquet, p)
		}
	}()
	f, err := parquet.OpenFile(r, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true), parquet.ReadBufferSize(64<<10))
	if err != nil {
		return info, fmt.Errorf("%w: corrupt footer: %v", ErrNotParquet, err)
	}
	md := f.Metadata()
	els := md.Schema
	if len(els) == 0 {
		return info, fmt.Errorf("%w: corrupt footer: empty schema", ErrNotParquet)
	}
	b := &pqBuilder{els: els, i: 1}
	root := els[0]
	n, _ := root.NumChildren.Get()
	cols, err := b.children(int(n), 0)
	if err != nil {
		return info, fmt.Errorf("%w: corrupt footer: schema: %v", ErrNotParquet, err)
	}
	if b.i != len(els) {
		return info, fmt.Errorf("%w: corrupt footer: schema has %d elements after the root's children", ErrNotParquet, len(els)-b.i)
	}
	return ParquetInfo{Schema: Schema(cols), Rows: md.NumRows}, nil
}

// maxParquetFooter bounds the footer we accept; real ones are kilobytes to a
// few megabytes even for wide tables with many row groups.
const maxParquetFooter = 64 << 20

// checkFooterLength validates the footer length before parquet-go sees it:
// the library allocates the stated length up front, up to 4 GiB.
func checkFooterLength(r io.ReaderAt, size int64) error {
	var tail [8]byte
	if _, err := r.ReadAt(tail[:], size-8); err != nil {
		return fmt.Errorf("%w: read footer length: %v", ErrNotParquet, err)
	}
	if string(tail[4:]) != "PAR1" {
		return fmt.Errorf("%w: corrupt footer: ends with %q, want \"PAR1\"", ErrNotParquet, tail[4:])
	}
	n := int64(binary.LittleEndian.Uint32(tail[:4]))
	if n > size-12 || n > maxParquetFooter {
		return fmt.Errorf("%w: corrupt footer: length %d does not fit a file of %d bytes (limit %d)", ErrNotParquet, n, size, maxParquetFooter)
	}
	return nil
}

// pqBuilder walks the footer's depth-first list of schema elements.
type pqBuilder struct {
	els []pqf.SchemaElement
	i   int
}

func (b *pqBuilder) children(n, depth int) ([]Column, error) {
	if n < 0 || n > len(b.els)-b.i {
		return nil, fmt.Errorf("element %d claims %d children, %d elements remain", b.i-1, n, len(b.els)-b.i)
	}
	if depth > maxDepth {
		return nil, fmt.Errorf("nested deeper than %d", maxDepth)
	}
	cols := make([]Column, 0, n)
	for range n {
		c, err := b.node(depth)
		if err != nil {
			return nil, err
		}
		cols = append(cols, c)
	}
	return cols, nil
}

// node maps one element and its subtree. A repeated field outside a LIST
// annotation is the legacy spelling of a list.
func (b *pqBuilder) node(depth int) (Column, error) {
	el := b.els[b.i]
	b.i++
	t, err := b.nodeType(el, depth)
	if err != nil {
		return Column{}, fmt.Errorf("field %q: %w", el.Name, err)
	}
	if rep, _ := el.RepetitionType.Get(); rep == pqf.Repeated {
		t = arrayOf(t)
	}
	return Column{Name: el.Name, Type: t}, nil
}

func (b *pqBuilder) nodeType(el pqf.SchemaElement, depth int) (Type, error) {
	n, group := el.NumChildren.Get()
	if !group {
		return leafType(el), nil
	}
	ct, hasCT := el.ConvertedType.Get()
	switch el.LogicalType.Value.(type) {
	case *pqf.ListType:
		return b.list(el, int(n), depth)
	case *pqf.MapType:
		return b.mapType(int(n), depth)
	}
	if hasCT && ct == deprecated.List {
		return b.list(el, int(n), depth)
	}
	if hasCT && (ct == deprecated.Map || ct == deprecated.MapKeyValue) {
		return b.mapType(int(n), depth)
	}
	cols, err := b.children(int(n), depth+1)
	return structOf(cols...), err
}

// list follows the LIST backward-compatibility rules of the Parquet spec: a
// repeated primitive or a repeated group of several fields (or named "array"
// or "<list>_tuple") is the element itself; otherwise the repeated group
// wraps the element.
func (b *pqBuilder) list(el pqf.SchemaElement, n, depth int) (Type, error) {
	if n != 1 {
		return Type{}, fmt.Errorf("list has %d children, want 1", n)
	}
	rep := b.els[b.i]
	b.i++
	rn, group := rep.NumChildren.Get()
	if !group {
		return arrayOf(leafType(rep)), nil
	}
	if rn != 1 || rep.Name == "array" || rep.Name == el.Name+"_tuple" {
		t, err := b.nodeType(rep, depth+1)
		return arrayOf(t), err
	}
	cols, err := b.children(1, depth+1)
	if err != nil {
		return Type{}, err
	}
	return arrayOf(cols[0].Type), nil
}

func (b *pqBuilder) mapType(n, depth int) (Type, error) {
	if n != 1 {
		return Type{}, fmt.Errorf("map has %d children, want 1", n)
	}
	kv := b.els[b.i]
	b.i++
	kn, group := kv.NumChildren.Get()
	if !group || kn < 1 || kn > 2 {
		return Type{}, fmt.Errorf("map entry %q has %d fields, want key and value", kv.Name, kn)
	}
	cols, err := b.children(int(kn), depth+1)
	if err != nil {
		return Type{}, err
	}
	if len(cols) == 1 { // a key-only map is a set; Glue has none, so a map to string
		return mapOf(cols[0].Type, scalar(KindString)), nil
	}
	return mapOf(cols[0].Type, cols[1].Type), nil
}

// leafType maps a primitive with its logical (or legacy converted) type.
func leafType(el pqf.SchemaElement) Type {
	phys, _ := el.Type.Get()
	ct, hasCT := el.ConvertedType.Get()
	switch lt := el.LogicalType.Value.(type) {
	case *pqf.StringType, *pqf.EnumType, *pqf.JsonType, *pqf.UUIDType:
		return scalar(KindString)
	case *pqf.DecimalType:
		return decimalType(int(lt.Precision), int(lt.Scale))
	case *pqf.DateType:
		return scalar(KindDate)
	case *pqf.TimestampType:
		return scalar(KindTimestamp)
	case *pqf.IntType:
		return intType(int(lt.BitWidth), lt.IsSigned)
	case *pqf.Float16Type:
		return scalar(KindFloat)
	case *pqf.BsonType:
		return scalar(KindBinary)
	}
	if hasCT {
		switch ct {
		case deprecated.UTF8, deprecated.Enum, deprecated.Json:
			return scalar(KindString)
		case deprecated.Decimal:
			p, _ := el.Precision.Get()
			s, _ := el.Scale.Get()
			return decimalType(int(p), int(s))
		case deprecated.Date:
			return scalar(KindDate)
		case deprecated.TimestampMillis, deprecated.TimestampMicros:
			return scalar(KindTimestamp)
		case deprecated.Int8, deprecated.Int16, deprecated.Int32, deprecated.Int64:
			return intType(8<<(ct-deprecated.Int8), true)
		case deprecated.Uint8, deprecated.Uint16, deprecated.Uint32, deprecated.Uint64:
			return intType(8<<(ct-deprecated.Uint8), false)
		}
	}
	switch phys {
	case pqf.Boolean:
		return scalar(KindBoolean)
	case pqf.Int32:
		return scalar(KindInt)
	case pqf.Int64:
		return scalar(KindBigint)
	case pqf.Int96: // legacy Impala/Spark timestamps
		return scalar(KindTimestamp)
	case pqf.Float:
		return scalar(KindFloat)
	case pqf.Double:
		return scalar(KindDouble)
	}
	return scalar(KindBinary)
}

// intType picks the narrowest Glue integer holding the values; unsigned
// values need the next size up, and uint64 a decimal(20,0).
func intType(bits int, signed bool) Type {
	if !signed {
		bits *= 2
	}
	switch {
	case bits <= 8:
		return scalar(KindTinyint)
	case bits <= 16:
		return scalar(KindSmallint)
	case bits <= 32:
		return scalar(KindInt)
	case bits <= 64:
		return scalar(KindBigint)
	}
	return decimalOf(20, 0)
}

// decimalType maps a Parquet decimal; Hive stops at 38 digits, so wider
// decimals (or broken ones) are read as strings rather than rejected.
func decimalType(p, s int) Type {
	if p < 1 || p > maxPrecision || s < 0 || s > p {
		return scalar(KindString)
	}
	return decimalOf(p, s)
}
