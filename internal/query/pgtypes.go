package query

// PGTypes are the PostgreSQL types tarn's engine types map to: what the
// PostgreSQL wire protocol sends for a column and what the engine's
// pg_catalog lists for it, from one table so that the two agree. Anything
// not here (enums, unions, bit strings, nested values) travels as text.
var PGTypes = []PGType{
	{OID: 16, Size: 1, Name: "bool", Display: "boolean", ArrayOID: 1000, Engine: []string{"BOOLEAN", "BOOL", "LOGICAL"}},
	{OID: 21, Size: 2, Name: "int2", Display: "smallint", ArrayOID: 1005, Engine: []string{"TINYINT", "INT1", "UTINYINT", "SMALLINT", "INT2", "SHORT"}},
	{OID: 23, Size: 4, Name: "int4", Display: "integer", ArrayOID: 1007, Engine: []string{"USMALLINT", "INTEGER", "INT", "INT4", "SIGNED"}},
	{OID: 20, Size: 8, Name: "int8", Display: "bigint", ArrayOID: 1016, Engine: []string{"UINTEGER", "BIGINT", "INT8", "LONG"}},
	{OID: 1700, Size: -1, Name: "numeric", Display: "numeric", ArrayOID: 1231, Engine: []string{"UBIGINT", "HUGEINT", "INT128", "UHUGEINT", "VARINT", "BIGNUM", "DECIMAL", "NUMERIC"}},
	{OID: 700, Size: 4, Name: "float4", Display: "real", ArrayOID: 1021, Engine: []string{"FLOAT", "FLOAT4", "REAL"}},
	{OID: 701, Size: 8, Name: "float8", Display: "double precision", ArrayOID: 1022, Engine: []string{"DOUBLE", "FLOAT8"}},
	{OID: 25, Size: -1, Name: "text", Display: "text", ArrayOID: 1009, Engine: []string{"VARCHAR", "TEXT", "STRING", "CHAR", "BPCHAR", "NAME"}},
	{OID: 17, Size: -1, Name: "bytea", Display: "bytea", ArrayOID: 1001, Engine: []string{"BLOB", "BYTEA", "BINARY", "VARBINARY"}},
	{OID: 1082, Size: 4, Name: "date", Display: "date", ArrayOID: 1182, Engine: []string{"DATE"}},
	{OID: 1083, Size: 8, Name: "time", Display: "time without time zone", ArrayOID: 1183, Engine: []string{"TIME"}},
	{OID: 1266, Size: 12, Name: "timetz", Display: "time with time zone", ArrayOID: 1270, Engine: []string{"TIMETZ", "TIME WITH TIME ZONE"}},
	{OID: 1114, Size: 8, Name: "timestamp", Display: "timestamp without time zone", ArrayOID: 1115, Engine: []string{"TIMESTAMP", "DATETIME", "TIMESTAMP_US", "TIMESTAMP_MS", "TIMESTAMP_S", "TIMESTAMP_NS", "TIMESTAMP WITHOUT TIME ZONE"}},
	{OID: 1184, Size: 8, Name: "timestamptz", Display: "timestamp with time zone", ArrayOID: 1185, Engine: []string{"TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE"}},
	{OID: 1186, Size: 16, Name: "interval", Display: "interval", ArrayOID: 1187, Engine: []string{"INTERVAL"}},
	{OID: 2950, Size: 16, Name: "uuid", Display: "uuid", ArrayOID: 2951, Engine: []string{"UUID"}},
	{OID: 114, Size: -1, Name: "json", Display: "json", ArrayOID: 199, Engine: []string{"JSON"}},
}

// PGType is one PostgreSQL type and the engine type names that map to it.
type PGType struct {
	OID      uint32
	Size     int16  // pg_type.typlen: -1 for variable length
	Name     string // pg_type.typname
	Display  string // format_type's name
	ArrayOID uint32 // the type of its arrays
	Engine   []string
}

// PGText is the OID of text, the type of whatever PGTypes does not name,
// and PGTextArray that of arrays of anything else.
const (
	PGText      = 25
	PGTextArray = 1009
)
