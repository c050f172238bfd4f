package pgwire

import (
	"strconv"
	"strings"

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

var scalarTypes = map[string][2]int{} // name → {oid, size}

var arrayOIDs = map[uint32]uint32{
	oidBool: 1000, oidInt2: 1005, oidInt4: 1007, oidInt8: 1016, oidFloat4: 1021,
	oidFloat8: 1022, oidNumeric: 1231, oidText: 1009, oidBytea: 1001, oidDate: 1182,
	oidTime: 1183, oidTimeTZ: 1270, oidTimestamp: 1115, oidTimestampTZ: 1185,
	oidInterval: 1187, oidUUID: 2951, oidJSON: 199,
}

func init() {
	for _, g := range []struct {
		oid, size int
		names     string
	}{
		{oidBool, 1, "BOOLEAN BOOL LOGICAL"},
		{oidInt2, 2, "TINYINT INT1 UTINYINT SMALLINT INT2 SHORT"},
		{oidInt4, 4, "USMALLINT INTEGER INT INT4 SIGNED"},
		{oidInt8, 8, "UINTEGER BIGINT INT8 LONG"},
		{oidNumeric, -1, "UBIGINT HUGEINT INT128 UHUGEINT VARINT BIGNUM DECIMAL NUMERIC"},
		{oidFloat4, 4, "FLOAT FLOAT4 REAL"},
		{oidFloat8, 8, "DOUBLE FLOAT8"},
		{oidText, -1, "VARCHAR TEXT STRING CHAR BPCHAR NAME"},
		{oidBytea, -1, "BLOB BYTEA BINARY VARBINARY"},
		{oidDate, 4, "DATE"},
		{oidTime, 8, "TIME"},
		{oidTimeTZ, 12, "TIMETZ"},
		{oidTimestamp, 8, "TIMESTAMP DATETIME TIMESTAMP_US TIMESTAMP_MS TIMESTAMP_S TIMESTAMP_NS"},
		{oidTimestampTZ, 8, "TIMESTAMPTZ"},
		{oidInterval, 16, "INTERVAL"},
		{oidUUID, 16, "UUID"},
		{oidJSON, -1, "JSON"},
	} {
		for _, n := range strings.Fields(g.names) {
			scalarTypes[n] = [2]int{g.oid, g.size}
		}
	}
}

var textType = &colType{oid: oidText, size: -1, mod: -1}

// parseType maps an engine type name (DuckDB spelling) to its wire type;
// anything unknown (enums, unions, bit strings) travels as text.
func parseType(name string) *colType {
	s := strings.TrimSpace(name)
	if strings.HasSuffix(s, "]") {
		if i := strings.LastIndexByte(s, '['); i > 0 {
			elem := parseType(s[:i])
			t := &colType{oid: 1009, size: -1, mod: -1, elem: elem, elemOID: oidText}
			if a, ok := arrayOIDs[elem.oid]; ok && elem.elem == nil && elem.fields == nil && elem.key == nil {
				t.oid, t.elemOID = a, elem.oid
			}
			return t
		}
	}
	base, args := strings.ToUpper(s), ""
	if i := strings.IndexByte(s, '('); i >= 0 && strings.HasSuffix(s, ")") {
		base, args = strings.ToUpper(strings.TrimSpace(s[:i])), s[i+1:len(s)-1]
	}
	switch base {
	case "STRUCT", "ROW":
		t := &colType{oid: oidText, size: -1, mod: -1}
		for _, part := range splitTop(args) {
			n, typ := splitField(part)
			t.fields = append(t.fields, field{n, parseType(typ)})
		}
		return t
	case "MAP":
		t := &colType{oid: oidText, size: -1, mod: -1, key: textType, val: textType}
		if kv := splitTop(args); len(kv) == 2 {
			t.key, t.val = parseType(kv[0]), parseType(kv[1])
		}
		return t
	case "TIME WITH TIME ZONE":
		base = "TIMETZ"
	case "TIMESTAMP WITH TIME ZONE":
		base = "TIMESTAMPTZ"
	case "TIMESTAMP WITHOUT TIME ZONE":
		base = "TIMESTAMP"
	}
	st, ok := scalarTypes[base]
	if !ok {
		return textType
	}
	t := &colType{oid: uint32(st[0]), size: int16(st[1]), mod: -1}
	if (base == "DECIMAL" || base == "NUMERIC") && args != "" {
		ps := splitTop(args)
		p, err1 := strconv.Atoi(strings.TrimSpace(ps[0]))
		sc, err2 := 0, error(nil)
		if len(ps) > 1 {
			sc, err2 = strconv.Atoi(strings.TrimSpace(ps[1]))
		}
		if err1 == nil && err2 == nil {
			t.mod = int32(p<<16|sc) + 4
		}
	}
	return t
}

// splitTop splits at commas outside parentheses and double quotes.
func splitTop(s string) []string {
	var out []string
	depth, quoted, start := 0, false, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			quoted = !quoted
		case '(':
			if !quoted {
				depth++
			}
		case ')':
			if !quoted {
				depth--
			}
		case ',':
			if !quoted && depth == 0 {
				out = append(out, strings.TrimSpace(s[start:i]))
				start = i + 1
			}
		}
	}
	return append(out, strings.TrimSpace(s[start:]))
}

// splitField splits a STRUCT member `name TYPE` or `"odd name" TYPE`.
func splitField(s string) (string, string) {
	if strings.HasPrefix(s, `"`) {
		for i := 1; i < len(s); i++ {
			if s[i] == '"' {
				if i+1 < len(s) && s[i+1] == '"' {
					i++
					continue
				}
				return strings.ReplaceAll(s[1:i], `""`, `"`), strings.TrimSpace(s[i+1:])
			}
		}
	}
	n, t, _ := strings.Cut(s, " ")
	return n, strings.TrimSpace(t)
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
		out[i] = parseType(c.Type)
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
