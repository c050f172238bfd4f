package engine

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/tarnlake/tarn/internal/catalog"
	"github.com/tarnlake/tarn/internal/catalog/embedded"
	"github.com/tarnlake/tarn/internal/query"
	"github.com/tarnlake/tarn/internal/stream"
	"github.com/tarnlake/tarn/internal/stream/memstream"
)

// streamSetup makes a catalog and a stream store with a stream of two
// shards, closed at the test's end.
func streamSetup(t *testing.T, name string) (catalog.Store, *memstream.Store, []stream.Shard) {
	cat, err := embedded.Open(filepath.Join(t.TempDir(), "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	st := memstream.New()
	t.Cleanup(func() { st.Close() })
	shards := []stream.Shard{{ID: "shardId-000000000000"}, {ID: "shardId-000000000001"}}
	if err := st.Create(context.Background(), stream.Info{Name: name, Retention: time.Hour, Shards: shards}); err != nil {
		t.Fatal(err)
	}
	return cat, st, shards
}

// streamSession opens an engine and a session, closed at the test's end.
func streamSession(t *testing.T, opts Options) (*env, query.Session) {
	opts.SyncEvery = time.Nanosecond
	eng, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	e := &env{t: t, eng: eng}
	return e, e.session()
}

// A stream is a table of the records it holds now; a catalog table
// streams.<name> parses them as JSON; a query unions them with the lake.
func TestStreamTables(t *testing.T) {
	ctx := context.Background()
	cat, st, shards := streamSetup(t, "clicks")
	var recs []stream.Record
	for i := range 5 {
		recs = append(recs, stream.Record{Shard: shards[i%2].ID, PartitionKey: fmt.Sprint(i), Data: fmt.Appendf(nil, `{"id":%d,"page":"p%d"}`, i, i)})
	}
	recs = append(recs, stream.Record{Shard: shards[0].ID, PartitionKey: "bad", Data: []byte{0xff, 0xfe}})
	if _, err := st.Append(ctx, "clicks", recs); err != nil {
		t.Fatal(err)
	}
	e, s := streamSession(t, Options{Catalog: cat, Streams: st})
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

// fakeDeliveries is one delivery that has written its source up to last.
type fakeDeliveries struct {
	source, db, table string
	last              uint64
	held              []string
	released          int
}

func (f *fakeDeliveries) Pending(context.Context) ([]PendingView, error) {
	return []PendingView{{Delivery: "ToLake", Source: f.source, Database: f.db, Table: f.table}}, nil
}

func (f *fakeDeliveries) Delivered(_ context.Context, name string) (string, uint64, error) {
	if name != "ToLake" {
		return "", 0, fmt.Errorf("no delivery %s", name)
	}
	return f.source, f.last, nil
}

func (f *fakeDeliveries) Hold(_ context.Context, names []string) (func(), error) {
	f.held = append(f.held, names...)
	return func() { f.released++ }, nil
}

// A delivery's pending view holds the records after its position, typed
// by the table it converts by; a statement that names it holds the
// delivery's writes until its rows are closed.
func TestPendingViews(t *testing.T) {
	ctx := context.Background()
	cat, st, shards := streamSetup(t, "orders")
	var recs []stream.Record
	for i := range 10 {
		recs = append(recs, stream.Record{Shard: shards[i%2].ID, PartitionKey: fmt.Sprint(i), Data: fmt.Appendf(nil, `{"id":%d,"amount":%d.5}`, i, i)})
	}
	seqs, err := st.Append(ctx, "orders", recs)
	if err != nil {
		t.Fatal(err)
	}
	if err := cat.CreateDatabase(ctx, catalog.Database{Name: "shop"}); err != nil {
		t.Fatal(err)
	}
	if _, err := cat.CreateTable(ctx, catalog.Table{Database: "shop", Name: "orders", TableType: catalog.TableType,
		Storage: catalog.StorageDescriptor{Columns: []catalog.Column{{Name: "id", Type: "bigint"}, {Name: "amount", Type: "double"}}}}); err != nil {
		t.Fatal(err)
	}
	slices.Sort(seqs)
	d := &fakeDeliveries{source: "orders", db: "shop", table: "orders", last: seqs[5]} // six delivered
	e, s := streamSession(t, Options{Catalog: cat, Streams: st, Deliveries: d})
	if got := e.rows(s, "SELECT count(*), sum(amount), min(sequence) FROM pending.tolake"); fmt.Sprint(got) != fmt.Sprintf("[[4 %v %d]]", 6.5+7.5+8.5+9.5, seqs[6]) {
		t.Fatalf("pending: %v", got)
	}
	if fmt.Sprint(d.held) != "[ToLake]" || d.released != 1 {
		t.Fatalf("held %v, released %d times: want the delivery held once, for the statement", d.held, d.released)
	}
	// Statements that do not name it hold nothing; one in a string does not count.
	e.rows(s, "SELECT 'pending.tolake' FROM streams.orders")
	if len(d.held) != 1 {
		t.Fatalf("held %v", d.held)
	}
	d.last = seqs[9]
	if got := e.rows(s, `SELECT count(*) FROM "pending"."ToLake"`); fmt.Sprint(got) != "[[0]]" {
		t.Fatalf("all delivered: %v", got)
	}
}

// A table with no files yet (a delivery's before its first buffer) is
// empty, with its columns, until they come.
func TestTableWithoutFiles(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if err := e.cat.CreateDatabase(ctx, catalog.Database{Name: "shop"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.cat.CreateTable(ctx, catalog.Table{Database: "shop", Name: "orders", TableType: catalog.TableType,
		Parameters: map[string]string{"classification": "json"},
		Storage:    catalog.StorageDescriptor{Location: "s3://lake/orders/", Columns: []catalog.Column{{Name: "id", Type: "bigint"}}}}); err != nil {
		t.Fatal(err)
	}
	s := e.session()
	if got := e.rows(s, "SELECT count(*), sum(id) FROM shop.orders"); fmt.Sprint(got) != "[[0 <nil>]]" {
		t.Fatalf("empty table: %v", got)
	}
	e.put("orders/a.json", []byte(`{"id":7}`+"\n"))
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if got := e.rows(s, "SELECT sum(id) FROM shop.orders"); fmt.Sprint(got) == "[[7]]" {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("the table's first file is not read: %v", got)
		}
	}
}
