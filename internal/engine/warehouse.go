package engine

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/duckdb/duckdb-go/v2"

	"github.com/tarnlake/tarn/internal/access"
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
	return duckdb.RegisterTableUDF(c, "tarn_warehouse", duckdb.ChunkTableFunction{
		Config: duckdb.TableFunctionConfig{Arguments: []duckdb.TypeInfo{varchar, varchar}},
		BindArgumentsContext: func(ctx context.Context, _ map[string]any, args ...any) (duckdb.ChunkTableSource, error) {
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

// whSource reads a warehouse table's batches, the projected columns only,
// a vector at a time.
type whSource struct {
	ctx   context.Context
	store warehouse.Store
	table warehouse.Table
	cols  []int // the table's columns the batches hold, in order
	count bool  // no column projected (count(*)): rows only
	batch <-chan batchOrErr
	rec   arrow.RecordBatch
	off   int
}

type batchOrErr struct {
	rec arrow.RecordBatch
	err error
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

// start reads the projected columns on a goroutine of its own, which
// ends with the statement.
func (s *whSource) start(c *duckdb.DataChunk) {
	var names []string
	for i, col := range s.table.Columns {
		if _, err := c.GetVector(i); err == nil { // projected
			s.cols = append(s.cols, i)
			names = append(names, col.Name)
		}
	}
	if len(names) == 0 {
		s.count = true
		names = []string{s.table.Columns[0].Name}
	}
	ch := make(chan batchOrErr, 1)
	s.batch = ch
	go func() {
		defer close(ch)
		for rec, err := range s.store.Read(s.ctx, s.table.Schema, s.table.Name, names) {
			select {
			case ch <- batchOrErr{rec, err}:
			case <-s.ctx.Done():
				if rec != nil {
					rec.Release()
				}
				return
			}
			if err != nil {
				return
			}
		}
	}()
}

func (s *whSource) FillChunk(c duckdb.DataChunk) error {
	if s.batch == nil {
		s.start(&c)
	}
	size := duckdb.GetDataChunkCapacity()
	n := 0
	for n < size {
		if s.rec == nil || s.off == int(s.rec.NumRows()) {
			if s.rec != nil {
				s.rec.Release()
				s.rec = nil
			}
			var b batchOrErr
			var ok bool
			select {
			case b, ok = <-s.batch:
			case <-s.ctx.Done():
				return s.ctx.Err()
			}
			if !ok {
				break
			}
			if b.err != nil {
				return fmt.Errorf("warehouse table %s.%s: %w", s.table.Schema, s.table.Name, b.err)
			}
			s.rec, s.off = b.rec, 0
			continue
		}
		k := min(size-n, int(s.rec.NumRows())-s.off)
		if !s.count {
			for j, i := range s.cols {
				if err := setColumn(&c, i, n, s.rec.Column(j), s.off, k); err != nil {
					return fmt.Errorf("warehouse table %s.%s column %s: %w", s.table.Schema, s.table.Name, s.table.Columns[i].Name, err)
				}
			}
		}
		n += k
		s.off += k
	}
	return c.SetSize(n)
}

// setColumn sets rows [off, off+k) of a as column i's rows from dst.
func setColumn(c *duckdb.DataChunk, i, dst int, a arrow.Array, off, k int) error {
	// set sets each row that is not NULL with f, and NULLs as such.
	set := func(f func(int) error) error {
		for r := range k {
			var err error
			if a.IsNull(off + r) {
				err = c.SetValue(i, dst+r, nil)
			} else {
				err = f(r)
			}
			if err != nil {
				return err
			}
		}
		return nil
	}
	switch x := a.(type) {
	case *array.Int64:
		return set(func(r int) error { return duckdb.SetChunkValue(*c, i, dst+r, x.Value(off+r)) })
	case *array.Int32:
		return set(func(r int) error { return duckdb.SetChunkValue(*c, i, dst+r, x.Value(off+r)) })
	case *array.Int16:
		return set(func(r int) error { return duckdb.SetChunkValue(*c, i, dst+r, x.Value(off+r)) })
	case *array.Int8: // a TINYINT column of the embedded warehouse
		return set(func(r int) error { return duckdb.SetChunkValue(*c, i, dst+r, int16(x.Value(off+r))) })
	case *array.Float64:
		return set(func(r int) error { return duckdb.SetChunkValue(*c, i, dst+r, x.Value(off+r)) })
	case *array.Float32:
		return set(func(r int) error { return duckdb.SetChunkValue(*c, i, dst+r, x.Value(off+r)) })
	case *array.Boolean:
		return set(func(r int) error { return duckdb.SetChunkValue(*c, i, dst+r, x.Value(off+r)) })
	case *array.String:
		return set(func(r int) error { return duckdb.SetChunkValue(*c, i, dst+r, x.Value(off+r)) })
	case *array.Binary:
		return set(func(r int) error { return duckdb.SetChunkValue(*c, i, dst+r, x.Value(off+r)) })
	case *array.Date32:
		return set(func(r int) error {
			return duckdb.SetChunkValue(*c, i, dst+r, time.Unix(int64(x.Value(off+r))*86400, 0).UTC())
		})
	case *array.Timestamp:
		return set(func(r int) error {
			return duckdb.SetChunkValue(*c, i, dst+r, time.UnixMicro(int64(x.Value(off+r))).UTC())
		})
	case *array.Decimal128:
		dt := x.DataType().(*arrow.Decimal128Type)
		return set(func(r int) error {
			n := x.Value(off + r)
			if small, ok := warehouse.DecimalInt64(n); ok && dt.Precision <= 18 {
				// DuckDB keeps DECIMAL(18) and narrower as its unscaled integer.
				return duckdb.SetChunkValue(*c, i, dst+r, small)
			}
			return duckdb.SetChunkValue(*c, i, dst+r, duckdb.Decimal{Width: uint8(dt.Precision), Scale: uint8(dt.Scale), Value: n.BigInt()})
		})
	}
	return set(func(r int) error { return c.SetValue(i, dst+r, warehouse.Value(a, off+r)) })
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
