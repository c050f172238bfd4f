package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// TestFirehoseBadInput: invalid configurations get Firehose's errors, a
// key without write on a bucket cannot deliver into it, and malformed
// records among good ones go to the error prefix while every good one
// lands.
func TestFirehoseBadInput(t *testing.T) {
	srv := startServer(t)
	cli := firehoseCLI(t, srv)
	cli.must(t, "s3", "mb", "s3://lake")
	cli.must(t, "glue", "create-database", "--database-input", `{"Name":"analytics"}`)
	cli.must(t, "glue", "create-table", "--database-name", "analytics", "--table-input",
		`{"Name":"events","StorageDescriptor":{"Location":"s3://lake/events/","Columns":[{"Name":"id","Type":"bigint"},{"Name":"name","Type":"string"}]},"Parameters":{"classification":"parquet"}}`)
	dest := func(extra string) string {
		return `{"RoleARN":"arn:aws:iam::000000000000:role/root","BucketARN":"arn:aws:s3:::lake"` + extra + `}`
	}
	conversion := func(table, serializer string) string {
		return `,"BufferingHints":{"SizeInMBs":64,"IntervalInSeconds":1},"DataFormatConversionConfiguration":{"SchemaConfiguration":{"DatabaseName":"analytics","TableName":"` + table +
			`"},"InputFormatConfiguration":{"Deserializer":{"OpenXJsonSerDe":{}}},"OutputFormatConfiguration":{"Serializer":{` + serializer + `}}}`
	}
	for name, cfg := range map[string]string{
		"size zero":                    dest(`,"BufferingHints":{"SizeInMBs":0,"IntervalInSeconds":60}`),
		"unknown table":                dest(conversion("nope", `"ParquetSerDe":{}`)),
		"orc":                          dest(conversion("events", `"OrcSerDe":{}`)),
		"error type in prefix":         dest(`,"Prefix":"x/!{firehose:error-output-type}/","ErrorOutputPrefix":"e/!{firehose:error-output-type}/"`),
		"expressions, no error prefix": dest(`,"Prefix":"x/!{timestamp:yyyy}/"`),
		"no bucket":                    `{"RoleARN":"arn:aws:iam::000000000000:role/root","BucketARN":"arn:aws:s3:::nowhere"}`,
		"no role":                      `{"RoleARN":"arn:aws:iam::000000000000:role/ghost","BucketARN":"arn:aws:s3:::lake"}`,
	} {
		t.Run(name, func(t *testing.T) {
			cli.fails(t, "InvalidArgumentException", "firehose", "create-delivery-stream", "--delivery-stream-name", "bad",
				"--extended-s3-destination-configuration", cfg)
		})
	}
	id, secret := addKey(t, srv, "writer", "--write", "firehose:*")
	cli.as(id, secret).fails(t, "AccessDeniedException", "firehose", "create-delivery-stream", "--delivery-stream-name", "sneaky",
		"--extended-s3-destination-configuration", dest(""))

	cli.must(t, "firehose", "create-delivery-stream", "--delivery-stream-name", "events", "--extended-s3-destination-configuration",
		dest(`,"Prefix":"events/!{timestamp:'x'}","ErrorOutputPrefix":"errors/!{firehose:error-output-type}/"`+conversion("events", `"ParquetSerDe":{}`)))
	// The scale: 1,000 malformed among 100,000 good, put 500 a
	// call by four aws CLI processes at once.
	const good, bad = 100000, 1000
	batches := make(chan []string)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for recs := range batches {
				if _, stderr, err := cli.run(t, nil, "firehose", "put-record-batch", "--delivery-stream-name", "events", "--cli-binary-format", "raw-in-base64-out",
					"--records", "["+strings.Join(recs, ",")+"]"); err != nil {
					t.Errorf("put-record-batch: %v %s", err, stderr)
				}
			}
		})
	}
	var recs []string
	for i := range good + bad {
		body := fmt.Sprintf(`{"id":%d,"name":"n%d"}`, i, i)
		if i%((good+bad)/bad) == 0 {
			body = []string{`not json`, `{"id":"x"}`, ``, `{"id":1`}[i/((good+bad)/bad)%4]
		}
		data, _ := json.Marshal(body)
		recs = append(recs, `{"Data":`+string(data)+`}`)
		if len(recs) == 500 || i == good+bad-1 {
			batches <- recs
			recs = nil
		}
	}
	close(batches)
	wg.Wait()
	last := ""
	waitFor(t, srv, "every good record queryable", func() bool {
		status, out := sqlHTTP(t, srv, rootID, rootSecret, "SELECT count(*), count(DISTINCT id) FROM analytics.events")
		rows, _ := json.Marshal(out["rows"])
		if now := fmt.Sprintf("%d %s", status, rows); now != last {
			last = now
			t.Logf("%s: %s", time.Now().Format("15:04:05.000"), now) // what the wait saw, should it end
		}
		return status == 200 && string(rows) == fmt.Sprintf("[[%d,%d]]", good, good)
	})
	failed := 0
	for _, key := range listKeys(t, srv, "lake", "errors/format-conversion-failed/") {
		o, err := srv.root().GetObject(ctx(t), &s3.GetObjectInput{Bucket: aws.String("lake"), Key: aws.String(key)})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(o.Body)
		o.Body.Close()
		failed += strings.Count(string(b), `"lastErrorCode":"DataFormatConversion.`)
	}
	if failed != bad {
		t.Fatalf("%d error records, want %d", failed, bad)
	}
}
