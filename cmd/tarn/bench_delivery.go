package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/tarnlake/tarn/internal/catalog"
	"github.com/tarnlake/tarn/internal/delivery/convert"
)

// benchRecord is a 200-byte JSON record of 5 columns.
func benchRecord(i int) []byte {
	return fmt.Appendf(nil, `{"id":%d,"user":"user-%06d","action":"%s","value":%d.25,"at":"2026-12-06 10:%02d:%02d.123","note":"%s"}`,
		i, i%100000, []string{"view", "click", "buy", "share"}[i%4], i%10000, i/60%60, i%60, "padding-to-two-hundred-bytes-of-json-record-xx")
}

var benchColumns = []catalog.Column{{Name: "id", Type: "bigint"}, {Name: "user", Type: "string"}, {Name: "action", Type: "string"},
	{Name: "value", Type: "double"}, {Name: "at", Type: "timestamp"}}

func benchDelivery(ctx context.Context, o benchOptions) error {
	t, stop, err := benchClient(ctx, &o)
	if err != nil {
		return err
	}
	defer stop()
	if t.pid == 0 {
		return fmt.Errorf("bench delivery starts its own server (no --endpoint): it reads the delivered table over its PostgreSQL port")
	}
	pc, err := t.pgConn(ctx)
	if err != nil {
		return err
	}
	defer pc.Close(ctx)
	sc := s3.NewFromConfig(t.cfg, func(so *s3.Options) { so.UsePathStyle, so.HTTPClient = true, t.http })
	gc := newJSONClient(t.cfg, t.http, "AWSGlue", "glue")
	fc := newJSONClient(t.cfg, t.http, "Firehose_20150804", "firehose")
	kc := kinesis.NewFromConfig(t.cfg, func(ko *kinesis.Options) { ko.HTTPClient = t.http })
	if _, err := sc.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bench-lake")}); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	if err := gc.Call(ctx, "CreateDatabase", map[string]any{"DatabaseInput": map[string]string{"Name": "bench"}}, nil); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	const role = "arn:aws:iam::000000000000:role/root"
	table := func(name string) error {
		var cols []map[string]string
		for _, c := range benchColumns {
			cols = append(cols, map[string]string{"Name": c.Name, "Type": c.Type})
		}
		return gc.Call(ctx, "CreateTable", map[string]any{"DatabaseName": "bench", "TableInput": map[string]any{"Name": name,
			"StorageDescriptor": map[string]any{"Location": "s3://bench-lake/" + name + "/", "Columns": cols},
			"Parameters":        map[string]string{"classification": "parquet"}}}, nil)
	}
	deliveryTo := func(name, src string, sizeMB, interval int) error {
		in := map[string]any{"DeliveryStreamName": name, "ExtendedS3DestinationConfiguration": map[string]any{
			"RoleARN": role, "BucketARN": "arn:aws:s3:::bench-lake", "Prefix": name + "/", "ErrorOutputPrefix": "errors/" + name + "/",
			"BufferingHints": map[string]int{"SizeInMBs": sizeMB, "IntervalInSeconds": interval},
			"DataFormatConversionConfiguration": map[string]any{
				"SchemaConfiguration":       map[string]string{"DatabaseName": "bench", "TableName": name, "RoleARN": role},
				"InputFormatConfiguration":  map[string]any{"Deserializer": map[string]any{"OpenXJsonSerDe": map[string]any{}}},
				"OutputFormatConfiguration": map[string]any{"Serializer": map[string]any{"ParquetSerDe": map[string]string{"Compression": "ZSTD"}}},
			}}}
		if src != "" {
			in["DeliveryStreamType"] = "KinesisStreamAsSource"
			in["KinesisStreamSourceConfiguration"] = map[string]string{"KinesisStreamARN": "arn:aws:kinesis:us-east-1:000000000000:stream/" + src, "RoleARN": role}
		}
		return fc.Call(ctx, "CreateDeliveryStream", in, nil)
	}
	count := func(q string) (int64, error) {
		var n int64
		err := pc.QueryRow(ctx, q).Scan(&n)
		return n, err
	}

	// Stream → Parquet, end to end, vs the same records converted in
	// this process.
	through := &figure{name: "stream→Parquet", unit: "rec/s"}
	for run := 1; run <= o.runs; run++ {
		name := fmt.Sprintf("s%d", run)
		if err := table(name); err != nil {
			return err
		}
		if _, err := kc.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(name), ShardCount: aws.Int32(2)}); err != nil {
			return err
		}
		// The records are in the stream first: what is timed is the
		// delivery, not the producers.
		n := o.records - o.records%2000
		var next atomic.Int64
		if err := parallel(4, func(int) error {
			entries := make([]types.PutRecordsRequestEntry, 500)
			for first := int(next.Add(500)) - 500; first < n; first = int(next.Add(500)) - 500 {
				for i := range entries {
					entries[i] = types.PutRecordsRequestEntry{Data: benchRecord(first + i), PartitionKey: aws.String(fmt.Sprint(first + i))}
				}
				if _, err := kc.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String(name), Records: entries}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return err
		}
		start := time.Now()
		if err := deliveryTo(name, name, 128, 0); err != nil {
			return err
		}
		for {
			got, err := count(fmt.Sprintf("SELECT count(*) FROM bench.%s", name))
			if err == nil && got >= int64(n) {
				break
			}
			if time.Since(start) > 5*time.Minute {
				return fmt.Errorf("bench: %d of %d records delivered (%v)", got, n, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
		got := float64(n) / time.Since(start).Seconds()
		ref, err := refConvert(n)
		if err != nil {
			return err
		}
		through.add(got, ref)
		fmt.Printf("run %d/%d: %d records in a stream → delivery → Parquet → queryable %.0f rec/s; converted in-process %.0f rec/s\n", run, o.runs, n, got, ref)
	}

	// PutRecord acknowledged → visible in a query of the delivered table.
	if err := table("lat"); err != nil {
		return err
	}
	if err := deliveryTo("lat", "", 64, 1); err != nil {
		return err
	}
	var lat []float64
	for i := range 30 {
		id := 1_000_000_000 + i
		start := time.Now()
		if err := fc.Call(ctx, "PutRecord", map[string]any{"DeliveryStreamName": "lat", "Record": map[string][]byte{"Data": benchRecord(id)}}, nil); err != nil {
			return err
		}
		for {
			n, err := count(fmt.Sprintf("SELECT count(*) FROM bench.lat WHERE id = %d", id))
			if err == nil && n == 1 {
				break
			}
			if time.Since(start) > time.Minute {
				return fmt.Errorf("bench: record %d not visible after a minute (%v)", id, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
		lat = append(lat, time.Since(start).Seconds())
	}
	sort.Float64s(lat)
	fmt.Println("medians:")
	fmt.Println(" ", through)
	fmt.Printf("  PutRecord → visible in SQL (IntervalInSeconds=1): p50 %.2f s, p99 %.2f s\n", lat[len(lat)/2], lat[len(lat)*99/100])
	fmt.Printf("  RSS of tarn serve after the run: %.1f MiB\n", rssMiB(t.pid))
	return nil
}

// refConvert converts n records to Parquet (zstd) in this process with
// the delivery's own converter: records per second.
func refConvert(n int) (float64, error) {
	w, err := convert.NewWriter(io.Discard, convert.Options{Columns: benchColumns, SerDe: convert.SerDe{OpenX: true, CaseInsensitive: true}, Compression: convert.Zstd})
	if err != nil {
		return 0, err
	}
	recs := make([][]byte, 1000)
	for i := range recs {
		recs[i] = benchRecord(i)
	}
	start := time.Now()
	for i := range n {
		if err := w.Write(recs[i%len(recs)]); err != nil {
			return 0, err
		}
	}
	if err := w.Close(); err != nil {
		return 0, err
	}
	return float64(n) / time.Since(start).Seconds(), nil
}
