package convert

import (
	"math"
	"reflect"
	"strings"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/encoding"
	"github.com/tarnlake/tarn/internal/format"
)

// node is one column, struct field, array element or map key/value of the
// table, compiled once so that writing a record needs no type switch on
// strings and no reflection: it knows its leaf columns and the Dremel
// levels its values are written with.
type node struct {
	name        string // for messages: "col", "col.field", "col[]"
	typ         format.Type
	col         int // leaf column index; leaves only
	first, last int // the leaf columns under this node, [first, last)
	def         int // definition level of a present (non-null) value
	rep         int // array/map: repetition level of its repeated group
	elem        *node
	key         *node
	fields      []*node
	lookup      map[string]int // struct: JSON key (folded as the SerDe does) to field
	keys        []string       // struct: the key of each field, as in lookup
	decSize     int            // decimal stored as FIXED_LEN_BYTE_ARRAY of this size; 0 for INT32/INT64
}

// Parquet caps levels at 255; nesting that deep is a schema nobody writes.
const maxLevel = 255

type compiler struct {
	serde   SerDe
	nextCol int
}

// compileTable builds the root struct of the table's columns and its Parquet
// schema. Errors are CodeInvalidSchema.
func compileTable(cols []Column, serde SerDe) (*node, *parquet.Schema, error) {
	if len(cols) == 0 {
		return nil, nil, invalidSchemaf("the table has no columns")
	}
	c := &compiler{serde: serde}
	root := &node{name: "", typ: format.Type{Kind: format.KindStruct}}
	group := &orderedGroup{}
	root.lookup = make(map[string]int, len(cols))
	seen := map[string]bool{}
	for _, col := range cols {
		t, err := format.ParseType(col.Type)
		if err != nil {
			return nil, nil, invalidSchemaf("column %s: %v", col.Name, err)
		}
		key := strings.ToLower(col.Name)
		if seen[key] {
			return nil, nil, invalidSchemaf("duplicate column %s", col.Name)
		}
		seen[key] = true
		f, pn, err := c.compile(t, col.Name, 0, 0, false)
		if err != nil {
			return nil, nil, err
		}
		key = serde.fold(serde.jsonKey(col.Name))
		root.lookup[key] = len(root.fields)
		root.keys = append(root.keys, key)
		root.fields = append(root.fields, f)
		group.add(col.Name, pn)
	}
	root.last = c.nextCol
	if c.nextCol > parquet.MaxColumnIndex {
		return nil, nil, invalidSchemaf("%d leaf columns, more than Parquet's %d", c.nextCol, parquet.MaxColumnIndex)
	}
	return root, parquet.NewSchema("schema", group), nil
}

// compile turns t into a node whose parent is present at level def/rep.
// Every value is optional except map keys.
func (c *compiler) compile(t format.Type, name string, def, rep int, required bool) (*node, parquet.Node, error) {
	n := &node{name: name, typ: t, first: c.nextCol, def: def}
	if !required {
		n.def++
	}
	if n.def+1 > maxLevel || rep+1 > maxLevel {
		return nil, nil, invalidSchemaf("column %s is nested too deeply", name)
	}
	var pn parquet.Node
	switch t.Kind {
	case format.KindArray:
		n.rep = rep + 1
		e, en, err := c.compile(*t.Elem, name+"[]", n.def+1, n.rep, false)
		if err != nil {
			return nil, nil, err
		}
		n.elem = e
		pn = parquet.List(en)
	case format.KindMap:
		if !scalarKind(t.Key.Kind) {
			return nil, nil, invalidSchemaf("column %s: map key type %s is not a primitive type", name, t.Key)
		}
		n.rep = rep + 1
		k, kn, err := c.compile(*t.Key, name+".key", n.def+1, n.rep, true)
		if err != nil {
			return nil, nil, err
		}
		v, vn, err := c.compile(*t.Elem, name+".value", n.def+1, n.rep, false)
		if err != nil {
			return nil, nil, err
		}
		n.key, n.elem = k, v
		pn = parquet.Map(kn, vn)
	case format.KindStruct:
		if len(t.Fields) == 0 {
			return nil, nil, invalidSchemaf("column %s: struct<> has no fields", name)
		}
		group := &orderedGroup{}
		n.lookup = make(map[string]int, len(t.Fields))
		for i, f := range t.Fields {
			fn, fpn, err := c.compile(f.Type, name+"."+f.Name, n.def, rep, false)
			if err != nil {
				return nil, nil, err
			}
			n.fields = append(n.fields, fn)
			n.lookup[c.serde.fold(f.Name)] = i
			n.keys = append(n.keys, c.serde.fold(f.Name))
			group.add(f.Name, fpn)
		}
		pn = group
	default:
		leaf, size, err := c.leaf(t, name)
		if err != nil {
			return nil, nil, err
		}
		n.col, n.decSize = c.nextCol, size
		c.nextCol++
		pn = leaf
	}
	n.last = c.nextCol
	if !required {
		pn = parquet.Optional(pn)
	}
	return n, pn, nil
}

func scalarKind(k format.Kind) bool {
	return k != format.KindArray && k != format.KindMap && k != format.KindStruct && k != format.KindInvalid
}

// leaf is the Parquet type of a scalar column: the logical types Athena and
// Spark expect for Hive types.
func (c *compiler) leaf(t format.Type, name string) (parquet.Node, int, error) {
	switch t.Kind {
	case format.KindString:
		return parquet.String(), 0, nil
	case format.KindBoolean:
		return parquet.Leaf(parquet.BooleanType), 0, nil
	case format.KindTinyint:
		return parquet.Int(8), 0, nil
	case format.KindSmallint:
		return parquet.Int(16), 0, nil
	case format.KindInt:
		return parquet.Int(32), 0, nil
	case format.KindBigint:
		return parquet.Int(64), 0, nil
	case format.KindFloat:
		return parquet.Leaf(parquet.FloatType), 0, nil
	case format.KindDouble:
		return parquet.Leaf(parquet.DoubleType), 0, nil
	case format.KindDate:
		return parquet.Date(), 0, nil
	case format.KindTimestamp:
		return parquet.TimestampAdjusted(parquet.Microsecond, true), 0, nil
	case format.KindDecimal:
		switch p := t.Precision; {
		case p <= 9:
			return parquet.Decimal(t.Scale, p, parquet.Int32Type), 0, nil
		case p <= 18:
			return parquet.Decimal(t.Scale, p, parquet.Int64Type), 0, nil
		default:
			size := decimalSize(p)
			return parquet.Decimal(t.Scale, p, parquet.FixedLenByteArrayType(size)), size, nil
		}
	case format.KindBinary:
		if c.serde.OpenX {
			// Firehose rejects the schema: the OpenX SerDe has no binary.
			return nil, 0, invalidSchemaf("column %s: type binary is not supported by org.openx.data.jsonserde.JsonSerDe", name)
		}
		return parquet.Leaf(parquet.ByteArrayType), 0, nil
	}
	return nil, 0, invalidSchemaf("column %s: unsupported type %s", name, t)
}

// orderedGroup is a Parquet group that keeps its fields in the order given:
// parquet.Group sorts them by name, which would reorder the table's columns.
type orderedGroup struct{ fields []parquet.Field }

func (g *orderedGroup) add(name string, n parquet.Node) {
	g.fields = append(g.fields, field{Node: n, name: name})
}

type field struct {
	parquet.Node
	name string
}

func (f field) Name() string                      { return f.name }
func (f field) Value(reflect.Value) reflect.Value { return reflect.Value{} }

func (g *orderedGroup) ID() int                     { return 0 }
func (g *orderedGroup) String() string              { return "group" }
func (g *orderedGroup) Type() parquet.Type          { return parquet.Group{}.Type() }
func (g *orderedGroup) Optional() bool              { return false }
func (g *orderedGroup) Repeated() bool              { return false }
func (g *orderedGroup) Required() bool              { return true }
func (g *orderedGroup) Leaf() bool                  { return false }
func (g *orderedGroup) Fields() []parquet.Field     { return g.fields }
func (g *orderedGroup) Encoding() encoding.Encoding { return nil }
func (g *orderedGroup) Compression() compress.Codec { return nil }
func (g *orderedGroup) GoType() reflect.Type        { return reflect.TypeOf(map[string]any(nil)) }

// decimalSize is the fewest bytes whose two's complement holds every value
// of precision p.
func decimalSize(p int) int {
	n := 1
	for int(math.Floor(float64(8*n-1)*math.Log10(2))) < p {
		n++
	}
	return n
}
