package engine

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/tarnlake/tarn/internal/query"
)

// describe prepares text on the session's connection and reads its
// parameter count and result columns.
func describe(ctx context.Context, c *sql.Conn, text string) (params int, cols []query.Column, err error) {
	err = c.Raw(func(dc any) error {
		pc, ok := dc.(driver.ConnPrepareContext)
		if !ok {
			return fmt.Errorf("the duckdb driver cannot prepare")
		}
		st, err := pc.PrepareContext(ctx, text)
		if err != nil {
			return err
		}
		defer st.Close()
		ds, ok := st.(*duckdb.Stmt)
		if !ok {
			return fmt.Errorf("unexpected statement type %T", st)
		}
		params = ds.NumInput()
		n, err := ds.ColumnCount()
		if err != nil {
			return err
		}
		for i := range n {
			name, err := ds.ColumnName(i)
			if err != nil {
				return err
			}
			ti, err := ds.ColumnTypeInfo(i)
			if err != nil {
				return err
			}
			cols = append(cols, query.Column{Name: name, Type: typeOf(ti)})
		}
		return nil
	})
	return params, cols, err
}

// kinds are the query kinds of DuckDB's types without parameters.
var kinds = map[duckdb.Type]query.Kind{
	duckdb.TYPE_BOOLEAN: query.KindBoolean, duckdb.TYPE_TINYINT: query.KindTinyInt, duckdb.TYPE_SMALLINT: query.KindSmallInt,
	duckdb.TYPE_INTEGER: query.KindInteger, duckdb.TYPE_BIGINT: query.KindBigInt, duckdb.TYPE_HUGEINT: query.KindHugeInt,
	duckdb.TYPE_UTINYINT: query.KindUTinyInt, duckdb.TYPE_USMALLINT: query.KindUSmallInt, duckdb.TYPE_UINTEGER: query.KindUInteger,
	duckdb.TYPE_UBIGINT: query.KindUBigInt, duckdb.TYPE_UHUGEINT: query.KindUHugeInt, duckdb.TYPE_BIGNUM: query.KindBignum,
	duckdb.TYPE_FLOAT: query.KindFloat, duckdb.TYPE_DOUBLE: query.KindDouble, duckdb.TYPE_VARCHAR: query.KindVarchar,
	duckdb.TYPE_BLOB: query.KindBlob, duckdb.TYPE_BIT: query.KindBit, duckdb.TYPE_DATE: query.KindDate,
	duckdb.TYPE_TIME: query.KindTime, duckdb.TYPE_TIME_TZ: query.KindTimeTZ, duckdb.TYPE_TIMESTAMP: query.KindTimestamp,
	duckdb.TYPE_TIMESTAMP_S: query.KindTimestampS, duckdb.TYPE_TIMESTAMP_MS: query.KindTimestampMS,
	duckdb.TYPE_TIMESTAMP_NS: query.KindTimestampNS, duckdb.TYPE_TIMESTAMP_TZ: query.KindTimestampTZ,
	duckdb.TYPE_INTERVAL: query.KindInterval, duckdb.TYPE_UUID: query.KindUUID, duckdb.TYPE_ENUM: query.KindEnum,
	duckdb.TYPE_GEOMETRY: query.KindGeometry, duckdb.TYPE_VARIANT: query.KindVariant, duckdb.TYPE_SQLNULL: query.KindNull,
}

// typeOf is the query type of a DuckDB type; one newer than this code is
// text to the front ends.
func typeOf(ti duckdb.TypeInfo) query.Type {
	if ti.Alias() == "JSON" {
		return query.Type{Kind: query.KindJSON}
	}
	switch d := ti.Details().(type) {
	case *duckdb.DecimalDetails:
		return query.Type{Kind: query.KindDecimal, Precision: int(d.Width), Scale: int(d.Scale)}
	case *duckdb.ListDetails:
		elem := typeOf(d.Child)
		return query.Type{Kind: query.KindList, Elem: &elem}
	case *duckdb.ArrayDetails:
		elem := typeOf(d.Child)
		return query.Type{Kind: query.KindArray, Length: int(d.Size), Elem: &elem}
	case *duckdb.MapDetails:
		key, value := typeOf(d.Key), typeOf(d.Value)
		return query.Type{Kind: query.KindMap, Key: &key, Value: &value}
	case *duckdb.StructDetails:
		t := query.Type{Kind: query.KindStruct, Fields: make([]query.Field, len(d.Entries))}
		for i, e := range d.Entries {
			t.Fields[i] = query.Field{Name: e.Name(), Type: typeOf(e.Info())}
		}
		return t
	case *duckdb.UnionDetails:
		t := query.Type{Kind: query.KindUnion, Fields: make([]query.Field, len(d.Members))}
		for i, m := range d.Members {
			t.Fields[i] = query.Field{Name: m.Name, Type: typeOf(m.Type)}
		}
		return t
	}
	if k, ok := kinds[ti.InternalType()]; ok {
		return query.Type{Kind: k}
	}
	return query.Type{Kind: query.KindVarchar}
}
