package e2e

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	kintypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// firehoseCLI is the aws CLI with parameter validation off: its bundled
// models refuse buffering intervals under 60 s, which the service takes.
func firehoseCLI(t *testing.T, srv *server) *awsCLI {
	cli := newAWSCLI(t, awsCLIPath(t), srv)
	for i, kv := range cli.env {
		if conf, ok := strings.CutPrefix(kv, "AWS_CONFIG_FILE="); ok {
			if err := os.WriteFile(conf, []byte("[default]\nparameter_validation = false\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			cli.env[i] = kv
		}
	}
	return cli
}

// objectName is Firehose's: <prefix><stream>-<version>-<yyyy-MM-dd-HH-mm-ss>-<uuid><ext>.
var objectName = regexp.MustCompile(`^(.*)direct-1-\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.gz$`)

// TestFirehoseDirectPut: a DirectPut delivery with GZIP and the default
// prefix, driven by the aws CLI: every record put lands once, in objects
// named as Firehose names them.
func TestFirehoseDirectPut(t *testing.T) {
	srv := startServer(t)
	cli := firehoseCLI(t, srv)
	cli.must(t, "s3", "mb", "s3://lake")
	cli.must(t, "firehose", "create-delivery-stream", "--delivery-stream-name", "direct", "--extended-s3-destination-configuration",
		`{"RoleARN":"arn:aws:iam::000000000000:role/root","BucketARN":"arn:aws:s3:::lake","CompressionFormat":"GZIP","BufferingHints":{"SizeInMBs":1,"IntervalInSeconds":1}}`)
	var d struct {
		DeliveryStreamDescription struct {
			DeliveryStreamStatus, VersionId, DeliveryStreamARN string
		}
	}
	cli.json(t, &d, "firehose", "describe-delivery-stream", "--delivery-stream-name", "direct")
	if d.DeliveryStreamDescription.DeliveryStreamStatus != "ACTIVE" || d.DeliveryStreamDescription.VersionId != "1" {
		t.Fatalf("describe: %+v", d)
	}
	status := exec.Command(tarnBin, "delivery", "status", "--endpoint", srv.URL())
	status.Env = append(os.Environ(), "TARN_ACCESS_KEY_ID="+rootID, "TARN_SECRET_ACCESS_KEY="+rootSecret)
	if out, err := status.CombinedOutput(); err != nil || !strings.Contains(string(out), "direct\tACTIVE\tversion 1\tfrom direct PUTs\tto s3://lake/") {
		t.Errorf("tarn delivery status: %v\n%s", err, out)
	}
	var want []string
	for i := range 20 {
		var recs []string
		for j := range 25 {
			id := fmt.Sprintf("r%03d-%02d", i, j)
			want = append(want, id)
			recs = append(recs, fmt.Sprintf(`{"Data":%q}`, `{"id":"`+id+`"}`+"\n"))
		}
		var out struct{ FailedPutCount int }
		cli.json(t, &out, "firehose", "put-record-batch", "--delivery-stream-name", "direct", "--cli-binary-format", "raw-in-base64-out",
			"--records", "["+strings.Join(recs, ",")+"]")
		if out.FailedPutCount != 0 {
			t.Fatalf("put-record-batch: %+v", out)
		}
	}
	got := map[string]int{}
	waitFor(t, srv, "every record delivered", func() bool {
		clear(got)
		for _, key := range listKeys(t, srv, "lake", "") {
			m := objectName.FindStringSubmatch(key)
			if m == nil {
				t.Fatalf("object %s is not named as Firehose names them", key)
			}
			if now := time.Now().UTC(); m[1] != now.Format("2006/01/02/15/") && m[1] != now.Add(-time.Hour).Format("2006/01/02/15/") {
				t.Fatalf("object %s: prefix %q is not the default yyyy/MM/dd/HH/", key, m[1])
			}
			o, err := srv.root().GetObject(ctx(t), &s3.GetObjectInput{Bucket: aws.String("lake"), Key: aws.String(key)})
			if err != nil {
				t.Fatal(err)
			}
			zr, err := gzip.NewReader(o.Body)
			if err != nil {
				t.Fatalf("%s is not gzip: %v", key, err)
			}
			b, _ := io.ReadAll(zr)
			o.Body.Close()
			for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
				var r struct{ ID string }
				json.Unmarshal([]byte(line), &r)
				got[r.ID]++
			}
		}
		return len(got) == len(want)
	})
	for _, id := range want {
		if got[id] != 1 {
			t.Errorf("record %s delivered %d times", id, got[id])
		}
	}
}

// TestFirehoseKinesisToParquet: a delivery from a Kinesis stream (made
// through the Kinesis API) to the lake, JSON converted to Parquet by a
// catalog table, partitioned by a jq-extracted field and the day; the
// partitions are in the catalog at once, and SQL counts every record once.
func TestFirehoseKinesisToParquet(t *testing.T) {
	srv := startServer(t)
	cli := firehoseCLI(t, srv)
	cli.must(t, "s3", "mb", "s3://lake")
	cli.must(t, "glue", "create-database", "--database-input", `{"Name":"analytics"}`)
	cli.must(t, "glue", "create-table", "--database-name", "analytics", "--table-input", `{"Name":"clicks",
		"StorageDescriptor":{"Location":"s3://lake/clicks/","Columns":[{"Name":"id","Type":"bigint"},{"Name":"user","Type":"string"},{"Name":"amount","Type":"double"}],
		"InputFormat":"org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat","OutputFormat":"org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
		"SerdeInfo":{"SerializationLibrary":"org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"}},
		"PartitionKeys":[{"Name":"action","Type":"string"},{"Name":"day","Type":"string"}],"Parameters":{"classification":"parquet"}}`)
	kc := kinClient(srv)
	kinCreate(t, kc, "clicks", 2)
	cli.must(t, "firehose", "create-delivery-stream", "--delivery-stream-name", "clicks-to-lake", "--delivery-stream-type", "KinesisStreamAsSource",
		"--kinesis-stream-source-configuration", `{"KinesisStreamARN":"arn:aws:kinesis:us-east-1:000000000000:stream/clicks","RoleARN":"arn:aws:iam::000000000000:role/root"}`,
		"--extended-s3-destination-configuration", `{"RoleARN":"arn:aws:iam::000000000000:role/root","BucketARN":"arn:aws:s3:::lake",
		"Prefix":"clicks/action=!{partitionKeyFromQuery:action}/day=!{timestamp:yyyy-MM-dd}/","ErrorOutputPrefix":"errors/!{firehose:error-output-type}/",
		"BufferingHints":{"SizeInMBs":64,"IntervalInSeconds":1},
		"DynamicPartitioningConfiguration":{"Enabled":true},
		"ProcessingConfiguration":{"Enabled":true,"Processors":[{"Type":"MetadataExtraction","Parameters":[
			{"ParameterName":"MetadataExtractionQuery","ParameterValue":"{action: .action}"},{"ParameterName":"JsonParsingEngine","ParameterValue":"JQ-1.6"}]}]},
		"DataFormatConversionConfiguration":{"Enabled":true,"SchemaConfiguration":{"DatabaseName":"analytics","TableName":"clicks","RoleARN":"arn:aws:iam::000000000000:role/root"},
			"InputFormatConfiguration":{"Deserializer":{"OpenXJsonSerDe":{}}},"OutputFormatConfiguration":{"Serializer":{"ParquetSerDe":{"Compression":"SNAPPY"}}}}}`)

	const n = 3000
	for start := 0; start < n; start += 500 {
		var entries []kintypes.PutRecordsRequestEntry
		for i := start; i < start+500; i++ {
			action := []string{"view", "buy", "share"}[i%3]
			data := fmt.Sprintf(`{"id":%d,"User":"u%d","amount":%d.5,"action":%q}`, i, i%7, i, action)
			if i%500 == 7 {
				data = `{"id": "not a number", "action": "view"}` // fails conversion
			}
			entries = append(entries, kintypes.PutRecordsRequestEntry{Data: []byte(data), PartitionKey: aws.String(fmt.Sprint(i))})
		}
		out, err := kc.PutRecords(ctx(t), &kinesis.PutRecordsInput{StreamName: aws.String("clicks"), Records: entries})
		if err != nil || aws.ToInt32(out.FailedRecordCount) != 0 {
			t.Fatalf("put records: %v %v", err, out)
		}
	}
	bad := n / 500
	waitFor(t, srv, "every record queryable", func() bool {
		status, out := sqlHTTP(t, srv, rootID, rootSecret, "SELECT count(*), count(DISTINCT id) FROM analytics.clicks")
		rows, _ := json.Marshal(out["rows"])
		return status == 200 && string(rows) == fmt.Sprintf("[[%d,%d]]", n-bad, n-bad)
	})
	status, out := sqlHTTP(t, srv, rootID, rootSecret, `SELECT action, count(*) FROM analytics.clicks WHERE "user" = 'u3' GROUP BY 1 ORDER BY 1`)
	if rows, _ := json.Marshal(out["rows"]); status != 200 || !strings.HasPrefix(string(rows), `[["buy",`) {
		t.Fatalf("by action: %d %s", status, rows)
	}
	var parts struct{ Partitions []struct{ Values []string } }
	cli.json(t, &parts, "glue", "get-partitions", "--database-name", "analytics", "--table-name", "clicks")
	if len(parts.Partitions) != 3 {
		t.Fatalf("partitions: %+v", parts)
	}
	today := time.Now().UTC().Format("2006-01-02")
	for _, p := range parts.Partitions {
		if len(p.Values) != 2 || p.Values[1] != today {
			t.Fatalf("partition %v", p.Values)
		}
	}
	errs := listKeys(t, srv, "lake", "errors/format-conversion-failed/")
	failed := 0
	for _, key := range errs {
		o, err := srv.root().GetObject(ctx(t), &s3.GetObjectInput{Bucket: aws.String("lake"), Key: aws.String(key)})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(o.Body)
		o.Body.Close()
		for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
			var rec struct {
				LastErrorCode    string
				RawData          []byte
				DataCatalogTable struct{ TableName string }
			}
			if err := json.Unmarshal(line, &rec); err != nil || rec.LastErrorCode != "DataFormatConversion.MalformedData" ||
				!bytes.Contains(rec.RawData, []byte("not a number")) || rec.DataCatalogTable.TableName != "clicks" {
				t.Fatalf("error record: %v %s", err, line)
			}
			failed++
		}
	}
	if failed != bad {
		t.Fatalf("%d error records, want %d", failed, bad)
	}
}
