package memstream

import (
	"context"
	"testing"
	"time"

	"github.com/tarnlake/tarn/internal/stream"
	"github.com/tarnlake/tarn/internal/stream/streamtest"
)

func TestConformance(t *testing.T) {
	streamtest.Run(t, func(t *testing.T) stream.Store { return New() })
}

// A record appended to a shard after it closed (beyond EndSeq) is never
// read, neither by Read nor by consumers.
func TestClosedShardHidesLateRecords(t *testing.T) {
	ctx := context.Background()
	s := New()
	sh := []stream.Shard{{ID: "a", StartSeq: 1}, {ID: "b", StartSeq: 1}}
	if err := s.Create(ctx, stream.Info{Name: "s", Shards: sh}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(ctx, "s", []stream.Record{{Shard: "a", Data: []byte("1")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateInfo(ctx, "s", func(i *stream.Info) error { i.Shards[0].EndSeq = 1; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(ctx, "s", []stream.Record{{Shard: "a", Data: []byte("late")}, {Shard: "b", Data: []byte("ok")}}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Read(ctx, "s", "a", 0, 10)
	if err != nil || len(got) != 1 || got[0].Seq != 1 {
		t.Fatalf("read closed shard: %+v %v", got, err)
	}
	c, err := s.Consumer(ctx, "s", "c")
	if err != nil {
		t.Fatal(err)
	}
	got, err = c.Fetch(ctx, 10, 10*time.Millisecond)
	if err != nil || len(got) != 2 || string(got[1].Data) != "ok" {
		t.Fatalf("consumer: %+v %v", got, err)
	}
}

// After Close every call fails; the errors the seam names are pinned by
// the conformance suite.
func TestClosed(t *testing.T) {
	ctx := context.Background()
	s := New()
	if err := s.Create(ctx, stream.Info{Name: "s", Shards: []stream.Shard{{ID: "a", StartSeq: 1}}}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := s.Info(ctx, "s"); err == nil {
		t.Fatal("info after close")
	}
}
