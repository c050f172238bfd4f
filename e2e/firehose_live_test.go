package e2e

import (
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	kintypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// TestFirehoseLiveAndDelivered queries a delivered table and its
// delivery's pending records in one statement while records stream in and
// buffers are written (40 objects each, one per partition): every answer
// holds each record once, and every record acknowledged before the
// statement.
func TestFirehoseLiveAndDelivered(t *testing.T) {
	srv := startServer(t)
	cli := firehoseCLI(t, srv)
	cli.must(t, "s3", "mb", "s3://lake")
	cli.must(t, "glue", "create-database", "--database-input", `{"Name":"shop"}`)
	cli.must(t, "glue", "create-table", "--database-name", "shop", "--table-input", `{"Name":"orders",
		"StorageDescriptor":{"Location":"s3://lake/orders/","Columns":[{"Name":"id","Type":"bigint"},{"Name":"amount","Type":"double"}]},
		"PartitionKeys":[{"Name":"part","Type":"string"}],"Parameters":{"classification":"parquet"}}`)
	kc := kinClient(srv)
	kinCreate(t, kc, "orders", 2)
	cli.must(t, "firehose", "create-delivery-stream", "--delivery-stream-name", "orders-to-lake", "--delivery-stream-type", "KinesisStreamAsSource",
		"--kinesis-stream-source-configuration", `{"KinesisStreamARN":"arn:aws:kinesis:us-east-1:000000000000:stream/orders","RoleARN":"arn:aws:iam::000000000000:role/root"}`,
		"--extended-s3-destination-configuration", `{"RoleARN":"arn:aws:iam::000000000000:role/root","BucketARN":"arn:aws:s3:::lake","Prefix":"orders/part=!{partitionKeyFromQuery:part}/","ErrorOutputPrefix":"errors/",
		"BufferingHints":{"SizeInMBs":64,"IntervalInSeconds":1},"DynamicPartitioningConfiguration":{"Enabled":true},
		"ProcessingConfiguration":{"Enabled":true,"Processors":[{"Type":"MetadataExtraction","Parameters":[
			{"ParameterName":"MetadataExtractionQuery","ParameterValue":"{part: (.id % 40 | tostring)}"},{"ParameterName":"JsonParsingEngine","ParameterValue":"JQ-1.6"}]}]},
		"DataFormatConversionConfiguration":{"Enabled":true,"SchemaConfiguration":{"DatabaseName":"shop","TableName":"orders","RoleARN":"arn:aws:iam::000000000000:role/root"},
			"InputFormatConfiguration":{"Deserializer":{"OpenXJsonSerDe":{}}},"OutputFormatConfiguration":{"Serializer":{"ParquetSerDe":{}}}}}`)

	const both = `SELECT count(*), count(DISTINCT id) FROM (SELECT id FROM shop.orders UNION ALL SELECT id FROM pending."orders-to-lake")`
	var acked, sent atomic.Int64
	var stop atomic.Bool
	var wg sync.WaitGroup
	var next atomic.Int64
	for range 2 {
		wg.Go(func() {
			kc := kinClient(srv)
			for !stop.Load() {
				first := int(next.Add(200)) - 200
				var entries []kintypes.PutRecordsRequestEntry
				for i := first; i < first+200; i++ {
					entries = append(entries, kintypes.PutRecordsRequestEntry{Data: fmt.Appendf(nil, `{"id":%d,"amount":%d.5}`, i, i%100), PartitionKey: aws.String(fmt.Sprint(i))})
				}
				sent.Add(200)
				out, err := kc.PutRecords(ctx(t), &kinesis.PutRecordsInput{StreamName: aws.String("orders"), Records: entries})
				if err != nil || aws.ToInt32(out.FailedRecordCount) != 0 {
					t.Errorf("put records: %v", err)
					return
				}
				acked.Add(200)
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
	queries, inLake := 0, 0
	for start := time.Now(); time.Since(start) < 8*time.Second; queries++ {
		before := acked.Load()
		status, out := sqlHTTP(t, srv, rootID, rootSecret, both)
		after := sent.Load()
		rows, _ := json.Marshal(out["rows"])
		var got [][2]int64
		if status != 200 || json.Unmarshal(rows, &got) != nil || len(got) != 1 {
			t.Fatalf("query %d: %d %v", queries, status, out)
		}
		if n, distinct := got[0][0], got[0][1]; n != distinct || n < before || n > after {
			t.Fatalf("query %d: %d records, %d distinct; %d acknowledged before it, %d sent by its end", queries, n, distinct, before, after)
		}
		status, out = sqlHTTP(t, srv, rootID, rootSecret, "SELECT count(*) FROM shop.orders")
		if rows, _ := json.Marshal(out["rows"]); status == 200 {
			fmt.Sscanf(string(rows), "[[%d]]", &inLake)
		}
	}
	stop.Store(true)
	wg.Wait()
	if inLake == 0 {
		t.Fatalf("no buffer was delivered during %d queries: the test saw no delivery", queries)
	}
	total := acked.Load()
	waitFor(t, srv, "every record delivered", func() bool {
		status, out := sqlHTTP(t, srv, rootID, rootSecret, `SELECT (SELECT count(*) FROM shop.orders), (SELECT count(*) FROM pending."orders-to-lake")`)
		rows, _ := json.Marshal(out["rows"])
		return status == 200 && string(rows) == fmt.Sprintf("[[%d,0]]", total)
	})
	t.Logf("%d queries of the table and its pending records while %d records streamed in; %d in the lake at the last", queries, total, inLake)
}
