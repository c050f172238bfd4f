package query

import (
	"strconv"
	"strings"
)

// Type is a column's engine type, taken apart once where the engine
// learns it so that front ends render it without parsing names.
type Type struct {
	Kind Kind
	// Precision and Scale of a DECIMAL.
	Precision, Scale int
	// Length is an ARRAY's fixed number of elements.
	Length int
	// Elem is a LIST's or an ARRAY's element type.
	Elem *Type
	// Fields are a STRUCT's fields or a UNION's members, in order.
	Fields []Field
	// Key and Value are a MAP's.
	Key, Value *Type
}

// Field is a STRUCT field or a UNION member.
type Field struct {
	Name string
	Type Type
}

// Kind is a type without its parameters.
type Kind uint8

// The kinds of DuckDB's types. The zero Kind is no type at all.
const (
	KindInvalid Kind = iota
	KindNull         // the type of a bare NULL
	KindBoolean
	KindTinyInt
	KindSmallInt
	KindInteger
	KindBigInt
	KindHugeInt
	KindUTinyInt
	KindUSmallInt
	KindUInteger
	KindUBigInt
	KindUHugeInt
	KindBignum // integers of any size
	KindFloat
	KindDouble
	KindDecimal
	KindVarchar
	KindBlob
	KindBit
	KindDate
	KindTime
	KindTimeTZ
	KindTimestamp // microseconds
	KindTimestampS
	KindTimestampMS
	KindTimestampNS
	KindTimestampTZ
	KindInterval
	KindUUID
	KindJSON
	KindEnum
	KindGeometry
	KindVariant
	KindList
	KindArray
	KindStruct
	KindMap
	KindUnion
	kindCount
)

// kindNames spell the kinds as DuckDB does.
var kindNames = [kindCount]string{
	KindInvalid: "INVALID", KindNull: "NULL", KindBoolean: "BOOLEAN",
	KindTinyInt: "TINYINT", KindSmallInt: "SMALLINT", KindInteger: "INTEGER", KindBigInt: "BIGINT", KindHugeInt: "HUGEINT",
	KindUTinyInt: "UTINYINT", KindUSmallInt: "USMALLINT", KindUInteger: "UINTEGER", KindUBigInt: "UBIGINT",
	KindUHugeInt: "UHUGEINT", KindBignum: "BIGNUM", KindFloat: "FLOAT", KindDouble: "DOUBLE", KindDecimal: "DECIMAL",
	KindVarchar: "VARCHAR", KindBlob: "BLOB", KindBit: "BIT", KindDate: "DATE", KindTime: "TIME",
	KindTimeTZ: "TIME WITH TIME ZONE", KindTimestamp: "TIMESTAMP", KindTimestampS: "TIMESTAMP_S",
	KindTimestampMS: "TIMESTAMP_MS", KindTimestampNS: "TIMESTAMP_NS", KindTimestampTZ: "TIMESTAMP WITH TIME ZONE",
	KindInterval: "INTERVAL", KindUUID: "UUID", KindJSON: "JSON", KindEnum: "ENUM", KindGeometry: "GEOMETRY",
	KindVariant: "VARIANT", KindList: "LIST", KindArray: "ARRAY", KindStruct: "STRUCT", KindMap: "MAP", KindUnion: "UNION",
}

// kindsByName is the one table of DuckDB's type names, upper case: the
// kinds' own and their aliases. Lists and arrays have none (INTEGER[],
// INTEGER[3]).
var kindsByName = func() map[string]Kind {
	m := map[string]Kind{
		"SQLNULL": KindNull, "BOOL": KindBoolean, "LOGICAL": KindBoolean,
		"INT1": KindTinyInt, "INT2": KindSmallInt, "SHORT": KindSmallInt,
		"INT": KindInteger, "INT4": KindInteger, "SIGNED": KindInteger,
		"INT8": KindBigInt, "LONG": KindBigInt, "INT128": KindHugeInt,
		"UINT8": KindUTinyInt, "UINT16": KindUSmallInt, "UINT32": KindUInteger, "UINT64": KindUBigInt,
		"UINT128": KindUHugeInt, "VARINT": KindBignum,
		"FLOAT4": KindFloat, "REAL": KindFloat, "FLOAT8": KindDouble, "NUMERIC": KindDecimal,
		"TEXT": KindVarchar, "STRING": KindVarchar, "CHAR": KindVarchar, "BPCHAR": KindVarchar,
		"BYTEA": KindBlob, "BINARY": KindBlob, "VARBINARY": KindBlob, "BITSTRING": KindBit,
		"TIMETZ": KindTimeTZ, "TIME WITHOUT TIME ZONE": KindTime,
		"DATETIME": KindTimestamp, "TIMESTAMP_US": KindTimestamp, "TIMESTAMP WITHOUT TIME ZONE": KindTimestamp,
		"TIMESTAMPTZ": KindTimestampTZ, "ROW": KindStruct,
	}
	for k := KindNull; k < kindCount; k++ {
		if k != KindList && k != KindArray {
			m[kindNames[k]] = k
		}
	}
	return m
}()

// String is the kind's name: DECIMAL, LIST, STRUCT without parameters.
func (k Kind) String() string {
	if k < kindCount {
		return kindNames[k]
	}
	return "INVALID"
}

// String spells the type as DuckDB does (DECIMAL(18,3), INTEGER[],
// INTEGER[3], STRUCT("a" INTEGER), MAP(VARCHAR, INTEGER)), field names
// always quoted; ParseType reads it back.
func (t Type) String() string {
	var b strings.Builder
	t.write(&b)
	return b.String()
}

func (t Type) write(b *strings.Builder) {
	switch t.Kind {
	case KindDecimal:
		b.WriteString("DECIMAL(" + strconv.Itoa(t.Precision) + "," + strconv.Itoa(t.Scale) + ")")
	case KindList, KindArray:
		deref(t.Elem).write(b)
		b.WriteByte('[')
		if t.Kind == KindArray {
			b.WriteString(strconv.Itoa(t.Length))
		}
		b.WriteByte(']')
	case KindStruct, KindUnion:
		b.WriteString(t.Kind.String() + "(")
		for i, f := range t.Fields {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(`"` + strings.ReplaceAll(f.Name, `"`, `""`) + `" `)
			f.Type.write(b)
		}
		b.WriteByte(')')
	case KindMap:
		b.WriteString("MAP(")
		deref(t.Key).write(b)
		b.WriteString(", ")
		deref(t.Value).write(b)
		b.WriteByte(')')
	default:
		b.WriteString(t.Kind.String())
	}
}

// deref is the type p points to; nil is no type (KindInvalid).
func deref(p *Type) Type {
	if p == nil {
		return Type{}
	}
	return *p
}
