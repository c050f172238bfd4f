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

// scalarTypes indexes query.PGTypes by engine name: {oid, size}.
var scalarTypes = func() map[string][2]int {
	m := map[string][2]int{}
	for _, t := range query.PGTypes {
		for _, n := range t.Engine {
			m[n] = [2]int{int(t.OID), int(t.Size)}
		}
	}
	return m
}()

// arrayOIDs maps element OIDs to their arrays'.
var arrayOIDs = func() map[uint32]uint32 {
	m := map[uint32]uint32{}
	for _, t := range query.PGTypes {
		m[t.OID] = t.ArrayOID
	}
	return m
}()

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
