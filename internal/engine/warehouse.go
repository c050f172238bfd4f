package engine

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/format"
	"github.com/tarnlake/tarn/internal/warehouse"
	whduckdb "github.com/tarnlake/tarn/internal/warehouse/duckdb"
)

// Warehouse tables are views over tarn_warehouse(schema, table), which
// reads a table through the warehouse seam, asking only for the columns
// the statement uses: DuckDB's postgres extension cannot be installed
// here, and an embedded warehouse file is its own DuckDB's, so the rows
// come through the seam whichever backend holds them.

// syncWarehouse keeps a view per warehouse table in its schema.
func (e *Engine) syncWarehouse(ctx context.Context) error {
	if err := e.defineSchema(ctx, "public"); err != nil { // on every session's search path
		return err
	}
	ts, err := e.opts.Warehouse.Tables(ctx, "")
	if err != nil {
		return fmt.Errorf("warehouse tables: %w", err)
	}
	want := map[[2]string]string{}
	clear(e.whCols)
	for _, t := range ts {
		var sig, names []string
		for _, c := range t.Columns {
			sig = append(sig, c.Name+" "+c.SQL())
			names = append(names, c.Name)
		}
		k := [2]string{t.Schema, t.Name}
		want[k] = strings.Join(sig, ",")
		e.whCols[k] = names
	}
	for k, sig := range want {
		if e.whViews[k] == sig {
			continue
		}
		if err := e.defineSchema(ctx, k[0]); err != nil {
			return err
		}
		body := fmt.Sprintf("SELECT * FROM tarn_warehouse('%s', '%s')", quoteString(k[0]), quoteString(k[1]))
		if err := e.defineViewSig(ctx, k[0], k[1], body, sig, access.Resource{Kind: access.Warehouse, Name: k[0]}); err != nil {
			e.log.Warn("warehouse table not queryable", "table", k[0]+"."+k[1], "err", firstLine(err.Error()))
			continue
		}
		e.whViews[k] = sig
	}
	dropUnwanted(ctx, e, e.whViews, want)
	return nil
}

// dropUnwanted drops the views of have that want has not.
func dropUnwanted[V any](ctx context.Context, e *Engine, have map[[2]string]string, want map[[2]string]V) {
	for k := range have {
		if _, ok := want[k]; !ok {
			e.dropView(ctx, k[0], k[1])
			delete(have, k)
		}
	}
}

// registerWarehouse adds tarn_warehouse(schema, table).
func (e *Engine) registerWarehouse(ctx context.Context, db *sql.DB, may func(access.Resource) bool) error {
	c, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	varchar, _ := duckdb.NewTypeInfo(duckdb.TYPE_VARCHAR)
	return duckdb.RegisterTableUDF(c, "tarn_warehouse", duckdb.RowTableFunction{
		Config: duckdb.TableFunctionConfig{Arguments: []duckdb.TypeInfo{varchar, varchar}},
		BindArgumentsContext: func(ctx context.Context, _ map[string]any, args ...any) (duckdb.RowTableSource, error) {
			schema, _ := args[0].(string)
			table, _ := args[1].(string)
			if !may(access.Resource{Kind: access.Warehouse, Name: schema}) {
				return nil, fmt.Errorf("permission denied: warehouse schema %s may not be read with this key: grant it read on warehouse:%s", schema, schema)
			}
			ts, err := e.opts.Warehouse.Tables(ctx, schema)
			if err != nil {
				return nil, err
			}
			for _, t := range ts {
				if t.Name == table {
					return &whSource{ctx: ctx, store: e.opts.Warehouse, table: t}, nil
				}
			}
			return nil, fmt.Errorf("%w: %s.%s", warehouse.ErrNoTable, schema, table)
		},
	})
}

// whSource reads a warehouse table's rows, the projected columns only.
type whSource struct {
	ctx   context.Context
	store warehouse.Store
	table warehouse.Table
	rows  warehouse.Rows
	cols  []int // the table's columns the rows hold, in order
}

func (s *whSource) ColumnInfos() []duckdb.ColumnInfo {
	out := make([]duckdb.ColumnInfo, len(s.table.Columns))
	for i, c := range s.table.Columns {
		out[i] = duckdb.ColumnInfo{Name: c.Name, T: whType(c)}
	}
	return out
}

// whType is a warehouse column's DuckDB type.
func whType(c warehouse.Column) duckdb.TypeInfo {
	t, err := whduckdb.ColumnType(c)
	if err != nil {
		t, _ = duckdb.NewTypeInfo(duckdb.TYPE_VARCHAR)
	}
	return t
}

func (s *whSource) Cardinality() *duckdb.CardinalityInfo { return nil }

func (s *whSource) Init() {}

func (s *whSource) FillRow(row duckdb.Row) (bool, error) {
	if s.rows == nil {
		var names []string
		for i, c := range s.table.Columns {
			if row.IsProjected(i) {
				s.cols = append(s.cols, i)
				names = append(names, quoteIdent(c.Name))
			}
		}
		what := "1" // count(*): rows, no columns
		if len(names) > 0 {
			what = strings.Join(names, ", ")
		}
		rows, err := s.store.Query(s.ctx, fmt.Sprintf("SELECT %s FROM %s.%s", what, quoteIdent(s.table.Schema), quoteIdent(s.table.Name)))
		if err != nil {
			return false, fmt.Errorf("warehouse table %s.%s: %w", s.table.Schema, s.table.Name, err)
		}
		s.rows = rows
	}
	if !s.rows.Next() {
		err := s.rows.Err()
		s.rows.Close()
		return false, err
	}
	vals, err := s.rows.Values()
	if err != nil {
		return false, err
	}
	for j, i := range s.cols {
		v := vals[j]
		if d, ok := v.(string); ok && s.table.Columns[i].Type.Kind == format.KindDecimal {
			n, err := warehouse.ParseDecimal(d, s.table.Columns[i].Type.Scale)
			if err != nil {
				return false, err
			}
			v = duckdb.Decimal{Width: uint8(s.table.Columns[i].Type.Precision), Scale: uint8(s.table.Columns[i].Type.Scale), Value: n}
		}
		if err := row.SetRowValue(i, v); err != nil {
			return false, fmt.Errorf("warehouse table %s.%s column %s: %w", s.table.Schema, s.table.Name, s.table.Columns[i].Name, err)
		}
	}
	return true, nil
}

// TableKinds names what each of the engine's tables is, as Redshift's
// ListTables does: TABLE for a warehouse table, EXTERNAL TABLE for a lake
// table (a catalog database's or an external schema's), VIEW for the
// views tarn makes (streams, pending records, a table and its archive).
func (e *Engine) TableKinds() map[[2]string]string {
	e.syncMu.Lock()
	defer e.syncMu.Unlock()
	out := map[[2]string]string{}
	for key := range e.views {
		if db, table, ok := strings.Cut(key, "."); ok && !strings.Contains(table, "$") {
			out[[2]string{db, table}] = "EXTERNAL TABLE"
		}
	}
	for k := range e.extViews {
		out[k] = "EXTERNAL TABLE"
	}
	for k := range e.streamViews {
		out[k] = "VIEW"
	}
	for k := range e.unionViews {
		out[k] = "VIEW"
	}
	for k := range e.whViews {
		out[k] = "TABLE"
	}
	return out
}
