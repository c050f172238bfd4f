package load

// COPY … FORMAT AS PARQUET: the file's top-level columns go to the COPY's
// columns by position, and the first value that cannot be loaded fails the
// whole COPY (Redshift: "COPY from columnar data formats").

import (
	"errors"
	"fmt"
	"io"
	"math/big"
	"strings"

	"github.com/parquet-go/parquet-go"
	pqformat "github.com/parquet-go/parquet-go/format"

	"github.com/tarnlake/tarn/internal/format"
)

// ReadParquet reads a Parquet file as COPY … FORMAT AS PARQUET does.
//
// The file's top-level columns load the COPY's columns in order, names
// aside; their counts must match. A column's Parquet type must suit its
// column: numbers go to numeric columns (INT32 or INT64 to a DECIMAL, a
// DECIMAL of scale 0 to an integer), DATE and TIMESTAMP (any unit, adjusted
// to UTC or not, and the legacy INT96) to DATE and TIMESTAMP, BOOLEAN to
// BOOLEAN, BYTE_ARRAY and FIXED_LEN_BYTE_ARRAY to VARBYTE as they are,
// strings to any other column by the text rules, and anything to a CHAR or
// VARCHAR as its text; a LIST, MAP or group loads a VARCHAR as JSON text
// and nothing else. A file that does not fit fails before any row with
// ErrLoadFailed; so does the first value that does not convert (too long a
// string, an integer out of range, invalid UTF-8...), with its LoadError in
// bad: Redshift's COPY of Parquet skips no rows and MAXERROR does not apply
// to it. The caller must then discard the rows emitted so far, as the
// failed COPY's transaction would. Values and emit are as for Read; rows
// are numbered from 1 in LoadError.LineNumber.
func ReadParquet(r io.ReaderAt, size int64, file string, cols []Column, emit func([]any) error) (rows int64, bad []LoadError, err error) {
	c, err := newConfig(cols, Options{Format: "JSON", JSON: "auto"}) // the columns checked, the default rules
	if err != nil {
		return 0, nil, err
	}
	if err := checkParquetFooter(r, size); err != nil {
		return 0, nil, err
	}
	var f *parquet.File
	err = safely(func() error {
		var err error
		f, err = parquet.OpenFile(r, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true),
			parquet.FileReadMode(parquet.ReadModeSync))
		return err
	})
	if err != nil {
		if !errors.Is(err, ErrBadFile) {
			err = fmt.Errorf("%w: %v", ErrBadFile, err)
		}
		return 0, nil, err
	}
	pr := &pqReader{rowReader: newRowReader(file, cols, c, emit)}
	if err := pr.plan(f); err != nil {
		return 0, nil, err
	}
	if err := checkParquetPages(r, size, f); err != nil {
		return 0, nil, err
	}
	err = pr.read(f)
	return pr.rows, pr.bad, err
}

// pqKind is how a leaf column's values read.
type pqKind uint8

const (
	pqNull pqKind = iota // a type parquet-go does not know: always NULL
	pqBool
	pqInt32
	pqInt64
	pqUint32
	pqUint64
	pqInt96 // a legacy timestamp: nanoseconds of the day and a Julian day
	pqFloat
	pqDouble
	pqText   // UTF8, ENUM, JSON
	pqBinary // BYTE_ARRAY or FIXED_LEN_BYTE_ARRAY with no text type
	pqUUID
	pqDecimal // on INT32, INT64, BYTE_ARRAY or FIXED_LEN_BYTE_ARRAY
	pqDate
	pqTimestamp
	pqTime
)

// pqLeaf is one leaf column's plan.
type pqLeaf struct {
	kind  pqKind
	scale int   // a DECIMAL's
	unit  int64 // a TIMESTAMP's or TIME's microseconds per unit; -1000 for nanoseconds
}

// pqColumn is one top-level column of the file.
type pqColumn struct {
	col        *parquet.Column
	first, end int // its leaves' indexes
	nested     bool
	class      srcClass
}

type pqReader struct {
	*rowReader
	top     []pqColumn
	leaves  []pqLeaf
	nLeaves map[*parquet.Column]int
	vals    [][]parquet.Value // the current row's values of each leaf
	src     []srcVal
	text    []byte
	json    []byte
	flat    bool // no nested columns: one value a leaf
}

// srcClass is a column's kind of value, for the check against its column.
type srcClass uint8

const (
	clNull srcClass = iota
	clBool
	clInt
	clFloat
	clDecimal
	clDecimalInt // a DECIMAL of scale 0
	clText
	clBinary
	clDate
	clTimestamp
	clTime
	clNested
)

// plan maps the file's columns to the COPY's and checks their types.
func (pr *pqReader) plan(f *parquet.File) error {
	top := f.Root().Columns()
	if len(top) != len(pr.cols) {
		return fmt.Errorf("%w: Unmatched number of columns between table and file. Table columns: %d, Data columns: %d",
			ErrLoadFailed, len(pr.cols), len(top))
	}
	pr.nLeaves = map[*parquet.Column]int{}
	pr.flat = true
	for i, col := range top {
		pc := pqColumn{col: col, first: len(pr.leaves)}
		if err := pr.addLeaves(col); err != nil {
			return err
		}
		pc.end = len(pr.leaves)
		pc.nested = !col.Leaf() || col.Repeated()
		if pc.nested {
			pr.flat = false
			pc.class = clNested
		} else {
			pc.class = pr.leaves[pc.first].class()
		}
		if !fits(pc.class, pr.cols[i].Type.Kind) {
			return fmt.Errorf("%w: File '%s' has an incompatible Parquet schema for column '%s'. Column type: %s, Parquet schema: %s",
				ErrLoadFailed, pr.file, pr.cols[i].Name, pr.conv[i].columnType(), parquetType(col))
		}
		pr.top = append(pr.top, pc)
	}
	pr.vals = make([][]parquet.Value, len(pr.leaves))
	pr.src = make([]srcVal, len(top))
	return nil
}

// addLeaves plans col's leaves, in the file's order of leaf columns.
func (pr *pqReader) addLeaves(col *parquet.Column) error {
	if col.Leaf() {
		if col.Index() != len(pr.leaves) {
			return badFile("leaf column %q out of order", col.Name())
		}
		l, err := leafPlan(col)
		if err != nil {
			return err
		}
		pr.leaves = append(pr.leaves, l)
		pr.nLeaves[col] = 1
		return nil
	}
	start := len(pr.leaves)
	for _, child := range col.Columns() {
		if err := pr.addLeaves(child); err != nil {
			return err
		}
	}
	pr.nLeaves[col] = len(pr.leaves) - start
	return nil
}

// leafPlan reads a leaf's physical and logical types.
func leafPlan(col *parquet.Column) (pqLeaf, error) {
	t := col.Type()
	lt := t.LogicalType()
	pt := t.PhysicalType()
	if pt == nil {
		return pqLeaf{kind: pqNull}, nil
	}
	phys := parquet.Kind(*pt)
	if lt != nil {
		switch v := lt.Value.(type) {
		case *pqformat.StringType, *pqformat.EnumType, *pqformat.JsonType:
			if phys == parquet.ByteArray || phys == parquet.FixedLenByteArray {
				return pqLeaf{kind: pqText}, nil
			}
		case *pqformat.UUIDType:
			if phys == parquet.FixedLenByteArray {
				return pqLeaf{kind: pqUUID}, nil
			}
		case *pqformat.DecimalType:
			if v.Scale < 0 || v.Scale > 1000 || v.Precision < 1 {
				return pqLeaf{}, badFile("column %q: DECIMAL(%d,%d)", col.Name(), v.Precision, v.Scale)
			}
			switch phys {
			case parquet.Int32, parquet.Int64, parquet.ByteArray, parquet.FixedLenByteArray:
				return pqLeaf{kind: pqDecimal, scale: int(v.Scale)}, nil
			}
		case *pqformat.DateType:
			if phys == parquet.Int32 {
				return pqLeaf{kind: pqDate}, nil
			}
		case *pqformat.TimestampType:
			if phys == parquet.Int64 {
				return pqLeaf{kind: pqTimestamp, unit: timeUnit(&v.Unit)}, nil
			}
		case *pqformat.TimeType:
			if phys == parquet.Int32 || phys == parquet.Int64 {
				return pqLeaf{kind: pqTime, unit: timeUnit(&v.Unit)}, nil
			}
		case *pqformat.IntType:
			if !v.IsSigned && phys == parquet.Int32 {
				return pqLeaf{kind: pqUint32}, nil
			}
			if !v.IsSigned && phys == parquet.Int64 {
				return pqLeaf{kind: pqUint64}, nil
			}
		case *pqformat.NullType:
			return pqLeaf{kind: pqNull}, nil
		}
	}
	switch phys {
	case parquet.Boolean:
		return pqLeaf{kind: pqBool}, nil
	case parquet.Int32:
		return pqLeaf{kind: pqInt32}, nil
	case parquet.Int64:
		return pqLeaf{kind: pqInt64}, nil
	case parquet.Int96:
		return pqLeaf{kind: pqInt96}, nil
	case parquet.Float:
		return pqLeaf{kind: pqFloat}, nil
	case parquet.Double:
		return pqLeaf{kind: pqDouble}, nil
	case parquet.ByteArray, parquet.FixedLenByteArray:
		return pqLeaf{kind: pqBinary}, nil
	}
	return pqLeaf{kind: pqNull}, nil
}

func timeUnit(u *pqformat.TimeUnit) int64 {
	switch u.Value.(type) {
	case *pqformat.MilliSeconds:
		return 1000
	case *pqformat.NanoSeconds:
		return -1000
	}
	return 1
}

func (l *pqLeaf) class() srcClass {
	switch l.kind {
	case pqBool:
		return clBool
	case pqInt32, pqInt64, pqUint32, pqUint64:
		return clInt
	case pqFloat, pqDouble:
		return clFloat
	case pqDecimal:
		if l.scale == 0 {
			return clDecimalInt
		}
		return clDecimal
	case pqText, pqUUID:
		return clText
	case pqBinary:
		return clBinary
	case pqDate:
		return clDate
	case pqTimestamp, pqInt96:
		return clTimestamp
	case pqTime:
		return clTime
	}
	return clNull
}

// fits says which kinds of Parquet column load which columns.
func fits(cl srcClass, k format.Kind) bool {
	switch cl {
	case clNull:
		return true
	case clText:
		return true // by the text rules, or its bytes into a VARBYTE
	case clNested:
		return k == format.KindString
	}
	switch k {
	case format.KindString:
		return true
	case format.KindBinary:
		return cl == clBinary
	case format.KindBoolean:
		return cl == clBool
	case format.KindTinyint, format.KindSmallint, format.KindInt, format.KindBigint:
		return cl == clInt || cl == clDecimalInt
	case format.KindFloat, format.KindDouble, format.KindDecimal:
		return cl == clInt || cl == clFloat || cl == clDecimal || cl == clDecimalInt
	case format.KindDate, format.KindTimestamp:
		return cl == clDate || cl == clTimestamp
	}
	return false
}

// parquetType spells a column's type for a message, as the format's
// schema text does: "optional int64 ts (TIMESTAMP(isAdjustedToUTC=true,unit=MILLIS))".
func parquetType(col *parquet.Column) string {
	rep := "required"
	switch {
	case col.Optional():
		rep = "optional"
	case col.Repeated():
		rep = "repeated"
	}
	t := col.Type()
	kind := "group"
	if col.Leaf() {
		if pt := t.PhysicalType(); pt != nil {
			kind = strings.ToLower(pt.String())
		}
	}
	s := rep + " " + kind + " " + col.Name()
	if lt := t.LogicalType(); lt != nil && lt.Value != nil {
		s += " (" + lt.String() + ")"
	}
	return s
}

// read reads the row groups in order.
func (pr *pqReader) read(f *parquet.File) error {
	buf := make([]parquet.Row, 512)
	var line int64
	for _, rg := range f.RowGroups() {
		first := line
		rows := rg.Rows()
		for {
			var n int
			var rerr error
			err := safely(func() error {
				n, rerr = rows.ReadRows(buf)
				return nil
			})
			if err != nil {
				rows.Close()
				return err
			}
			for _, row := range buf[:n] {
				line++
				if err := pr.loadRow(row, line); err != nil {
					rows.Close()
					return err
				}
			}
			if rerr == io.EOF {
				break
			}
			if rerr != nil {
				rows.Close()
				return fmt.Errorf("%w: %v", ErrBadFile, rerr)
			}
			if n == 0 {
				rows.Close()
				return badFile("a row group yields no rows")
			}
		}
		rows.Close()
		if got := line - first; got != rg.NumRows() {
			return badFile("a row group of %d rows holds %d", rg.NumRows(), got)
		}
	}
	return nil
}

// loadRow converts and emits one row; a value that does not load fails
// the COPY.
func (pr *pqReader) loadRow(row parquet.Row, line int64) error {
	if !pr.split(row) {
		return badFile("row %d lacks values of some columns", line)
	}
	for i := range pr.top {
		pc := &pr.top[i]
		s := &pr.src[i]
		if pc.nested {
			pr.nestedValue(pc, s)
		} else {
			v := pr.vals[pc.first][0]
			pr.leaves[pc.first].value(v, s, pr.cols[i].Type.Kind == format.KindBinary)
		}
		val, e := pr.conv[i].fromSource(s, pr.c, &pr.text, &pr.scratch)
		if e.code != 0 {
			var field []byte
			field = append(field, s.text(&pr.text)...)
			pr.addError(line, pr.rowText(i), i, e, field)
			return fmt.Errorf("%w: %s (column %s, row %d of %s)", ErrLoadFailed, e.reason, pr.cols[i].Name, line, pr.file)
		}
		pr.row[i] = val
	}
	pr.rows++
	return pr.emit(pr.row)
}

// split finds each leaf's values in row, which parquet-go orders by leaf.
func (pr *pqReader) split(row parquet.Row) bool {
	if pr.flat && len(row) == len(pr.leaves) {
		ok := true
		for j := range row {
			if row[j].Column() != j {
				ok = false
				break
			}
			pr.vals[j] = row[j : j+1]
		}
		if ok {
			return true
		}
	}
	clear(pr.vals)
	for s := 0; s < len(row); {
		ci := row[s].Column()
		e := s + 1
		for e < len(row) && row[e].Column() == ci {
			e++
		}
		if ci >= 0 && ci < len(pr.vals) {
			pr.vals[ci] = row[s:e]
		}
		s = e
	}
	for _, v := range pr.vals {
		if len(v) == 0 {
			return false
		}
	}
	return true
}

// rowText is the row's values up to column upto, '|' between them, for
// the error's raw line.
func (pr *pqReader) rowText(upto int) []byte {
	var b, buf []byte
	for i := 0; i <= upto && i < len(pr.src); i++ {
		if i > 0 {
			b = append(b, '|')
		}
		b = append(b, pr.src[i].text(&buf)...)
	}
	return b
}

// value reads one leaf value; binary asks a text column for its bytes, for
// a VARBYTE.
func (l *pqLeaf) value(v parquet.Value, s *srcVal, binary bool) {
	*s = srcVal{}
	if v.IsNull() {
		return
	}
	k := v.Kind()
	isBytes := k == parquet.ByteArray || k == parquet.FixedLenByteArray
	switch l.kind {
	case pqBool:
		s.kind = srcBool
		if v.Boolean() {
			s.i = 1
		}
	case pqInt32:
		s.kind, s.i = srcInt, int64(v.Int32())
	case pqInt64:
		s.kind, s.i = srcInt, v.Int64()
	case pqUint32:
		s.kind, s.i = srcInt, int64(uint32(v.Int32()))
	case pqUint64:
		if u := uint64(v.Int64()); u > 1<<63-1 {
			s.kind, s.u = srcUint, u
		} else {
			s.kind, s.i = srcInt, int64(u)
		}
	case pqFloat:
		s.kind, s.f, s.f32 = srcFloat, float64(v.Float()), true
	case pqDouble:
		s.kind, s.f = srcFloat, v.Double()
	case pqText:
		if isBytes {
			s.kind, s.b = srcText, v.ByteArray()
			if binary {
				s.kind = srcBinary
			}
		}
	case pqBinary:
		if isBytes {
			s.kind, s.b = srcBinary, v.ByteArray()
		}
	case pqUUID:
		if isBytes {
			if b := v.ByteArray(); len(b) == 16 && !binary {
				s.kind, s.b = srcText, formatUUID(b)
			} else {
				s.kind, s.b = srcBinary, b
			}
		}
	case pqDecimal:
		s.kind, s.scale = srcDecimal, l.scale
		switch {
		case k == parquet.Int32:
			s.i = int64(v.Int32())
		case k == parquet.Int64:
			s.i = v.Int64()
		case isBytes:
			b := v.ByteArray()
			if len(b) <= 8 {
				s.i = beInt64(b)
			} else {
				s.big = beBigInt(b)
			}
		default:
			s.kind = srcNull
		}
	case pqDate:
		s.kind, s.i = srcDate, int64(v.Int32())
	case pqTimestamp:
		s.kind = srcTimestamp
		s.i, s.bad = toMicros(v.Int64(), l.unit)
	case pqTime:
		n := v.Int64()
		if k == parquet.Int32 {
			n = int64(v.Int32())
		}
		s.kind = srcTime
		s.i, _ = toMicros(n, l.unit)
	case pqInt96:
		if k == parquet.Int96 {
			i96 := v.Int96()
			ns := int64(uint64(i96[1])<<32 | uint64(i96[0]))
			day := int64(i96[2]) - 2440588 // the Julian day of 1970-01-01
			s.kind = srcTimestamp
			s.i = day*86400*1000000 + floorDiv(ns, 1000)
		}
	}
}

// toMicros turns a count of units into microseconds, nanoseconds cut
// down; bad is an overflow.
func toMicros(n, unit int64) (us int64, bad bool) {
	switch {
	case unit == 1:
		return n, false
	case unit < 0:
		return floorDiv(n, -unit), false
	case n > (1<<63-1)/unit || n < -(1<<63-1)/unit:
		return 0, true
	}
	return n * unit, false
}

// beInt64 reads a big-endian two's complement integer of at most 8 bytes.
func beInt64(b []byte) int64 {
	if len(b) == 0 {
		return 0
	}
	var v int64
	if b[0]&0x80 != 0 {
		v = -1
	}
	for _, c := range b {
		v = v<<8 | int64(c)
	}
	return v
}

// beBigInt reads a big-endian two's complement integer.
func beBigInt(b []byte) *big.Int {
	v := new(big.Int).SetBytes(b)
	if len(b) > 0 && b[0]&0x80 != 0 {
		v.Sub(v, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	return v
}

func formatUUID(b []byte) []byte {
	const hexDigits = "0123456789abcdef"
	out := make([]byte, 0, 36)
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out = append(out, '-')
		}
		out = append(out, hexDigits[c>>4], hexDigits[c&15])
	}
	return out
}

// nestedValue writes a nested column's value as JSON text; a NULL
// top-level value is NULL.
func (pr *pqReader) nestedValue(pc *pqColumn, s *srcVal) {
	*s = srcVal{}
	vals := pr.vals[pc.first:pc.end]
	if pc.col.Optional() && len(vals) > 0 && len(vals[0]) > 0 && vals[0][0].DefinitionLevel() < 1 {
		return
	}
	pr.json = pr.writeNode(pr.json[:0], pc.col, 0, 0, vals)
	s.kind, s.b = srcJSON, pr.json
}

// writeNode writes col's value from its leaves' values, as parquet-go's
// reconstruction walks them: an optional level is NULL below its
// definition level, a repeated one is a list of the values its repetition
// level splits.
func (pr *pqReader) writeNode(b []byte, col *parquet.Column, def, rep int, vals [][]parquet.Value) []byte {
	if col.Optional() {
		def++
		if len(vals) == 0 || len(vals[0]) == 0 || vals[0][0].DefinitionLevel() < def {
			return append(b, "null"...)
		}
	}
	if col.Repeated() {
		return pr.writeList(b, col, col, def, rep, vals)
	}
	return pr.writeRequired(b, col, def, rep, vals)
}

func (pr *pqReader) writeRequired(b []byte, col *parquet.Column, def, rep int, vals [][]parquet.Value) []byte {
	if col.Leaf() {
		if len(vals) == 0 || len(vals[0]) == 0 {
			return append(b, "null"...)
		}
		var s srcVal
		pr.leaves[col.Index()].value(vals[0][0], &s, false)
		return s.appendJSON(b)
	}
	children := col.Columns()
	if lt := col.Type().LogicalType(); lt != nil && len(children) == 1 && children[0].Repeated() {
		switch lt.Value.(type) {
		case *pqformat.ListType:
			elem := listElement(col, children[0])
			return pr.writeList(b, children[0], elem, def, rep, vals)
		case *pqformat.MapType:
			if kv := children[0].Columns(); len(kv) == 2 && kv[0].Leaf() {
				return pr.writeMap(b, children[0], def, rep, vals)
			}
		}
	}
	b = append(b, '{')
	off := 0
	for i, child := range children {
		n := pr.nLeaves[child]
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, []byte(child.Name()))
		b = append(b, ':')
		b = pr.writeNode(b, child, def, rep, vals[off:min(off+n, len(vals))])
		off += n
	}
	return append(b, '}')
}

// listElement is what a LIST's elements are, by the format's backward
// compatibility rules: the repeated field itself, or its one field.
func listElement(list, repeated *parquet.Column) *parquet.Column {
	fields := repeated.Columns()
	if repeated.Leaf() || len(fields) != 1 || repeated.Name() == "array" || repeated.Name() == list.Name()+"_tuple" {
		return repeated
	}
	return fields[0]
}

// elements splits the values of a repeated field at its repetition level.
func elements(vals [][]parquet.Value, rep int, each func(elem [][]parquet.Value)) {
	cur := make([][]parquet.Value, len(vals))
	rest := make([][]parquet.Value, len(vals))
	copy(rest, vals)
	for len(rest[0]) > 0 {
		for j, col := range rest {
			k := 1
			for k < len(col) && col[k].RepetitionLevel() > rep {
				k++
			}
			k = min(k, len(col))
			cur[j], rest[j] = col[:k], col[k:]
		}
		each(cur)
	}
}

// writeList writes a repeated field as a JSON array of elem.
func (pr *pqReader) writeList(b []byte, repeated, elem *parquet.Column, def, rep int, vals [][]parquet.Value) []byte {
	def++
	rep++
	if len(vals) == 0 || len(vals[0]) == 0 || vals[0][0].DefinitionLevel() < def {
		return append(b, "[]"...)
	}
	b = append(b, '[')
	first := true
	elements(vals, rep, func(e [][]parquet.Value) {
		if !first {
			b = append(b, ',')
		}
		first = false
		if elem == repeated {
			b = pr.writeRequired(b, repeated, def, rep, e)
		} else {
			b = pr.writeNode(b, elem, def, rep, e)
		}
	})
	return append(b, ']')
}

// writeMap writes a MAP's key_value field as a JSON object.
func (pr *pqReader) writeMap(b []byte, kv *parquet.Column, def, rep int, vals [][]parquet.Value) []byte {
	def++
	rep++
	if len(vals) == 0 || len(vals[0]) == 0 || vals[0][0].DefinitionLevel() < def {
		return append(b, "{}"...)
	}
	fields := kv.Columns()
	nk := pr.nLeaves[fields[0]]
	b = append(b, '{')
	first := true
	elements(vals, rep, func(e [][]parquet.Value) {
		if !first {
			b = append(b, ',')
		}
		first = false
		var key srcVal
		if len(e[0]) > 0 {
			pr.leaves[fields[0].Index()].value(e[0][0], &key, false)
		}
		var buf []byte
		b = appendJSONString(b, key.text(&buf))
		b = append(b, ':')
		b = pr.writeNode(b, fields[1], def, rep, e[min(nk, len(e)):])
	})
	return append(b, '}')
}
