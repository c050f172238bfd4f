package engine

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strings"

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
			cols = append(cols, query.Column{Name: name, Type: typeName(ti)})
		}
		return nil
	})
	return params, cols, err
}

// scalarNames spell DuckDB's types as its result columns name them.
var scalarNames = map[duckdb.Type]string{
	duckdb.TYPE_BOOLEAN: "BOOLEAN", duckdb.TYPE_TINYINT: "TINYINT", duckdb.TYPE_SMALLINT: "SMALLINT",
	duckdb.TYPE_INTEGER: "INTEGER", duckdb.TYPE_BIGINT: "BIGINT", duckdb.TYPE_UTINYINT: "UTINYINT",
	duckdb.TYPE_USMALLINT: "USMALLINT", duckdb.TYPE_UINTEGER: "UINTEGER", duckdb.TYPE_UBIGINT: "UBIGINT",
	duckdb.TYPE_FLOAT: "FLOAT", duckdb.TYPE_DOUBLE: "DOUBLE", duckdb.TYPE_TIMESTAMP: "TIMESTAMP",
	duckdb.TYPE_DATE: "DATE", duckdb.TYPE_TIME: "TIME", duckdb.TYPE_INTERVAL: "INTERVAL",
	duckdb.TYPE_HUGEINT: "HUGEINT", duckdb.TYPE_UHUGEINT: "UHUGEINT", duckdb.TYPE_VARCHAR: "VARCHAR",
	duckdb.TYPE_BLOB: "BLOB", duckdb.TYPE_TIMESTAMP_S: "TIMESTAMP_S", duckdb.TYPE_TIMESTAMP_MS: "TIMESTAMP_MS",
	duckdb.TYPE_TIMESTAMP_NS: "TIMESTAMP_NS", duckdb.TYPE_ENUM: "VARCHAR", duckdb.TYPE_UUID: "UUID",
	duckdb.TYPE_TIME_TZ: "TIME WITH TIME ZONE", duckdb.TYPE_TIMESTAMP_TZ: "TIMESTAMP WITH TIME ZONE",
	duckdb.TYPE_BIT: "BIT", duckdb.TYPE_SQLNULL: "NULL",
}

func typeName(ti duckdb.TypeInfo) string {
	if ti.Alias() == "JSON" {
		return "JSON"
	}
	switch d := ti.Details().(type) {
	case *duckdb.DecimalDetails:
		return fmt.Sprintf("DECIMAL(%d,%d)", d.Width, d.Scale)
	case *duckdb.ListDetails:
		return typeName(d.Child) + "[]"
	case *duckdb.ArrayDetails:
		return fmt.Sprintf("%s[%d]", typeName(d.Child), d.Size)
	case *duckdb.MapDetails:
		return "MAP(" + typeName(d.Key) + ", " + typeName(d.Value) + ")"
	case *duckdb.StructDetails:
		parts := make([]string, len(d.Entries))
		for i, e := range d.Entries {
			parts[i] = quoteIdent(e.Name()) + " " + typeName(e.Info())
		}
		return "STRUCT(" + strings.Join(parts, ", ") + ")"
	}
	if n, ok := scalarNames[ti.InternalType()]; ok {
		return n
	}
	return "VARCHAR"
}
