package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// benchStreams measures PutRecords and GetRecords through tarn against raw
// JetStream doing the same work in this process, and put-to-read latency.
func benchStreams(ctx context.Context, o benchOptions) error {
	c, stop, err := benchClient(ctx, &o)
	if err != nil {
		return err
	}
	defer stop()
	kc := kinesis.NewFromConfig(c.cfg, func(ko *kinesis.Options) { ko.HTTPClient = c.http })
	const producers, batch = 4, 500
	total := o.records - o.records%(producers*batch)
	data := bytes.Repeat([]byte("x"), 100)
	put := &figure{name: "PutRecords (SDK)", unit: "rec/s"}
	leanPut := &figure{name: "PutRecords (lean)", unit: "rec/s"}
	get := &figure{name: "GetRecords (SDK)", unit: "rec/s"}
	lean := &figure{name: "GetRecords (count)", unit: "rec/s"}
	for run := 1; run <= o.runs; run++ {
		refPut, refGet, err := rawJetStream(ctx, filepath.Join(o.dir, fmt.Sprintf("raw-%d", run)), data, total, producers, batch)
		if err != nil {
			return fmt.Errorf("bench reference: %w", err)
		}
		name := fmt.Sprintf("bench-%d-%d", time.Now().UnixNano(), run)
		if _, err := kc.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: &name, ShardCount: aws.Int32(1)}); err != nil {
			return fmt.Errorf("bench: %w", err)
		}
		start := time.Now()
		err = parallel(producers, func(int) error {
			entries := make([]types.PutRecordsRequestEntry, batch)
			for i := range entries {
				entries[i] = types.PutRecordsRequestEntry{Data: data, PartitionKey: aws.String(fmt.Sprint(i))}
			}
			for range total / producers / batch {
				out, err := kc.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: &name, Records: entries})
				if err != nil {
					return err
				}
				if aws.ToInt32(out.FailedRecordCount) > 0 {
					return fmt.Errorf("%d records failed", aws.ToInt32(out.FailedRecordCount))
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("bench PutRecords: %w", err)
		}
		put.add(float64(total)/time.Since(start).Seconds(), refPut)

		leanName := name + "-lean"
		if _, err := kc.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: &leanName, ShardCount: aws.Int32(1)}); err != nil {
			return fmt.Errorf("bench: %w", err)
		}
		start = time.Now()
		if err := leanPutRecords(ctx, c, leanName, data, total, producers, batch); err != nil {
			return fmt.Errorf("bench PutRecords: %w", err)
		}
		leanPut.add(float64(total)/time.Since(start).Seconds(), refPut)
		kc.DeleteStream(ctx, &kinesis.DeleteStreamInput{StreamName: &leanName})

		start = time.Now()
		n, err := readAll(ctx, kc, name)
		if err != nil {
			return fmt.Errorf("bench GetRecords: %w", err)
		}
		if n != total {
			return fmt.Errorf("bench GetRecords: read %d records, put %d", n, total)
		}
		get.add(float64(n)/time.Since(start).Seconds(), refGet)

		start = time.Now()
		if n, err = leanGetRecords(ctx, c, name); err != nil || n != total {
			return fmt.Errorf("bench GetRecords: read %d records of %d: %v", n, total, err)
		}
		lean.add(float64(n)/time.Since(start).Seconds(), refGet)
		kc.DeleteStream(ctx, &kinesis.DeleteStreamInput{StreamName: &name})
		fmt.Printf("run %d/%d: PutRecords %.0f rec/s with the SDK, %.0f lean (raw %.0f), GetRecords %.0f rec/s with the SDK, %.0f counted (raw %.0f)\n",
			run, o.runs, put.got[run-1], leanPut.got[run-1], refPut, get.got[run-1], lean.got[run-1], refGet)
	}
	p50, p99, err := putReadLatency(ctx, kc, 300)
	if err != nil {
		return fmt.Errorf("bench latency: %w", err)
	}
	fmt.Println("medians:")
	fmt.Println(" ", put)
	fmt.Println(" ", leanPut)
	fmt.Println(" ", get)
	fmt.Println(" ", lean)
	fmt.Printf("  put→GetRecords latency p50 %.2f ms, p99 %.2f ms (reader polling without pause)\n", p50, p99)
	if c.pid != 0 {
		fmt.Printf("  RSS of tarn serve after the run: %.1f MiB\n", rssMiB(c.pid))
	}
	return nil
}

// readAll reads every record of a one-shard stream from its start.
func readAll(ctx context.Context, kc *kinesis.Client, name string) (int, error) {
	it, err := kc.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: &name,
		ShardId: aws.String("shardId-000000000000"), ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
	if err != nil {
		return 0, err
	}
	n, iter := 0, it.ShardIterator
	for {
		out, err := kc.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: iter, Limit: aws.Int32(10000)})
		if err != nil {
			return n, err
		}
		n += len(out.Records)
		if len(out.Records) == 0 {
			return n, nil
		}
		iter = out.NextShardIterator
	}
}

// putReadLatency times single PutRecord calls until a reader sees them.
func putReadLatency(ctx context.Context, kc *kinesis.Client, samples int) (p50, p99 float64, err error) {
	name := fmt.Sprintf("bench-latency-%d", time.Now().UnixNano())
	if _, err := kc.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: &name, ShardCount: aws.Int32(1)}); err != nil {
		return 0, 0, err
	}
	defer kc.DeleteStream(ctx, &kinesis.DeleteStreamInput{StreamName: &name})
	it, err := kc.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: &name,
		ShardId: aws.String("shardId-000000000000"), ShardIteratorType: types.ShardIteratorTypeLatest})
	if err != nil {
		return 0, 0, err
	}
	iter := it.ShardIterator
	var lat []float64
	for range samples {
		start := time.Now()
		if _, err := kc.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: &name, Data: []byte("ping"), PartitionKey: aws.String("k")}); err != nil {
			return 0, 0, err
		}
		for {
			out, err := kc.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: iter})
			if err != nil {
				return 0, 0, err
			}
			iter = out.NextShardIterator
			if len(out.Records) > 0 {
				break
			}
		}
		lat = append(lat, float64(time.Since(start).Microseconds())/1000)
	}
	sort.Float64s(lat)
	return lat[len(lat)/2], lat[len(lat)*99/100], nil
}

// rawJetStream is the reference: the same records published asynchronously
// to an in-process JetStream (file store, one replica) in batches, then read
// with a pull consumer.
func rawJetStream(ctx context.Context, dir string, data []byte, total, producers, batch int) (putRate, getRate float64, err error) {
	srv, err := server.NewServer(&server.Options{JetStream: true, StoreDir: dir, DontListen: true, NoSigs: true, NoLog: true})
	if err != nil {
		return 0, 0, err
	}
	srv.Start()
	defer func() { srv.Shutdown(); srv.WaitForShutdown(); os.RemoveAll(dir) }()
	if !srv.ReadyForConnections(10 * time.Second) {
		return 0, 0, fmt.Errorf("reference nats did not start")
	}
	nc, err := nats.Connect("", nats.InProcessServer(srv))
	if err != nil {
		return 0, 0, err
	}
	defer nc.Close()
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(4096))
	if err != nil {
		return 0, 0, err
	}
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "RAW", Subjects: []string{"raw.>"}, Storage: jetstream.FileStorage}); err != nil {
		return 0, 0, err
	}
	start := time.Now()
	err = parallel(producers, func(int) error {
		for range total / producers / batch {
			fs := make([]jetstream.PubAckFuture, batch)
			for i := range fs {
				if fs[i], err = js.PublishAsync("raw.shard-0", data); err != nil {
					return err
				}
			}
			for _, f := range fs {
				select {
				case <-f.Ok():
				case err := <-f.Err():
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	putRate = float64(total) / time.Since(start).Seconds()
	cons, err := js.CreateConsumer(ctx, "RAW", jetstream.ConsumerConfig{AckPolicy: jetstream.AckNonePolicy, FilterSubject: "raw.shard-0"})
	if err != nil {
		return 0, 0, err
	}
	start = time.Now()
	for n := 0; n < total; {
		b, err := cons.Fetch(10000, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			return 0, 0, err
		}
		for range b.Messages() {
			n++
		}
	}
	return putRate, float64(total) / time.Since(start).Seconds(), nil
}

func parallel(n int, fn func(int) error) error {
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = fn(i) }()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
