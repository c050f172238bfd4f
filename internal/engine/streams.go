package engine

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/catalog"
	"github.com/tarnlake/tarn/internal/format"
	"github.com/tarnlake/tarn/internal/query/sqltext"
	"github.com/tarnlake/tarn/internal/stream"
)

// StreamsSchema is the SQL schema of live stream tables, and the catalog
// database whose tables, named like streams, give the JSON schema of their
// records.
const StreamsSchema = "streams"

// PendingSchema is the SQL schema with a view per delivery of the records
// its source holds that it has not written into the lake yet: a table a
// delivery writes and its pending view, read in one statement, hold each
// record once (Deliveries.Hold).
const PendingSchema = "pending"

// Deliveries is what the pending views need of deliveries.
type Deliveries interface {
	// Pending lists the deliveries: the stream each reads and the
	// catalog table its records are converted by, if any.
	Pending(ctx context.Context) ([]PendingView, error)
	// Delivered returns the stream a delivery reads and the position up to
	// which its records are in the lake.
	Delivered(ctx context.Context, name string) (source string, last uint64, err error)
	// Hold keeps the named deliveries from writing until release.
	Hold(ctx context.Context, names []string) (release func(), err error)
}

// PendingView is a delivery as its pending view shows it.
type PendingView struct {
	Delivery, Source string
	Database, Table  string // "": the records are not converted by a table
}

// readBatch is how many records one read of a shard returns.
const readBatch = 10000

// registerStreams adds the table functions tarn_stream(name), the records
// a stream holds now, and tarn_pending(delivery), those of a delivery's
// source that it has not written into the lake yet.
func (e *Engine) registerStreams(ctx context.Context, db *sql.DB, may func(access.Resource) bool) error {
	c, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	varchar, _ := duckdb.NewTypeInfo(duckdb.TYPE_VARCHAR)
	source := func(ctx context.Context, name string, from uint64) (duckdb.RowTableSource, error) {
		if !may(access.Stream(name)) {
			return nil, fmt.Errorf("permission denied: stream %s may not be read with this key: grant it read on kinesis:%s", name, name)
		}
		if _, err := e.opts.Streams.Info(ctx, name); err != nil {
			return nil, fmt.Errorf("stream %s: %w", name, err)
		}
		return &streamSource{ctx: ctx, store: e.opts.Streams, name: name, from: from}, nil
	}
	err = duckdb.RegisterTableUDF(c, "tarn_stream", duckdb.RowTableFunction{
		Config: duckdb.TableFunctionConfig{Arguments: []duckdb.TypeInfo{varchar}},
		BindArgumentsContext: func(ctx context.Context, _ map[string]any, args ...any) (duckdb.RowTableSource, error) {
			name, _ := args[0].(string)
			return source(ctx, name, 0)
		},
	})
	if err != nil || e.opts.Deliveries == nil {
		return err
	}
	return duckdb.RegisterTableUDF(c, "tarn_pending", duckdb.RowTableFunction{
		Config: duckdb.TableFunctionConfig{Arguments: []duckdb.TypeInfo{varchar}},
		BindArgumentsContext: func(ctx context.Context, _ map[string]any, args ...any) (duckdb.RowTableSource, error) {
			name, _ := args[0].(string)
			src, last, err := e.opts.Deliveries.Delivered(ctx, name)
			if err != nil {
				return nil, fmt.Errorf("delivery %s: %w", name, err)
			}
			return source(ctx, src, last+1)
		},
	})
}

// streamSource reads a stream's records from a position, every shard in
// stream order.
type streamSource struct {
	ctx   context.Context
	store stream.Store
	name  string
	from  uint64
	buf   []stream.Record
	pos   int
	done  bool
}

func (s *streamSource) ColumnInfos() []duckdb.ColumnInfo {
	t := func(k duckdb.Type) duckdb.TypeInfo { ti, _ := duckdb.NewTypeInfo(k); return ti }
	return []duckdb.ColumnInfo{
		{Name: "shard", T: t(duckdb.TYPE_VARCHAR)},
		{Name: "sequence", T: t(duckdb.TYPE_UBIGINT)},
		{Name: "arrival", T: t(duckdb.TYPE_TIMESTAMP)},
		{Name: "partition_key", T: t(duckdb.TYPE_VARCHAR)},
		{Name: "data", T: t(duckdb.TYPE_BLOB)},
	}
}

func (s *streamSource) Cardinality() *duckdb.CardinalityInfo { return nil }

func (s *streamSource) Init() {}

func (s *streamSource) FillRow(row duckdb.Row) (bool, error) {
	for s.pos >= len(s.buf) {
		if s.done {
			return false, nil
		}
		recs, err := s.store.Scan(s.ctx, s.name, s.from, readBatch)
		if err != nil {
			return false, fmt.Errorf("read stream %s: %w", s.name, err)
		}
		if len(recs) == 0 {
			return false, nil
		}
		// Records that come while the scan runs are left for the next
		// statement: a short read is the end.
		s.done = len(recs) < readBatch
		s.buf, s.pos, s.from = recs, 0, recs[len(recs)-1].Seq+1
	}
	r := s.buf[s.pos]
	s.pos++
	for i, v := range []any{r.Shard, r.Seq, r.Arrival.UTC(), r.PartitionKey, r.Data} {
		if err := row.SetRowValue(i, v); err != nil {
			return false, err
		}
	}
	return true, nil
}

// syncStreams keeps a view per stream in the streams schema, and one per
// delivery in the pending schema; a catalog table streams.<stream> adds
// its columns, parsed from each record's JSON, as does the table a
// delivery converts its records by.
func (e *Engine) syncStreams(ctx context.Context) error {
	names, err := e.opts.Streams.List(ctx)
	if err != nil {
		return fmt.Errorf("list streams: %w", err)
	}
	want := map[[2]string]streamView{}
	for _, name := range names {
		v := streamView{body: fmt.Sprintf("SELECT * FROM tarn_stream('%s')", quoteString(name)), stream: name}
		if t, ok := e.table(ctx, StreamsSchema, name); ok {
			v.body = streamViewSQL("tarn_stream", name, t)
		}
		want[[2]string{StreamsSchema, name}] = v
	}
	if e.opts.Deliveries != nil {
		ds, err := e.opts.Deliveries.Pending(ctx)
		if err != nil {
			return fmt.Errorf("list deliveries: %w", err)
		}
		for _, d := range ds {
			v := streamView{body: fmt.Sprintf("SELECT * FROM tarn_pending('%s')", quoteString(d.Delivery)), stream: d.Source}
			t, ok := e.table(ctx, d.Database, d.Table)
			if !ok {
				t, ok = e.table(ctx, StreamsSchema, d.Source)
			}
			if ok {
				v.body = streamViewSQL("tarn_pending", d.Delivery, t)
			}
			want[[2]string{PendingSchema, d.Delivery}] = v
		}
	}
	schemas := []string{StreamsSchema}
	if e.opts.Deliveries != nil {
		schemas = append(schemas, PendingSchema)
	}
	for _, schema := range schemas {
		if err := e.defineSchema(ctx, schema); err != nil {
			return err
		}
	}
	for k, v := range want {
		if e.streamViews[k] == v.body {
			continue
		}
		if err := e.defineView(ctx, k[0], k[1], v.body, access.Stream(v.stream)); err != nil {
			e.log.Warn("stream not queryable", "view", k[0]+"."+k[1], "err", firstLine(err.Error()))
			continue
		}
		e.streamViews[k] = v.body
	}
	dropUnwanted(ctx, e, e.streamViews, want)
	return nil
}

type streamView struct {
	body   string
	stream string // whose records it shows: the grant it needs
}

// table returns a catalog table, if there is one.
func (e *Engine) table(ctx context.Context, db, name string) (catalog.Table, bool) {
	if e.opts.Catalog == nil || db == "" {
		return catalog.Table{}, false
	}
	t, err := e.opts.Catalog.GetTable(ctx, db, name)
	return t, err == nil
}

// streamViewSQL adds t's columns to those of fn(arg), taken from each
// record's JSON; a record that is not JSON, or lacks a field, gives NULLs.
func streamViewSQL(fn, arg string, t catalog.Table) string {
	cols := []string{"shard", "sequence", "arrival", "partition_key", "data"}
	for _, c := range t.Storage.Columns {
		dt := "VARCHAR"
		if ft, err := format.ParseType(c.Type); err == nil {
			dt = duckType(ft).String()
		}
		path := quoteString("$." + `"` + strings.ReplaceAll(c.Name, `"`, `\"`) + `"`)
		doc := "TRY_CAST(TRY(decode(data)) AS JSON)"
		if dt == "VARCHAR" {
			cols = append(cols, fmt.Sprintf("json_extract_string(%s, '%s') AS %s", doc, path, quoteIdent(c.Name)))
			continue
		}
		cols = append(cols, fmt.Sprintf("TRY_CAST(json_extract(%s, '%s') AS %s) AS %s", doc, path, dt, quoteIdent(c.Name)))
	}
	return fmt.Sprintf("SELECT %s FROM %s('%s')", strings.Join(cols, ", "), fn, quoteString(arg))
}

// holdPending keeps the deliveries whose pending views the statements
// name (and archives, for a union <table>_all) from writing until release,
// so that the statements read each of their records once. stmts are
// admit's: the text is not lexed again.
func (e *Engine) holdPending(ctx context.Context, stmts []sqltext.Statement) (release func(), err error) {
	nothing := func() {}
	if e.opts.Deliveries == nil && e.opts.Warehouse == nil {
		return nothing, nil
	}
	var toks []sqltext.Token
	for _, st := range stmts {
		toks = append(toks, st.Tokens...)
	}
	var refs []string
	unions := false
	for i := 0; i < len(toks); i++ {
		if i+2 < len(toks) && (toks[i].Kind == sqltext.Word || toks[i].Kind == sqltext.Ident) && toks[i].Name() == PendingSchema && toks[i+1].Is(".") {
			refs = append(refs, toks[i+2].Name())
		}
		if isName(toks[i]) && strings.HasSuffix(toks[i].Name(), "_all") {
			unions = true
		}
	}
	if unions && e.opts.Warehouse != nil {
		// An archive's rows leave the warehouse and join the union in
		// one step that no reader of a union sees half of.
		release, err := e.archives.Read(ctx)
		if err != nil {
			return nothing, err
		}
		e.fillEmpty(ctx)
		if len(refs) == 0 {
			return release, nil
		}
		more, err := e.holdDeliveries(ctx, refs)
		if err != nil {
			release()
			return nothing, err
		}
		return func() { more(); release() }, nil
	}
	if len(refs) == 0 {
		return nothing, nil
	}
	return e.holdDeliveries(ctx, refs)
}

// holdDeliveries holds the deliveries whose pending views refs name.
func (e *Engine) holdDeliveries(ctx context.Context, refs []string) (release func(), err error) {
	nothing := func() {}
	if e.opts.Deliveries == nil {
		return nothing, nil
	}
	e.sync(ctx) // a delivery made a moment ago has its view
	var names []string
	e.syncMu.Lock()
	for k := range e.streamViews {
		for _, ref := range refs {
			if k[0] == PendingSchema && strings.EqualFold(k[1], ref) && !slices.Contains(names, k[1]) {
				names = append(names, k[1])
			}
		}
	}
	e.syncMu.Unlock()
	if len(names) == 0 {
		return nothing, nil
	}
	release, err = e.opts.Deliveries.Hold(ctx, names)
	if err == nil && e.opts.Catalog != nil {
		e.fillEmpty(ctx)
	}
	return release, err
}
