package query

// PGTypes are the PostgreSQL types tarn's engine types map to: what the
// PostgreSQL wire protocol sends for a column and what the engine's
// pg_catalog lists for it, from one table so that the two agree. Anything
// not here (enums, unions, bit strings, nested values) travels as text.
var PGTypes = []PGType{
	{OID: 16, Size: 1, Name: "bool", Display: "boolean", ArrayOID: 1000, Kinds: []Kind{KindBoolean}},
	{OID: 21, Size: 2, Name: "int2", Display: "smallint", ArrayOID: 1005, Kinds: []Kind{KindTinyInt, KindUTinyInt, KindSmallInt}},
	{OID: 23, Size: 4, Name: "int4", Display: "integer", ArrayOID: 1007, Kinds: []Kind{KindUSmallInt, KindInteger}},
	{OID: 20, Size: 8, Name: "int8", Display: "bigint", ArrayOID: 1016, Kinds: []Kind{KindUInteger, KindBigInt}},
	{OID: 1700, Size: -1, Name: "numeric", Display: "numeric", ArrayOID: 1231, Kinds: []Kind{KindUBigInt, KindHugeInt, KindUHugeInt, KindBignum, KindDecimal}},
	{OID: 700, Size: 4, Name: "float4", Display: "real", ArrayOID: 1021, Kinds: []Kind{KindFloat}},
	{OID: 701, Size: 8, Name: "float8", Display: "double precision", ArrayOID: 1022, Kinds: []Kind{KindDouble}},
	{OID: 25, Size: -1, Name: "text", Display: "text", ArrayOID: 1009, Kinds: []Kind{KindVarchar}},
	{OID: 17, Size: -1, Name: "bytea", Display: "bytea", ArrayOID: 1001, Kinds: []Kind{KindBlob}},
	{OID: 1082, Size: 4, Name: "date", Display: "date", ArrayOID: 1182, Kinds: []Kind{KindDate}},
	{OID: 1083, Size: 8, Name: "time", Display: "time without time zone", ArrayOID: 1183, Kinds: []Kind{KindTime}},
	{OID: 1266, Size: 12, Name: "timetz", Display: "time with time zone", ArrayOID: 1270, Kinds: []Kind{KindTimeTZ}},
	{OID: 1114, Size: 8, Name: "timestamp", Display: "timestamp without time zone", ArrayOID: 1115,
		Kinds: []Kind{KindTimestamp, KindTimestampMS, KindTimestampS, KindTimestampNS}},
	{OID: 1184, Size: 8, Name: "timestamptz", Display: "timestamp with time zone", ArrayOID: 1185, Kinds: []Kind{KindTimestampTZ}},
	{OID: 1186, Size: 16, Name: "interval", Display: "interval", ArrayOID: 1187, Kinds: []Kind{KindInterval}},
	{OID: 2950, Size: 16, Name: "uuid", Display: "uuid", ArrayOID: 2951, Kinds: []Kind{KindUUID}},
	{OID: 114, Size: -1, Name: "json", Display: "json", ArrayOID: 199, Kinds: []Kind{KindJSON}},
}

// PGType is one PostgreSQL type and the kinds of engine types that map
// to it.
type PGType struct {
	OID      uint32
	Size     int16  // pg_type.typlen: -1 for variable length
	Name     string // pg_type.typname
	Display  string // format_type's name
	ArrayOID uint32 // the type of its arrays
	Kinds    []Kind
}

// PGText is the OID of text, the type of whatever PGTypes does not name,
// and PGTextArray that of arrays of anything else.
const (
	PGText      = 25
	PGTextArray = 1009
)

// pgByKind indexes PGTypes by kind.
var pgByKind = func() map[Kind]PGType {
	m := map[Kind]PGType{}
	for _, t := range PGTypes {
		for _, k := range t.Kinds {
			m[k] = t
		}
	}
	return m
}()

// PGTypeOf is the PostgreSQL type of the engine's types of kind k; false
// for those that travel as text.
func PGTypeOf(k Kind) (PGType, bool) {
	t, ok := pgByKind[k]
	return t, ok
}
