package load

// The checks ReadParquet makes before parquet-go reads a file: that
// library allocates what a length in the footer or a page header says
// before it reads that far, so a few hostile bytes could make it ask for
// gigabytes.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/parquet-go/parquet-go"
	pqformat "github.com/parquet-go/parquet-go/format"

	"github.com/tarnlake/tarn/internal/format"
)

// checkParquetFooter checks the file's frame and its footer's structure
// before parquet-go decodes it: that library allocates what a length in
// the footer says before it reads that far.
func checkParquetFooter(r io.ReaderAt, size int64) error {
	if size < 12 {
		return badFile("not a Parquet file: %d bytes", size)
	}
	var head, tail [8]byte
	if _, err := r.ReadAt(head[:4], 0); err != nil {
		return badFile("reading the header: %v", err)
	}
	if _, err := r.ReadAt(tail[:], size-8); err != nil && !(errors.Is(err, io.EOF)) {
		return badFile("reading the footer: %v", err)
	}
	if string(head[:4]) != "PAR1" || string(tail[4:]) != "PAR1" {
		if string(head[:4]) == "PARE" || string(tail[4:]) == "PARE" {
			return badFile("encrypted Parquet files are not supported")
		}
		return badFile("not a Parquet file")
	}
	n := int64(binary.LittleEndian.Uint32(tail[:4]))
	if n > size-12 {
		return badFile("footer of %d bytes in a file of %d", n, size)
	}
	footer := make([]byte, n)
	if _, err := r.ReadAt(footer, size-8-n); err != nil && !errors.Is(err, io.EOF) {
		return badFile("reading the footer: %v", err)
	}
	if _, err := checkThriftStruct(footer, 0, 0); err != nil {
		return badFile("Parquet footer: %v", err)
	}
	return nil
}

// Bounds on a page's sizes: what it decompresses to, past 64 MB, may be
// at most 1024 times its compressed size (no real page comes near; a
// hostile one could otherwise have parquet-go allocate 2 GB from a few
// bytes).
const (
	maxPageRatio = 1024
	bigPage      = 64 << 20
)

// checkParquetPages walks each column chunk's page headers and checks the
// sizes parquet-go will allocate by: a page's compressed size against the
// bytes of its chunk, its uncompressed size and value count against
// what those bytes can hold.
func checkParquetPages(r io.ReaderAt, size int64, f *parquet.File) error {
	md := f.Metadata()
	var buf []byte
	for _, rg := range md.RowGroups {
		for _, cc := range rg.Columns {
			m := &cc.MetaData
			start := m.DataPageOffset
			if m.DictionaryPageOffset != 0 {
				start = m.DictionaryPageOffset
			}
			if start < 4 || m.TotalCompressedSize < 0 || m.TotalCompressedSize > size-start {
				return badFile("column chunk of %d bytes at %d in a file of %d", m.TotalCompressedSize, start, size)
			}
			end := start + m.TotalCompressedSize
			for pos := start; pos < end; {
				var h pageHeader
				var n int
				var err error
				for window := int64(256); ; window *= 2 {
					window = min(window, end-pos)
					buf = grow(buf, int(window))
					if _, err = r.ReadAt(buf, pos); err != nil && !errors.Is(err, io.EOF) {
						return badFile("reading a page header: %v", err)
					}
					if n, err = h.parse(buf); err == nil || window == end-pos || !errors.Is(err, io.ErrUnexpectedEOF) {
						break
					}
				}
				if err != nil {
					return badFile("page header at %d: %v", pos, err)
				}
				pos += int64(n)
				if err := h.check(end-pos, rg.NumRows); err != nil {
					return badFile("page at %d: %v", pos, err)
				}
				pos += int64(h.compressed)
			}
		}
	}
	return nil
}

// pageHeader holds what checkParquetPages reads of a Thrift PageHeader.
type pageHeader struct {
	uncompressed, compressed, values int64
}

func (h *pageHeader) check(rest, rows int64) error {
	switch {
	case h.compressed < 0 || h.uncompressed < 0 || h.values < 0:
		return errors.New("negative size")
	case h.compressed > rest:
		return fmt.Errorf("%d bytes where %d remain", h.compressed, rest)
	case h.uncompressed > bigPage && h.uncompressed > h.compressed*maxPageRatio:
		return fmt.Errorf("%d bytes decompress to %d", h.compressed, h.uncompressed)
	case h.values > bigPage && h.values > 8*h.uncompressed && h.values > rows:
		return fmt.Errorf("%d values in %d bytes", h.values, h.uncompressed)
	}
	return nil
}

// parse reads the header's sizes and value count and returns its length.
func (h *pageHeader) parse(b []byte) (int, error) {
	i, id := 0, int16(0)
	for {
		if i >= len(b) {
			return 0, io.ErrUnexpectedEOF
		}
		fh := b[i]
		i++
		if fh == 0 {
			return i, nil
		}
		if d := int16(fh >> 4); d != 0 {
			id += d
		} else {
			v, j, err := uvarint(b, i)
			if err != nil {
				return 0, err
			}
			id, i = int16(v>>1)^-int16(v&1), j
		}
		t := fh & 0x0F
		switch {
		case t == 5 && (id == 2 || id == 3):
			v, j, err := uvarint(b, i)
			if err != nil {
				return 0, err
			}
			n := int64(v>>1) ^ -int64(v&1)
			if id == 2 {
				h.uncompressed = n
			} else {
				h.compressed = n
			}
			i = j
		case t == 12 && (id == 5 || id == 7 || id == 8):
			// DataPageHeader, DictionaryPageHeader, DataPageHeaderV2:
			// field 1 is num_values.
			if i+1 < len(b) && b[i] == 0x15 {
				if v, _, err := uvarint(b, i+1); err == nil {
					h.values = int64(v>>1) ^ -int64(v&1)
				}
			}
			var err error
			if i, err = checkThriftStruct(b, i, 1); err != nil {
				return 0, err
			}
		default:
			var err error
			if i, err = checkThriftValue(b, i, t, 0, true); err != nil {
				return 0, err
			}
		}
	}
}

// checkThriftStruct walks a Thrift compact struct at b[i:], checking that
// no list, map or string claims more elements than bytes remain.
func checkThriftStruct(b []byte, i, depth int) (int, error) {
	if depth > 64 {
		return 0, errors.New("nested too deeply")
	}
	for {
		if i >= len(b) {
			return 0, io.ErrUnexpectedEOF
		}
		h := b[i]
		i++
		if h == 0 {
			return i, nil
		}
		if h>>4 == 0 { // a long-form field id
			var err error
			if i, err = skipUvarint(b, i); err != nil {
				return 0, err
			}
		}
		var err error
		if i, err = checkThriftValue(b, i, h&0x0F, depth, true); err != nil {
			return 0, err
		}
	}
}

func checkThriftValue(b []byte, i int, t byte, depth int, inStruct bool) (int, error) {
	switch t {
	case 1, 2: // a boolean: in the field header in a struct, one byte in a list
		if inStruct {
			return i, nil
		}
		return skipBytes(b, i, 1)
	case 3:
		return skipBytes(b, i, 1)
	case 4, 5, 6:
		return skipUvarint(b, i)
	case 7:
		return skipBytes(b, i, 8)
	case 8:
		n, j, err := uvarint(b, i)
		if err != nil {
			return 0, err
		}
		return skipBytes(b, j, n)
	case 9, 10:
		if i >= len(b) {
			return 0, io.ErrUnexpectedEOF
		}
		h := b[i]
		i++
		n := uint64(h >> 4)
		if n == 15 {
			var err error
			if n, i, err = uvarint(b, i); err != nil {
				return 0, err
			}
		}
		if n > uint64(len(b)-i) {
			return 0, fmt.Errorf("a list of %d elements in %d bytes", n, len(b)-i)
		}
		for range n {
			var err error
			if i, err = checkThriftValue(b, i, h&0x0F, depth+1, false); err != nil {
				return 0, err
			}
		}
		return i, nil
	case 11:
		n, j, err := uvarint(b, i)
		if err != nil {
			return 0, err
		}
		i = j
		if n == 0 {
			return i, nil
		}
		if i >= len(b) {
			return 0, io.ErrUnexpectedEOF
		}
		kv := b[i]
		i++
		if n > uint64(len(b)-i) {
			return 0, fmt.Errorf("a map of %d entries in %d bytes", n, len(b)-i)
		}
		for range n {
			if i, err = checkThriftValue(b, i, kv>>4, depth+1, false); err != nil {
				return 0, err
			}
			if i, err = checkThriftValue(b, i, kv&0x0F, depth+1, false); err != nil {
				return 0, err
			}
		}
		return i, nil
	case 12:
		return checkThriftStruct(b, i, depth+1)
	}
	return 0, fmt.Errorf("unknown Thrift type %d", t)
}

func uvarint(b []byte, i int) (uint64, int, error) {
	if i > len(b) {
		return 0, 0, io.ErrUnexpectedEOF
	}
	v, n := binary.Uvarint(b[i:])
	if n <= 0 {
		return 0, 0, errors.New("bad varint")
	}
	return v, i + n, nil
}

func skipUvarint(b []byte, i int) (int, error) {
	_, j, err := uvarint(b, i)
	return j, err
}

func skipBytes(b []byte, i int, n uint64) (int, error) {
	if n > uint64(len(b)-i) {
		return 0, io.ErrUnexpectedEOF
	}
	return i + int(n), nil
}

// ParquetExact says whether a Parquet file's values load into cols as
// they are: flat columns of the columns' own types (an INT64 into a
// BIGINT, a STRING into a VARCHAR with no length kept, a DECIMAL of the
// column's scale and no more digits...), so that any Parquet reader loads
// them as ReadParquet would. Any other file, or one that does not open,
// is ReadParquet's.
func ParquetExact(r io.ReaderAt, size int64, cols []Column) bool {
	if checkParquetFooter(r, size) != nil {
		return false
	}
	var f *parquet.File
	if safely(func() error {
		var err error
		f, err = parquet.OpenFile(r, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true), parquet.FileReadMode(parquet.ReadModeSync))
		return err
	}) != nil {
		return false
	}
	top := f.Root().Columns()
	if len(top) != len(cols) {
		return false
	}
	for i, col := range top {
		if !col.Leaf() || col.Repeated() {
			return false
		}
		l, err := leafPlan(col)
		if err != nil || !exact(l, col, cols[i]) {
			return false
		}
	}
	return true
}

// exact says whether leaf l's values are column c's as they are.
func exact(l pqLeaf, col *parquet.Column, c Column) bool {
	switch c.Type.Kind {
	case format.KindBoolean:
		return l.kind == pqBool
	case format.KindInt:
		return l.kind == pqInt32
	case format.KindBigint:
		return l.kind == pqInt32 || l.kind == pqInt64
	case format.KindFloat:
		return l.kind == pqFloat
	case format.KindDouble:
		return l.kind == pqFloat || l.kind == pqDouble
	case format.KindString:
		return l.kind == pqText && c.MaxLen == 0 && !c.Char
	case format.KindDate:
		return l.kind == pqDate
	case format.KindTimestamp:
		// An instant (isAdjustedToUTC) only into TIMESTAMPTZ, a wall time
		// only into TIMESTAMP: DuckDB would convert between them.
		lt := col.Type().LogicalType()
		if l.kind != pqTimestamp || l.unit != 1 || lt == nil {
			return false
		}
		ts, ok := lt.Value.(*pqformat.TimestampType)
		return ok && ts.IsAdjustedToUTC == c.TZ
	case format.KindDecimal:
		lt := col.Type().LogicalType()
		if l.kind != pqDecimal || lt == nil {
			return false
		}
		d, ok := lt.Value.(*pqformat.DecimalType)
		p, s := decimalShape(c.Type)
		return ok && l.scale == s && int(d.Precision) <= p
	}
	return false
}
