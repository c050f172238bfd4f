package athenaapi

import (
	"strconv"
	"strings"

	"github.com/tarnlake/tarn/internal/query"
	"github.com/tarnlake/tarn/internal/query/sqltext"
)

// sqlType is a DuckDB type name taken apart, enough to name its Athena
// type and to print its values.
type sqlType struct {
	name         string // upper-case base name: INTEGER, DECIMAL, LIST, STRUCT, MAP...
	prec, scale  int
	elem         *sqlType    // LIST
	fields       []namedType // STRUCT, in order
	key, element *sqlType    // MAP
}

type namedType struct {
	name string
	typ  *sqlType
}

// parseType reads a DuckDB type name; what it does not know is VARCHAR's
// cousin, printed as text.
func parseType(s string) *sqlType {
	s = strings.TrimSpace(s)
	if strings.HasSuffix(s, "]") {
		if i := strings.LastIndexByte(s, '['); i > 0 {
			return &sqlType{name: "LIST", elem: parseType(s[:i])}
		}
	}
	name, args, paren := strings.Cut(s, "(")
	t := &sqlType{name: strings.ToUpper(strings.TrimSpace(name))}
	if !paren {
		return t
	}
	args = strings.TrimSuffix(strings.TrimSpace(args), ")")
	parts := splitTop(args)
	switch t.name {
	case "DECIMAL", "NUMERIC":
		t.name = "DECIMAL"
		if len(parts) > 0 {
			t.prec, _ = strconv.Atoi(strings.TrimSpace(parts[0]))
		}
		if len(parts) > 1 {
			t.scale, _ = strconv.Atoi(strings.TrimSpace(parts[1]))
		}
	case "STRUCT":
		for _, p := range parts {
			n, typ := splitField(strings.TrimSpace(p))
			t.fields = append(t.fields, namedType{n, parseType(typ)})
		}
	case "MAP":
		if len(parts) == 2 {
			t.key, t.element = parseType(parts[0]), parseType(parts[1])
		}
	}
	return t
}

// splitTop splits s at commas outside parentheses and quotes.
func splitTop(s string) []string {
	var out []string
	depth, start, quoted := 0, 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '(' || c == '[':
			depth++
		case c == ')' || c == ']':
			depth--
		case c == ',' && depth == 0:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// splitField splits a STRUCT member, `name TYPE` or `"a name" TYPE`.
func splitField(p string) (name, typ string) {
	if strings.HasPrefix(p, `"`) {
		if toks, err := sqltext.Lex(p); err == nil && len(toks) > 0 && toks[0].Kind == sqltext.Ident {
			return toks[0].Text, p[len(toks[0].Raw):]
		}
	}
	name, typ, _ = strings.Cut(p, " ")
	return name, typ
}

// athena names the type as Athena's ColumnInfo does, with its precision
// and scale.
func (t *sqlType) athena() (name string, prec, scale int) {
	switch t.name {
	case "BOOLEAN", "BOOL", "LOGICAL":
		return "boolean", 0, 0
	case "TINYINT", "INT1":
		return "tinyint", 3, 0
	case "SMALLINT", "INT2", "SHORT", "UTINYINT":
		return "smallint", 5, 0
	case "INTEGER", "INT", "INT4", "SIGNED", "USMALLINT":
		return "integer", 10, 0
	case "BIGINT", "INT8", "LONG", "UINTEGER":
		return "bigint", 19, 0
	case "UBIGINT":
		return "decimal", 20, 0
	case "HUGEINT", "UHUGEINT", "INT128", "UINT128":
		return "decimal", 38, 0
	case "FLOAT", "REAL", "FLOAT4":
		return "float", 7, 0
	case "DOUBLE", "FLOAT8":
		return "double", 17, 0
	case "DECIMAL":
		return "decimal", t.prec, t.scale
	case "BLOB", "BYTEA", "BINARY", "VARBINARY":
		return "varbinary", 1073741824, 0
	case "DATE":
		return "date", 0, 0
	case "TIME":
		return "time", 0, 0
	case "TIME WITH TIME ZONE", "TIMETZ":
		return "time with time zone", 0, 0
	case "TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ":
		return "timestamp with time zone", 3, 0
	case "TIMESTAMP", "DATETIME", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS", "TIMESTAMP_US":
		return "timestamp", 3, 0
	case "INTERVAL":
		return "interval day to second", 0, 0
	case "UUID":
		return "uuid", 0, 0
	case "JSON":
		return "json", 0, 0
	case "LIST", "ARRAY":
		return "array", 0, 0
	case "STRUCT":
		return "row", 0, 0
	case "MAP":
		return "map", 0, 0
	}
	return "varchar", 2147483647, 0
}

// columnInfo is Athena's ColumnInfo.
type columnInfo struct {
	CatalogName   string
	SchemaName    string
	TableName     string
	Name          string
	Label         string
	Type          string
	Precision     int
	Scale         int
	Nullable      string
	CaseSensitive bool
}

func columnInfos(cols []query.Column) []columnInfo {
	out := make([]columnInfo, len(cols))
	for i, c := range cols {
		name, prec, scale := parseType(c.Type).athena()
		out[i] = columnInfo{CatalogName: "hive", Name: c.Name, Label: c.Name, Type: name,
			Precision: prec, Scale: scale, Nullable: "UNKNOWN",
			CaseSensitive: name == "varchar" || name == "varbinary" || name == "json"}
	}
	return out
}
