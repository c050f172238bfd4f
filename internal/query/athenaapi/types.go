package athenaapi

import (
	"github.com/tarnlake/tarn/internal/query"
)

// athenaType names an engine type as Athena's ColumnInfo does, with its
// precision and scale; what Athena has no name for is varchar.
func athenaType(t query.Type) (name string, prec, scale int) {
	switch t.Kind {
	case query.KindBoolean:
		return "boolean", 0, 0
	case query.KindTinyInt:
		return "tinyint", 3, 0
	case query.KindSmallInt, query.KindUTinyInt:
		return "smallint", 5, 0
	case query.KindInteger, query.KindUSmallInt:
		return "integer", 10, 0
	case query.KindBigInt, query.KindUInteger:
		return "bigint", 19, 0
	case query.KindUBigInt:
		return "decimal", 20, 0
	case query.KindHugeInt, query.KindUHugeInt:
		return "decimal", 38, 0
	case query.KindFloat:
		return "float", 7, 0
	case query.KindDouble:
		return "double", 17, 0
	case query.KindDecimal:
		return "decimal", t.Precision, t.Scale
	case query.KindBlob:
		return "varbinary", 1073741824, 0
	case query.KindDate:
		return "date", 0, 0
	case query.KindTime:
		return "time", 0, 0
	case query.KindTimeTZ:
		return "time with time zone", 0, 0
	case query.KindTimestampTZ:
		return "timestamp with time zone", 3, 0
	case query.KindTimestamp, query.KindTimestampS, query.KindTimestampMS, query.KindTimestampNS:
		return "timestamp", 3, 0
	case query.KindInterval:
		return "interval day to second", 0, 0
	case query.KindUUID:
		return "uuid", 0, 0
	case query.KindJSON:
		return "json", 0, 0
	case query.KindList, query.KindArray:
		return "array", 0, 0
	case query.KindStruct:
		return "row", 0, 0
	case query.KindMap:
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
		name, prec, scale := athenaType(c.Type)
		out[i] = columnInfo{CatalogName: "hive", Name: c.Name, Label: c.Name, Type: name,
			Precision: prec, Scale: scale, Nullable: "UNKNOWN",
			CaseSensitive: name == "varchar" || name == "varbinary" || name == "json"}
	}
	return out
}
