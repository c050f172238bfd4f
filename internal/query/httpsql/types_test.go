package httpsql

import (
	"fmt"
	"strings"
)

// typeCases is a value of each engine type the typed formats map, and
// how Arrow and Parquet readers see it: the type, then the value as
// arrow's ValueStr and as parquetText show it. Nested values are JSON
// text as the JSON format has them (decimals as strings).
var typeCases = []struct {
	name, expr                string
	arrowType, arrowValue     string
	parquetType, parquetValue string
}{
	{"bool", "true", "bool", "true", "BOOLEAN", "true"},
	{"i8", "-8::TINYINT", "int8", "-8", "INT(8,true)", "-8"},
	{"i16", "-16::SMALLINT", "int16", "-16", "INT(16,true)", "-16"},
	{"i32", "-32::INTEGER", "int32", "-32", "INT(32,true)", "-32"},
	{"i64", "9007199254740993::BIGINT", "int64", "9007199254740993", "INT(64,true)", "9007199254740993"},
	{"u8", "255::UTINYINT", "uint8", "255", "INT(8,false)", "255"},
	{"u16", "65535::USMALLINT", "uint16", "65535", "INT(16,false)", "65535"},
	{"u32", "4294967295::UINTEGER", "uint32", "4294967295", "INT(32,false)", "4294967295"},
	{"u64", "18446744073709551615::UBIGINT", "uint64", "18446744073709551615", "INT(64,false)", "18446744073709551615"},
	{"f32", "1.5::FLOAT", "float32", "1.5", "FLOAT", "1.5"},
	{"f64", "-2.25::DOUBLE", "float64", "-2.25", "DOUBLE", "-2.25"},
	{"dec9", "-123.45::DECIMAL(5,2)", "decimal(5, 2)", "-123.45", "DECIMAL(5,2)", "-123.45"},
	{"dec18", "1234567890.12345678::DECIMAL(18,8)", "decimal(18, 8)", "1234567890.12345678", "DECIMAL(18,8)", "1234567890.12345678"},
	{"dec38", "-12345678901234567890123456789.123456789::DECIMAL(38,9)", "decimal(38, 9)",
		"-12345678901234567890123456789.123456789", "DECIMAL(38,9)", "-12345678901234567890123456789.123456789"},
	{"huge", "170141183460469231731687303715884105727::HUGEINT", "utf8", "170141183460469231731687303715884105727",
		"STRING", "170141183460469231731687303715884105727"},
	{"text", `'héllo, "world"'`, "utf8", `héllo, "world"`, "STRING", `héllo, "world"`},
	{"blob", `'\xAA\x00\xBB'::BLOB`, "binary", "qgC7", "BYTE_ARRAY", "\xaa\x00\xbb"},
	{"date", "DATE '1969-07-20'", "date32", "1969-07-20", "DATE", "1969-07-20"},
	{"time", "TIME '23:59:59.999999'", "time64[us]", "23:59:59.999999", "TIME(isAdjustedToUTC=false,unit=MICROS)", "23:59:59.999999"},
	{"ts", "TIMESTAMP '2024-02-29 12:34:56.789012'", "timestamp[us]", "2024-02-29T12:34:56.789012",
		"TIMESTAMP(isAdjustedToUTC=false,unit=MICROS)", "2024-02-29T12:34:56.789012Z"},
	{"tstz", "TIMESTAMPTZ '2024-02-29 12:34:56.789012+01'", "timestamp[us, tz=UTC]", "2024-02-29T11:34:56.789012Z",
		"TIMESTAMP(isAdjustedToUTC=true,unit=MICROS)", "2024-02-29T11:34:56.789012Z"},
	{"tsns", "TIMESTAMP_NS '2024-02-29 12:34:56.789012345'", "timestamp[ns]", "2024-02-29T12:34:56.789012345",
		"TIMESTAMP(isAdjustedToUTC=false,unit=NANOS)", "2024-02-29T12:34:56.789012345Z"},
	{"interval", "INTERVAL '1 month 2 days 3.000004 seconds'", "month_day_nano_interval", `{"months":1,"days":2,"nanoseconds":3000004000}`,
		"STRING", "1 months 2 days 3000004 microseconds"},
	{"uuid", "'d0f31411-90ed-47c9-9aef-9229ab0d088f'::UUID", "utf8", "d0f31411-90ed-47c9-9aef-9229ab0d088f",
		"STRING", "d0f31411-90ed-47c9-9aef-9229ab0d088f"},
	{"json", `'{"a":[1,"x"]}'::JSON`, "utf8", `{"a":[1,"x"]}`, "JSON", `{"a":[1,"x"]}`},
	{"list", "[1, NULL, 3]", "utf8", "[1,null,3]", "STRING", "[1,null,3]"},
	{"struct", "{'a': 1, 'b': 'x'}", "utf8", `{"a":1,"b":"x"}`, "STRING", `{"a":1,"b":"x"}`},
	{"map", "MAP {'k': 1.5}", "utf8", `[{"key":"k","value":"1.5"}]`, "STRING", `[{"key":"k","value":"1.5"}]`},
}

// typesSQL answers two rows: the values of typeCases, then NULLs of the
// same types.
func typesSQL() string {
	cols := make([]string, len(typeCases))
	for i, c := range typeCases {
		cols[i] = fmt.Sprintf("CASE WHEN i = 0 THEN %s END AS %s", c.expr, c.name)
	}
	return "SELECT " + strings.Join(cols, ", ") + " FROM range(2) t(i) ORDER BY i"
}
