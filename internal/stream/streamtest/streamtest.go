// Package streamtest is the conformance suite every stream.Store backend
// passes.
package streamtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tarnlake/tarn/internal/stream"
)

// Run runs the suite, which pins every error the seam documents; open returns a store for one subtest (it may share a
// server with other subtests: names are unique).
func Run(t *testing.T, open func(t *testing.T) stream.Store) {
	for _, c := range []struct {
		name string
		fn   func(*testing.T, stream.Store)
	}{
		{"Lifecycle", lifecycle},
		{"UpdateInfo", updateInfo},
		{"AppendRead", appendRead},
		{"SequentialReads", sequentialReads},
		{"Scan", scan},
		{"SeqAt", seqAt},
		{"Consumer", consumer},
		{"Retention", retention},
		{"NotFound", notFound},
		{"Invalid", invalid},
		{"NoSuchShard", noSuchShard},
		{"ConsumerGone", consumerGone},
	} {
		t.Run(c.name, func(t *testing.T) { c.fn(t, open(t)) })
	}
}

// Name returns a stream name unique to this run.
func Name(t *testing.T) string {
	b := make([]byte, 6)
	rand.Read(b)
	return "test.stream-" + hex.EncodeToString(b)
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return c
}

func shards(n int) []stream.Shard {
	out := make([]stream.Shard, n)
	for i := range out {
		out[i] = stream.Shard{ID: fmt.Sprintf("shardId-%012d", i), HashStart: fmt.Sprint(i), HashEnd: fmt.Sprint(i), StartSeq: 1}
	}
	return out
}

// create makes a stream that the test deletes when it ends.
func create(t *testing.T, s stream.Store, nShards int, retention time.Duration) string {
	t.Helper()
	name := Name(t)
	if err := s.Create(ctx(t), stream.Info{Name: name, Retention: retention, Status: "ACTIVE", Shards: shards(nShards), Tags: map[string]string{"k": "v"}}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Delete(context.Background(), name) })
	return name
}

func lifecycle(t *testing.T, s stream.Store) {
	c := ctx(t)
	name := create(t, s, 2, time.Hour)
	if err := s.Create(c, stream.Info{Name: name, Retention: time.Hour, Shards: shards(1)}); !errors.Is(err, stream.ErrExists) {
		t.Fatalf("create twice: %v, want ErrExists", err)
	}
	info, err := s.Info(c, name)
	if err != nil {
		t.Fatal(err)
	}
	if info.Name != name || info.Retention != time.Hour || len(info.Shards) != 2 || info.Tags["k"] != "v" || info.Created.IsZero() || info.Revision == 0 {
		t.Fatalf("info: %+v", info)
	}
	names, err := s.List(c)
	if err != nil || !contains(names, name) {
		t.Fatalf("list %v does not hold %s: %v", names, name, err)
	}
	if err := s.Delete(c, name); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Info(c, name); !errors.Is(err, stream.ErrNotFound) {
		t.Fatalf("info after delete: %v", err)
	}
	if err := s.Delete(c, name); !errors.Is(err, stream.ErrNotFound) {
		t.Fatalf("delete twice: %v", err)
	}
	// The name can be used again.
	if err := s.Create(c, stream.Info{Name: name, Retention: time.Hour, Shards: shards(1)}); err != nil {
		t.Fatalf("create after delete: %v", err)
	}
	if tail, err := s.Tail(c, name); err != nil || tail != 0 {
		t.Fatalf("a new stream's tail: %d %v", tail, err)
	}
}

func updateInfo(t *testing.T, s stream.Store) {
	c := ctx(t)
	name := create(t, s, 1, time.Hour)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.UpdateInfo(c, name, func(i *stream.Info) error {
				i.Tags["n"] += "x"
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	info, _ := s.Info(c, name)
	if info.Tags["n"] != "xxxxxxxx" {
		t.Fatalf("concurrent updates lost some: %q", info.Tags["n"])
	}
	boom := errors.New("boom")
	if _, err := s.UpdateInfo(c, name, func(*stream.Info) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("fn's error: %v", err)
	}
	if _, err := s.UpdateInfo(c, name, func(i *stream.Info) error { i.Retention = 48 * time.Hour; return nil }); err != nil {
		t.Fatal(err)
	}
	if info, _ := s.Info(c, name); info.Retention != 48*time.Hour {
		t.Fatalf("retention not updated: %v", info.Retention)
	}
}

func appendRead(t *testing.T, s stream.Store) {
	c := ctx(t)
	name := create(t, s, 3, time.Hour)
	var recs []stream.Record
	for i := range 900 {
		recs = append(recs, stream.Record{Shard: shards(3)[i%3].ID, PartitionKey: fmt.Sprintf("key-%d", i), Data: []byte(fmt.Sprintf("data-%d", i))})
	}
	// Large, but within a default NATS max_payload (1 MiB) with headers.
	recs = append(recs, stream.Record{Shard: shards(3)[0].ID, PartitionKey: "big", Data: bytes.Repeat([]byte("b"), 1000<<10)})
	seqs, err := s.Append(c, name, recs)
	if err != nil {
		t.Fatal(err)
	}
	// Increasing within each shard in the order given; across shards the
	// order is the backend's (as with Kinesis's PutRecords).
	last := map[string]uint64{}
	for i, r := range recs {
		if seqs[i] <= last[r.Shard] {
			t.Fatalf("%s: sequence numbers not increasing: %d then %d", r.Shard, last[r.Shard], seqs[i])
		}
		last[r.Shard] = seqs[i]
	}
	if tail, err := s.Tail(c, name); err != nil || tail != slices.Max(seqs) {
		t.Fatalf("tail %d %v, want %d", tail, err, slices.Max(seqs))
	}
	for sh := range 3 {
		id := shards(3)[sh].ID
		got, err := s.Read(c, name, id, 0, 10000)
		if err != nil {
			t.Fatal(err)
		}
		want := 300
		if sh == 0 {
			want = 301
		}
		if len(got) != want {
			t.Fatalf("shard %s: %d records, want %d", id, len(got), want)
		}
		for j, r := range got[:300] {
			i := j*3 + sh
			if r.Seq != seqs[i] || r.Shard != id || r.PartitionKey != recs[i].PartitionKey || !bytes.Equal(r.Data, recs[i].Data) || r.Arrival.IsZero() {
				t.Fatalf("shard %s record %d: %+v, want seq %d key %s", id, j, r, seqs[i], recs[i].PartitionKey)
			}
		}
	}
	// From the middle, with a limit.
	got, err := s.Read(c, name, shards(3)[1].ID, seqs[301], 5)
	if err != nil || len(got) != 5 || got[0].Seq != seqs[301] {
		t.Fatalf("read from the middle: %d records, first %+v, %v", len(got), got, err)
	}
	if got, err := s.Read(c, name, shards(3)[1].ID, slices.Max(seqs)+1, 10); err != nil || len(got) != 0 {
		t.Fatalf("read past the tail: %d %v", len(got), err)
	}
}

func sequentialReads(t *testing.T, s stream.Store) {
	c := ctx(t)
	name := create(t, s, 1, time.Hour)
	id := shards(1)[0].ID
	var all []uint64
	for n := range 25 { // twenty single records, then five batches
		recs := make([]stream.Record, 1+99*max(0, n-19))
		for i := range recs {
			recs[i] = stream.Record{Shard: id, PartitionKey: "k", Data: []byte{byte(i)}}
		}
		seqs, err := s.Append(c, name, recs)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, seqs...)
	}
	var seen []uint64
	short := false
	for next := uint64(0); ; {
		got, err := s.Read(c, name, id, next, 37)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 {
			break
		}
		// Fewer than asked for means the shard has no more now: a closed
		// shard's reader takes it for the shard's end.
		if short {
			t.Fatalf("a read after a short one found %d more records", len(got))
		}
		short = len(got) < 37
		for _, r := range got {
			seen = append(seen, r.Seq)
		}
		next = got[len(got)-1].Seq + 1
	}
	if fmt.Sprint(seen) != fmt.Sprint(all) {
		t.Fatalf("paged reads saw %d records, want %d exactly once in order", len(seen), len(all))
	}
}

// scan pages through every shard at once: each record once, in Seq
// order, with its shard, from any position.
func scan(t *testing.T, s stream.Store) {
	c := ctx(t)
	name := create(t, s, 3, time.Hour)
	want := map[uint64]stream.Record{}
	var all []uint64
	for n := range 12 { // single records, then batches across shards
		recs := make([]stream.Record, 1+49*max(0, n-8))
		for i := range recs {
			recs[i] = stream.Record{Shard: shards(3)[(n+i)%3].ID, PartitionKey: fmt.Sprintf("k%d-%d", n, i), Data: []byte(fmt.Sprintf("d%d-%d", n, i))}
		}
		seqs, err := s.Append(c, name, recs)
		if err != nil {
			t.Fatal(err)
		}
		for i, q := range seqs {
			want[q] = recs[i]
		}
		all = append(all, seqs...)
	}
	slices.Sort(all)
	var seen []uint64
	for next := uint64(0); ; {
		got, err := s.Scan(c, name, next, 23)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 {
			break
		}
		for _, r := range got {
			w := want[r.Seq]
			if r.Shard != w.Shard || r.PartitionKey != w.PartitionKey || !bytes.Equal(r.Data, w.Data) || r.Arrival.IsZero() {
				t.Fatalf("record %d: %+v, want %+v", r.Seq, r, w)
			}
			seen = append(seen, r.Seq)
		}
		next = got[len(got)-1].Seq + 1
	}
	if fmt.Sprint(seen) != fmt.Sprint(all) {
		t.Fatalf("paged scans saw %v, want %v: each record once, in order", seen, all)
	}
	// From inside a batch.
	got, err := s.Scan(c, name, all[len(all)-30], 10)
	if err != nil || len(got) != 10 || got[0].Seq != all[len(all)-30] {
		t.Fatalf("scan from the middle: %d records, %v", len(got), err)
	}
	if got, err := s.Scan(c, name, all[len(all)-1]+1, 10); err != nil || len(got) != 0 {
		t.Fatalf("scan past the tail: %d %v", len(got), err)
	}
}

func seqAt(t *testing.T, s stream.Store) {
	c := ctx(t)
	name := create(t, s, 1, time.Hour)
	id := shards(1)[0].ID
	if _, err := s.Append(c, name, []stream.Record{{Shard: id, PartitionKey: "a", Data: []byte("1")}}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond)
	mid := time.Now()
	time.Sleep(20 * time.Millisecond)
	seqs, err := s.Append(c, name, []stream.Record{{Shard: id, PartitionKey: "a", Data: []byte("2")}})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.SeqAt(c, name, mid); err != nil || got != seqs[0] {
		t.Fatalf("SeqAt(mid) = %d %v, want %d", got, err, seqs[0])
	}
	if got, err := s.SeqAt(c, name, time.Now().Add(time.Hour)); err != nil || got != seqs[0]+1 {
		t.Fatalf("SeqAt(future) = %d %v, want tail+1 = %d", got, err, seqs[0]+1)
	}
}

func consumer(t *testing.T, s stream.Store) {
	c := ctx(t)
	name := create(t, s, 2, time.Hour)
	recs := make([]stream.Record, 20)
	for i := range recs {
		recs[i] = stream.Record{Shard: shards(2)[i%2].ID, PartitionKey: "k", Data: []byte{byte(i)}}
	}
	seqs, err := s.Append(c, name, recs)
	if err != nil {
		t.Fatal(err)
	}
	// A consumer reads in stream order, which is sequence order, not
	// necessarily the order the records were given to Append in.
	seqs = slices.Sorted(slices.Values(seqs))
	cons, err := s.Consumer(c, name, "delivery")
	if err != nil {
		t.Fatal(err)
	}
	got, err := cons.Fetch(c, 10, time.Second)
	if err != nil || len(got) != 10 || got[0].Seq != seqs[0] || got[0].Shard != recs[0].Shard {
		t.Fatalf("fetch: %d records %v", len(got), err)
	}
	if err := cons.Ack(c, got[4]); err != nil {
		t.Fatal(err)
	}
	cons.Close()
	// Reopened (as after a crash), the consumer starts again right after
	// what was acknowledged: the fetched but unacknowledged come first.
	cons, err = s.Consumer(c, name, "delivery")
	if err != nil {
		t.Fatal(err)
	}
	got, err = cons.Fetch(c, 20, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var seen []uint64
	for _, r := range got {
		seen = append(seen, r.Seq)
	}
	if fmt.Sprint(seen) != fmt.Sprint(seqs[5:]) {
		t.Fatalf("reopened consumer delivered %v, want %v", seen, seqs[5:])
	}
	if err := cons.Ack(c, got[len(got)-1]); err != nil {
		t.Fatal(err)
	}
	cons.Close()
	cons, err = s.Consumer(c, name, "delivery")
	if err != nil {
		t.Fatal(err)
	}
	defer cons.Close()
	if got, err := cons.Fetch(c, 20, 200*time.Millisecond); err != nil || len(got) != 0 {
		t.Fatalf("all acknowledged, yet %d records came again (%v)", len(got), err)
	}
	if err := s.DeleteConsumer(c, name, "delivery"); err != nil {
		t.Fatal(err)
	}
}

func retention(t *testing.T, s stream.Store) {
	c := ctx(t)
	name := create(t, s, 1, time.Second)
	id := shards(1)[0].ID
	if _, err := s.Append(c, name, []stream.Record{{Shard: id, PartitionKey: "k", Data: []byte("old")}}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, err := s.Read(c, name, id, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("a record past retention is still there")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// notFound calls every method that takes a stream's name with names of no
// stream: one never made, one deleted, and one Create would refuse.
func notFound(t *testing.T, s stream.Store) {
	c := ctx(t)
	deleted := create(t, s, 1, time.Hour)
	if err := s.Delete(c, deleted); err != nil {
		t.Fatal(err)
	}
	id := shards(1)[0].ID
	for _, name := range []string{Name(t), deleted, "no such stream", ""} {
		t.Run(fmt.Sprintf("%q", name), func(t *testing.T) {
			calls := map[string]func() error{
				"Delete": func() error { return s.Delete(c, name) },
				"Info":   func() error { _, err := s.Info(c, name); return err },
				"UpdateInfo": func() error {
					_, err := s.UpdateInfo(c, name, func(*stream.Info) error { return nil })
					return err
				},
				"Append": func() error {
					_, err := s.Append(c, name, []stream.Record{{Shard: id, PartitionKey: "k", Data: []byte("x")}})
					return err
				},
				"AppendNothing":  func() error { _, err := s.Append(c, name, nil); return err },
				"Read":           func() error { _, err := s.Read(c, name, id, 0, 1); return err },
				"Scan":           func() error { _, err := s.Scan(c, name, 0, 1); return err },
				"Tail":           func() error { _, err := s.Tail(c, name); return err },
				"SeqAt":          func() error { _, err := s.SeqAt(c, name, time.Now()); return err },
				"Consumer":       func() error { _, err := s.Consumer(c, name, "x"); return err },
				"DeleteConsumer": func() error { return s.DeleteConsumer(c, name, "x") },
			}
			for op, call := range calls {
				if err := call(); !errors.Is(err, stream.ErrNotFound) {
					t.Errorf("%s: %v, want ErrNotFound", op, err)
				}
			}
		})
	}
}

// invalid pins what Create, UpdateInfo and Consumer refuse.
func invalid(t *testing.T, s stream.Store) {
	c := ctx(t)
	dup := shards(2)
	dup[1].ID = dup[0].ID
	bad := shards(1)
	bad[0].ID = "shard 0"
	for what, info := range map[string]stream.Info{
		"empty name":     {Shards: shards(1)},
		"space in name":  {Name: "a b", Shards: shards(1)},
		"> in name":      {Name: "a>", Shards: shards(1)},
		"~ in name":      {Name: "a~b", Shards: shards(1)},
		"long name":      {Name: string(bytes.Repeat([]byte("n"), 129)), Shards: shards(1)},
		"no shards":      {Name: Name(t)},
		"bad shard id":   {Name: Name(t), Shards: bad},
		"shard id twice": {Name: Name(t), Shards: dup},
	} {
		if err := s.Create(c, info); !errors.Is(err, stream.ErrInvalid) {
			s.Delete(c, info.Name)
			t.Errorf("create with %s: %v, want ErrInvalid", what, err)
		}
	}
	name := create(t, s, 2, time.Hour)
	for what, fn := range map[string]func(*stream.Info){
		"no shards":      func(i *stream.Info) { i.Shards = nil },
		"bad shard id":   func(i *stream.Info) { i.Shards[1].ID = "shard*1" },
		"shard id twice": func(i *stream.Info) { i.Shards[1].ID = i.Shards[0].ID },
	} {
		_, err := s.UpdateInfo(c, name, func(i *stream.Info) error { fn(i); return nil })
		if !errors.Is(err, stream.ErrInvalid) {
			t.Errorf("update to %s: %v, want ErrInvalid", what, err)
		}
	}
	info, err := s.Info(c, name)
	if err != nil || len(info.Shards) != 2 || info.Shards[1].ID != shards(2)[1].ID {
		t.Fatalf("refused updates stored: %+v %v", info, err)
	}
	// Name and Revision are the store's: an update cannot rename.
	// (A revision no store reaches: a real one may be any small number.)
	const bogus = 1 << 62
	got, err := s.UpdateInfo(c, name, func(i *stream.Info) error { i.Name, i.Revision = "renamed", bogus; return nil })
	if err != nil || got.Name != name || got.Revision == bogus {
		t.Fatalf("update renaming: %+v %v", got, err)
	}
	if info, err := s.Info(c, name); err != nil || info.Name != name {
		t.Fatalf("after an update renaming: %+v %v", info, err)
	}
	for _, consumer := range []string{"", "a b", "a*", "c>"} {
		if _, err := s.Consumer(c, name, consumer); !errors.Is(err, stream.ErrInvalid) {
			t.Errorf("consumer %q: %v, want ErrInvalid", consumer, err)
		}
	}
}

// noSuchShard pins that Append and Read refuse shards the Info does not
// list, following the shards as UpdateInfo changes them.
func noSuchShard(t *testing.T, s stream.Store) {
	c := ctx(t)
	name := create(t, s, 2, time.Hour)
	ids := shards(3)
	rec := func(shard string) stream.Record {
		return stream.Record{Shard: shard, PartitionKey: "k", Data: []byte("x")}
	}
	// A batch holding one unknown shard stores nothing.
	if _, err := s.Append(c, name, []stream.Record{rec(ids[0].ID), rec(ids[2].ID)}); !errors.Is(err, stream.ErrNoSuchShard) {
		t.Fatalf("append to an unknown shard: %v, want ErrNoSuchShard", err)
	}
	if tail, err := s.Tail(c, name); err != nil || tail != 0 {
		t.Fatalf("a refused append stored records: tail %d %v", tail, err)
	}
	if _, err := s.Read(c, name, ids[2].ID, 0, 10); !errors.Is(err, stream.ErrNoSuchShard) {
		t.Fatalf("read of an unknown shard: %v, want ErrNoSuchShard", err)
	}
	// A shard added is there at once; a shard removed is gone at once.
	if _, err := s.UpdateInfo(c, name, func(i *stream.Info) error { i.Shards = ids[1:]; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(c, name, []stream.Record{rec(ids[1].ID), rec(ids[2].ID)}); err != nil {
		t.Fatalf("append to an added shard: %v", err)
	}
	if got, err := s.Read(c, name, ids[2].ID, 0, 10); err != nil || len(got) != 1 {
		t.Fatalf("read of an added shard: %d records, %v", len(got), err)
	}
	if _, err := s.Append(c, name, []stream.Record{rec(ids[0].ID)}); !errors.Is(err, stream.ErrNoSuchShard) {
		t.Fatalf("append to a removed shard: %v, want ErrNoSuchShard", err)
	}
	if _, err := s.Read(c, name, ids[0].ID, 0, 10); !errors.Is(err, stream.ErrNoSuchShard) {
		t.Fatalf("read of a removed shard: %v, want ErrNoSuchShard", err)
	}
}

// consumerGone pins what a consumer's Fetch and Ack return once the
// consumer or its stream is deleted.
func consumerGone(t *testing.T, s stream.Store) {
	c := ctx(t)
	name := create(t, s, 1, time.Hour)
	id := shards(1)[0].ID
	recs := make([]stream.Record, 4)
	for i := range recs {
		recs[i] = stream.Record{Shard: id, PartitionKey: "k", Data: []byte{byte(i)}}
	}
	if _, err := s.Append(c, name, recs); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteConsumer(c, name, "nope"); !errors.Is(err, stream.ErrNoSuchConsumer) {
		t.Fatalf("delete an unknown consumer: %v, want ErrNoSuchConsumer", err)
	}
	// Acknowledging part of what one Append stored, then all of it.
	for _, gone := range []struct {
		what    string
		fetched int
		delete  func() error
		want    error
	}{
		{"consumer", 2, func() error { return s.DeleteConsumer(c, name, "gone") }, stream.ErrNoSuchConsumer},
		{"stream", 4, func() error { return s.Delete(c, name) }, stream.ErrNotFound},
	} {
		cons, err := s.Consumer(c, name, "gone")
		if err != nil {
			t.Fatal(err)
		}
		got, err := cons.Fetch(c, gone.fetched, time.Second)
		if err != nil || len(got) != gone.fetched {
			t.Fatalf("fetch: %d records, %v", len(got), err)
		}
		if err := gone.delete(); err != nil {
			t.Fatal(err)
		}
		if err := cons.Ack(c, got[len(got)-1]); !errors.Is(err, gone.want) {
			t.Errorf("ack after deleting the %s: %v, want %v", gone.what, err, gone.want)
		}
		// The records fetched before may come first.
		for range 3 {
			if _, err = cons.Fetch(c, 10, 100*time.Millisecond); err != nil {
				break
			}
		}
		if !errors.Is(err, gone.want) {
			t.Errorf("fetch after deleting the %s: %v, want %v", gone.what, err, gone.want)
		}
		cons.Close()
	}
	if err := s.DeleteConsumer(c, name, "gone"); !errors.Is(err, stream.ErrNotFound) {
		t.Fatalf("delete a consumer of a deleted stream: %v, want ErrNotFound", err)
	}
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
