package engine

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/catalog"
	"github.com/tarnlake/tarn/internal/format"
	"github.com/tarnlake/tarn/internal/stream"
)

// StreamsSchema is the SQL schema of live stream tables, and the catalog
// database whose tables, named like streams, give the JSON schema of their
// records.
const StreamsSchema = "streams"

// readBatch is how many records one read of a shard returns.
const readBatch = 10000

// registerStreams adds the table function tarn_stream(name) that reads
// the records a stream holds now, shard by shard.
func (e *Engine) registerStreams(ctx context.Context, db *sql.DB, may func(access.Resource) bool) error {
	c, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	varchar, _ := duckdb.NewTypeInfo(duckdb.TYPE_VARCHAR)
	return duckdb.RegisterTableUDF(c, "tarn_stream", duckdb.RowTableFunction{
		Config: duckdb.TableFunctionConfig{Arguments: []duckdb.TypeInfo{varchar}},
		BindArgumentsContext: func(ctx context.Context, _ map[string]any, args ...any) (duckdb.RowTableSource, error) {
			name, _ := args[0].(string)
			if !may(access.Stream(name)) {
				return nil, fmt.Errorf("permission denied: stream %s may not be read with this key: grant it read on kinesis:%s", name, name)
			}
			info, err := e.opts.Streams.Info(ctx, name)
			if err != nil {
				return nil, fmt.Errorf("stream %s: %w", name, err)
			}
			src := &streamSource{ctx: ctx, store: e.opts.Streams, name: name}
			for _, sh := range info.Shards {
				src.shards = append(src.shards, sh.ID)
			}
			return src, nil
		},
	})
}

// streamSource reads every shard of a stream from its oldest record.
type streamSource struct {
	ctx    context.Context
	store  stream.Store
	name   string
	shards []string
	shard  int
	from   uint64
	buf    []stream.Record
	pos    int
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
		if s.shard >= len(s.shards) {
			return false, nil
		}
		recs, err := s.store.Read(s.ctx, s.name, s.shards[s.shard], s.from, readBatch)
		if err != nil {
			return false, fmt.Errorf("read stream %s shard %s: %w", s.name, s.shards[s.shard], err)
		}
		if len(recs) == 0 {
			s.shard, s.from = s.shard+1, 0
			continue
		}
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

// syncStreams keeps a view per stream in the streams schema; a catalog
// table streams.<name> adds its columns, parsed from each record's JSON.
func (e *Engine) syncStreams(ctx context.Context) error {
	names, err := e.opts.Streams.List(ctx)
	if err != nil {
		return fmt.Errorf("list streams: %w", err)
	}
	if err := e.defineSchema(ctx, StreamsSchema); err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, name := range names {
		seen[name] = true
		body := fmt.Sprintf("SELECT * FROM tarn_stream('%s')", quoteString(name))
		if e.opts.Catalog != nil {
			if t, err := e.opts.Catalog.GetTable(ctx, StreamsSchema, name); err == nil {
				body = streamViewSQL(name, t)
			}
		}
		if e.streamViews[name] == body {
			continue
		}
		if err := e.defineView(ctx, StreamsSchema, name, body, access.Stream(name)); err != nil {
			e.log.Warn("stream not queryable", "stream", name, "err", firstLine(err.Error()))
			continue
		}
		e.streamViews[name] = body
	}
	for name := range e.streamViews {
		if !seen[name] {
			e.dropView(ctx, StreamsSchema, name)
			delete(e.streamViews, name)
		}
	}
	return nil
}

// streamViewSQL adds t's columns to the stream's, taken from each record's
// JSON; a record that is not JSON, or lacks a field, gives NULLs.
func streamViewSQL(name string, t catalog.Table) string {
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
	return fmt.Sprintf("SELECT %s FROM tarn_stream('%s')", strings.Join(cols, ", "), quoteString(name))
}
