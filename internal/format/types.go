// Package format classifies files in the lake and infers their schemas the
// way AWS Glue's built-in crawler classifiers do, reading as little as it can.
package format

import (
	"fmt"
	"strings"
)

// Kind is the family of a Type.
type Kind uint8

// The Glue/Hive kinds, in no particular order except that KindInvalid is the
// zero value so an unset Type is never mistaken for a real one.
const (
	KindInvalid Kind = iota
	KindString
	KindBoolean
	KindTinyint
	KindSmallint
	KindInt
	KindBigint
	KindFloat
	KindDouble
	KindDecimal
	KindDate
	KindTimestamp
	KindBinary
	KindArray
	KindMap
	KindStruct
)

// scalarNames spells the kinds that take no parameters, as Glue writes them.
var scalarNames = map[Kind]string{
	KindString: "string", KindBoolean: "boolean", KindTinyint: "tinyint",
	KindSmallint: "smallint", KindInt: "int", KindBigint: "bigint",
	KindFloat: "float", KindDouble: "double", KindDate: "date",
	KindTimestamp: "timestamp", KindBinary: "binary",
}

// Decimal limits follow Hive: precision 1..38, and decimal alone is (10,0).
const (
	maxPrecision     = 38
	defaultPrecision = 10
)

// Type is a Glue/Hive column type. Precision and Scale are set for decimals,
// Elem for arrays (element) and maps (value), Key for maps, Fields for structs.
type Type struct {
	Kind      Kind
	Precision int
	Scale     int
	Key       *Type
	Elem      *Type
	Fields    []Column
}

// Column is a named Type: a table column or a struct field.
type Column struct {
	Name string
	Type Type
}

// Schema is the ordered list of a table's columns.
type Schema []Column

// Convenience constructors keep call sites short and the pointers fresh.
func scalar(k Kind) Type        { return Type{Kind: k} }
func arrayOf(t Type) Type       { return Type{Kind: KindArray, Elem: &t} }
func mapOf(k, v Type) Type      { return Type{Kind: KindMap, Key: &k, Elem: &v} }
func structOf(f ...Column) Type { return Type{Kind: KindStruct, Fields: f} }
func decimalOf(p, s int) Type   { return Type{Kind: KindDecimal, Precision: p, Scale: s} }

// String spells the column as a struct field, "name:type".
func (c Column) String() string {
	var b strings.Builder
	writeFieldName(&b, c.Name)
	b.WriteByte(':')
	c.Type.write(&b)
	return b.String()
}

// String spells the schema as the struct of its columns, a compact form for
// logs and tests.
func (s Schema) String() string { return structOf(s...).String() }

// Equal reports whether t and u are the same type, field names included.
func (t Type) Equal(u Type) bool {
	if t.Kind != u.Kind || t.Precision != u.Precision || t.Scale != u.Scale || len(t.Fields) != len(u.Fields) ||
		(t.Key == nil) != (u.Key == nil) || (t.Elem == nil) != (u.Elem == nil) {
		return false
	}
	if t.Key != nil && !t.Key.Equal(*u.Key) || t.Elem != nil && !t.Elem.Equal(*u.Elem) {
		return false
	}
	for i := range t.Fields {
		if t.Fields[i].Name != u.Fields[i].Name || !t.Fields[i].Type.Equal(u.Fields[i].Type) {
			return false
		}
	}
	return true
}

// String returns the canonical Glue spelling, which ParseType reads back.
func (t Type) String() string {
	var b strings.Builder
	t.write(&b)
	return b.String()
}

func (t Type) write(b *strings.Builder) {
	switch t.Kind {
	case KindDecimal:
		fmt.Fprintf(b, "decimal(%d,%d)", t.Precision, t.Scale)
	case KindArray:
		b.WriteString("array<")
		t.Elem.write(b)
		b.WriteByte('>')
	case KindMap:
		b.WriteString("map<")
		t.Key.write(b)
		b.WriteByte(',')
		t.Elem.write(b)
		b.WriteByte('>')
	case KindStruct:
		b.WriteString("struct<")
		for i, f := range t.Fields {
			if i > 0 {
				b.WriteByte(',')
			}
			writeFieldName(b, f.Name)
			b.WriteByte(':')
			f.Type.write(b)
		}
		b.WriteByte('>')
	default:
		if n, ok := scalarNames[t.Kind]; ok {
			b.WriteString(n)
		} else {
			b.WriteString("invalid")
		}
	}
}

// fieldSpecials are the characters that end a bare field name; names with
// them (JSON keys, CSV headers) are quoted in backticks as Hive does, with a
// backtick doubled, so String still round-trips.
const fieldSpecials = "<>(),:` \t\n"

func writeFieldName(b *strings.Builder, name string) {
	if name != "" && !strings.ContainsAny(name, fieldSpecials) {
		b.WriteString(name)
		return
	}
	b.WriteByte('`')
	b.WriteString(strings.ReplaceAll(name, "`", "``"))
	b.WriteByte('`')
}
