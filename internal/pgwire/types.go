package pgwire

import (
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/tarnlake/tarn/internal/query"
)

// PostgreSQL type OIDs used here.
const (
	oidBool        = 16
	oidBytea       = 17
	oidInt8        = 20
	oidInt2        = 21
	oidInt4        = 23
	oidText        = 25
	oidJSON        = 114
	oidFloat4      = 700
	oidFloat8      = 701
	oidDate        = 1082
	oidTime        = 1083
	oidTimestamp   = 1114
	oidTimestampTZ = 1184
	oidInterval    = 1186
	oidTimeTZ      = 1266
	oidNumeric     = 1700
	oidUUID        = 2950
)

// colType is how a result column of an engine type goes on the wire.
type colType struct {
	oid  uint32
	size int16 // pg_type.typlen: -1 for variable length
	mod  int32 // type modifier: DECIMAL(p,s) → (p<<16|s)+4
	// Lists: the element's type and the array's element OID on the wire
	// (text for elements that are not scalars).
	elem    *colType
	elemOID uint32
	// Structs keep field order and types; maps keep key and value types.
	fields   []field
	key, val *colType
}

type field struct {
	name string
	typ  *colType
}

var textType = &colType{oid: oidText, size: -1, mod: -1}

// wireType is how a column of engine type t goes on the wire; what
// query.PGTypes does not name (enums, unions, bit strings) travels as
// text, and so do structs and maps, as JSON.
func wireType(t query.Type) *colType {
	switch t.Kind {
	case query.KindList, query.KindArray:
		ct := &colType{oid: query.PGTextArray, size: -1, mod: -1, elem: textType, elemOID: oidText}
		if t.Elem == nil {
			return ct
		}
		ct.elem = wireType(*t.Elem)
		if pg, ok := query.PGTypeOf(t.Elem.Kind); ok {
			ct.oid, ct.elemOID = pg.ArrayOID, pg.OID
		}
		return ct
	case query.KindStruct:
		ct := &colType{oid: oidText, size: -1, mod: -1}
		for _, f := range t.Fields {
			ct.fields = append(ct.fields, field{f.Name, wireType(f.Type)})
		}
		return ct
	case query.KindMap:
		ct := &colType{oid: oidText, size: -1, mod: -1, key: textType, val: textType}
		if t.Key != nil && t.Value != nil {
			ct.key, ct.val = wireType(*t.Key), wireType(*t.Value)
		}
		return ct
	}
	pg, ok := query.PGTypeOf(t.Kind)
	if !ok {
		return textType
	}
	ct := &colType{oid: pg.OID, size: pg.Size, mod: -1}
	if t.Kind == query.KindDecimal {
		ct.mod = int32(t.Precision<<16|t.Scale) + 4
	}
	return ct
}

// describeRows builds a RowDescription; formats holds one code per column.
func describeRows(cols []query.Column, types []*colType, formats []int16) *pgproto3.RowDescription {
	rd := &pgproto3.RowDescription{Fields: make([]pgproto3.FieldDescription, len(cols))}
	for i, c := range cols {
		t := types[i]
		rd.Fields[i] = pgproto3.FieldDescription{Name: []byte(c.Name), DataTypeOID: t.oid,
			DataTypeSize: t.size, TypeModifier: t.mod, Format: formatAt(formats, i)}
	}
	return rd
}

func colTypes(cols []query.Column) []*colType {
	out := make([]*colType, len(cols))
	for i, c := range cols {
		out[i] = wireType(c.Type)
	}
	return out
}

// formatAt applies the Bind rule: no codes means text, one code applies
// to all columns.
func formatAt(formats []int16, i int) int16 {
	switch {
	case len(formats) == 1:
		return formats[0]
	case i < len(formats):
		return formats[i]
	}
	return 0
}
