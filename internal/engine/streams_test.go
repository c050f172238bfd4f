package engine

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/tarnlake/tarn/internal/catalog"
	"github.com/tarnlake/tarn/internal/catalog/embedded"
	"github.com/tarnlake/tarn/internal/stream"
	"github.com/tarnlake/tarn/internal/stream/memstream"
)

// A stream is a table of the records it holds now; a catalog table
// streams.<name> parses them as JSON; a query unions them with the lake.
func TestStreamTables(t *testing.T) {
	ctx := context.Background()
	cat, err := embedded.Open(filepath.Join(t.TempDir(), "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer cat.Close()
	st := memstream.New()
	defer st.Close()
	shards := []stream.Shard{{ID: "shardId-000000000000"}, {ID: "shardId-000000000001"}}
	if err := st.Create(ctx, stream.Info{Name: "clicks", Retention: time.Hour, Shards: shards}); err != nil {
		t.Fatal(err)
	}
	var recs []stream.Record
	for i := range 5 {
		recs = append(recs, stream.Record{Shard: shards[i%2].ID, PartitionKey: fmt.Sprint(i), Data: fmt.Appendf(nil, `{"id":%d,"page":"p%d"}`, i, i)})
	}
	recs = append(recs, stream.Record{Shard: shards[0].ID, PartitionKey: "bad", Data: []byte{0xff, 0xfe}})
	if _, err := st.Append(ctx, "clicks", recs); err != nil {
		t.Fatal(err)
	}
	eng, err := Open(Options{Catalog: cat, Streams: st, SyncEvery: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	s, err := eng.Session(ctx, "root")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	e := &env{t: t}
	if got := e.rows(s, "SELECT count(*), count(DISTINCT shard), min(arrival) > TIMESTAMP '2020-01-01' FROM streams.clicks"); fmt.Sprint(got) != "[[6 2 true]]" {
		t.Fatalf("stream table: %v", got)
	}
	if got := e.rows(s, "SELECT partition_key, decode(data) FROM streams.clicks WHERE partition_key = '3'"); fmt.Sprint(got) != `[[3 {"id":3,"page":"p3"}]]` {
		t.Fatalf("record: %v", got)
	}
	// A schema in the catalog parses the records; bad ones give NULLs.
	if err := cat.CreateDatabase(ctx, catalog.Database{Name: StreamsSchema}); err != nil {
		t.Fatal(err)
	}
	if _, err := cat.CreateTable(ctx, catalog.Table{Database: StreamsSchema, Name: "clicks", TableType: catalog.TableType,
		Storage: catalog.StorageDescriptor{Columns: []catalog.Column{{Name: "id", Type: "bigint"}, {Name: "page", Type: "string"}}}}); err != nil {
		t.Fatal(err)
	}
	if got := e.rows(s, "SELECT sum(id), string_agg(page, ',' ORDER BY id), count(*) FILTER (WHERE id IS NULL) FROM streams.clicks"); fmt.Sprint(got) != "[[10 p0,p1,p2,p3,p4 1]]" {
		t.Fatalf("parsed: %v", got)
	}
	// New records show at once; a deleted stream's table goes.
	if _, err := st.Append(ctx, "clicks", []stream.Record{{Shard: shards[1].ID, PartitionKey: "k", Data: []byte(`{"id":100}`)}}); err != nil {
		t.Fatal(err)
	}
	if got := e.rows(s, "SELECT max(id) FROM streams.clicks"); fmt.Sprint(got) != "[[100]]" {
		t.Fatalf("after append: %v", got)
	}
	if err := st.Delete(ctx, "clicks"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Query(ctx, "SELECT * FROM streams.clicks"); err == nil {
		t.Fatal("a deleted stream is still a table")
	}
}
