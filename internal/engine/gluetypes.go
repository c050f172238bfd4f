package engine

import (
	"github.com/tarnlake/tarn/internal/format"
	"github.com/tarnlake/tarn/internal/query"
)

// glueKinds are the DuckDB kinds the catalog's (Glue's) scalar types are
// read as.
var glueKinds = map[format.Kind]query.Kind{
	format.KindString: query.KindVarchar, format.KindBoolean: query.KindBoolean,
	format.KindTinyint: query.KindTinyInt, format.KindSmallint: query.KindSmallInt,
	format.KindInt: query.KindInteger, format.KindBigint: query.KindBigInt,
	format.KindFloat: query.KindFloat, format.KindDouble: query.KindDouble,
	format.KindDate: query.KindDate, format.KindTimestamp: query.KindTimestamp,
	format.KindBinary: query.KindBlob,
}

// duckType is the DuckDB type a catalog column of type t is read as; a
// type the engine has no better reading for is text.
func duckType(t format.Type) query.Type {
	switch t.Kind {
	case format.KindDecimal:
		return query.Type{Kind: query.KindDecimal, Precision: t.Precision, Scale: t.Scale}
	case format.KindArray:
		e := duckType(*t.Elem)
		return query.Type{Kind: query.KindList, Elem: &e}
	case format.KindMap:
		k, v := duckType(*t.Key), duckType(*t.Elem)
		return query.Type{Kind: query.KindMap, Key: &k, Value: &v}
	case format.KindStruct:
		fs := make([]query.Field, len(t.Fields))
		for i, f := range t.Fields {
			fs[i] = query.Field{Name: f.Name, Type: duckType(f.Type)}
		}
		return query.Type{Kind: query.KindStruct, Fields: fs}
	}
	if k, ok := glueKinds[t.Kind]; ok {
		return query.Type{Kind: k}
	}
	return query.Type{Kind: query.KindVarchar}
}
