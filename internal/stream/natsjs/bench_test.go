package natsjs

import (
	"bytes"
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/tarnlake/tarn/internal/stream"
)

// BenchmarkRead reads 100,000 100-byte records of one shard, 10,000 a call,
// as GetRecords does.
func BenchmarkRead(b *testing.B) {
	ctx := context.Background()
	s, sh, recs := benchStream(b)
	const total = 100000
	for range total / len(recs) {
		if _, err := s.Append(ctx, "bench", recs); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		n := 0
		for next := uint64(1); n < total; {
			got, err := s.Read(ctx, "bench", sh[0].ID, next, 10000)
			if err != nil {
				b.Fatal(err)
			}
			n += len(got)
			next = got[len(got)-1].Seq + 1
		}
	}
	b.ReportMetric(float64(total*b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkReadRaw is BenchmarkRead's reference: a JetStream pull consumer
// fetching the same records, one message each, 10,000 at a time, doing
// nothing with them.
func BenchmarkReadRaw(b *testing.B) {
	ctx := context.Background()
	s, sh, recs := benchStream(b)
	const total = 100000
	for range total / len(recs) {
		fs := make([]jetstream.PubAckFuture, len(recs))
		for i, r := range recs {
			f, err := s.js.PublishAsync(subject("bench", r.Shard), encodeBatch([]stream.Record{r}))
			if err != nil {
				b.Fatal(err)
			}
			fs[i] = f
		}
		for _, f := range fs {
			select {
			case <-f.Ok():
			case err := <-f.Err():
				b.Fatal(err)
			}
		}
	}
	b.ResetTimer()
	for b.Loop() {
		cons, err := s.js.CreateConsumer(ctx, jsName("bench"), jetstream.ConsumerConfig{AckPolicy: jetstream.AckNonePolicy, FilterSubject: subject("bench", sh[0].ID)})
		if err != nil {
			b.Fatal(err)
		}
		for n := 0; n < total; {
			batch, err := cons.Fetch(10000, jetstream.FetchMaxWait(time.Second))
			if err != nil {
				b.Fatal(err)
			}
			for range batch.Messages() {
				n++
			}
		}
	}
	b.ReportMetric(float64(total*b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkAppend appends 100,000 100-byte records in batches of 500 from
// four goroutines, durable (group-committed fsync); BenchmarkAppendRaw is
// its reference, the same publishes without tarn's fsync.
func BenchmarkAppend(b *testing.B)    { benchAppend(b, false) }
func BenchmarkAppendRaw(b *testing.B) { benchAppend(b, true) }

func benchAppend(b *testing.B, raw bool) {
	ctx := context.Background()
	s, _, recs := benchStream(b)
	const total, workers = 100000, 4
	b.ResetTimer()
	for b.Loop() {
		done := make(chan error, workers)
		for range workers {
			go func() {
				for range total / workers / len(recs) {
					if raw {
						fs := make([]jetstream.PubAckFuture, len(recs))
						for i, r := range recs {
							f, err := s.js.PublishAsync(subject("bench", r.Shard), encodeBatch([]stream.Record{r}))
							fs[i] = f
							if err != nil {
								done <- err
								return
							}
						}
						for _, f := range fs {
							select {
							case <-f.Ok():
							case err := <-f.Err():
								done <- err
								return
							}
						}
						continue
					}
					if _, err := s.Append(ctx, "bench", recs); err != nil {
						done <- err
						return
					}
				}
				done <- nil
			}()
		}
		for range workers {
			if err := <-done; err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(total*b.N)/b.Elapsed().Seconds(), "records/s")
}

// benchStream opens an embedded store with a one-shard stream "bench" and
// returns a batch of 500 100-byte records for it.
func benchStream(b *testing.B) (*Store, []stream.Shard, []stream.Record) {
	ctx := context.Background()
	s, err := Open(ctx, slog.New(slog.DiscardHandler), Options{StoreDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	sh := []stream.Shard{{ID: "shardId-000000000000", HashStart: "0", HashEnd: "1", StartSeq: 1}}
	if err := s.Create(ctx, stream.Info{Name: "bench", Retention: time.Hour, Shards: sh}); err != nil {
		b.Fatal(err)
	}
	recs := make([]stream.Record, 500)
	for i := range recs {
		recs[i] = stream.Record{Shard: sh[0].ID, PartitionKey: "k", Data: bytes.Repeat([]byte("x"), 100)}
	}
	return s, sh, recs
}
