package e2e

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// TestFirehoseTransform: a transformation function built with
// aws-lambda-go (events.KinesisFirehoseEvent) drops some records and
// fails others; the dropped are gone, the failed are under the error
// prefix with Firehose's error records, the rest arrive transformed and
// partitioned by the key the function gave.
func TestFirehoseTransform(t *testing.T) {
	srv := startServer(t)
	cli := firehoseCLI(t, srv)
	dir := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(dir, "fn", "bootstrap"), "./internal/firehosefn")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	zip := zipDir(t, filepath.Join(dir, "fn"), filepath.Join(dir, "fn.zip"))
	cli.must(t, "lambda", "create-function", "--function-name", "shape", "--runtime", "provided.al2023", "--handler", "bootstrap",
		"--role", "arn:aws:iam::000000000000:role/root", "--zip-file", "fileb://"+zip)
	cli.must(t, "s3", "mb", "s3://lake")
	cli.must(t, "firehose", "create-delivery-stream", "--delivery-stream-name", "shaped", "--extended-s3-destination-configuration",
		`{"RoleARN":"arn:aws:iam::000000000000:role/root","BucketARN":"arn:aws:s3:::lake",
		"Prefix":"shaped/kind=!{partitionKeyFromLambda:kind}/","ErrorOutputPrefix":"failed/!{firehose:error-output-type}/",
		"BufferingHints":{"SizeInMBs":1,"IntervalInSeconds":1},"DynamicPartitioningConfiguration":{"Enabled":true},
		"ProcessingConfiguration":{"Enabled":true,"Processors":[{"Type":"Lambda","Parameters":[{"ParameterName":"LambdaArn","ParameterValue":"`+fnARN+`shape"}]}]}}`)
	var recs []string
	want := map[string]int{}
	for i := range 90 {
		body := fmt.Sprintf(`{"id":%d,"kind":"k%d"}`, i, i%2)
		switch i % 3 {
		case 1:
			body = fmt.Sprintf(`{"id":%d,"drop":true}`, i)
		case 2:
			body = fmt.Sprintf(`{"id":%d,"fail":true}`, i)
		default:
			want[fmt.Sprintf("k%d", i%2)]++
		}
		recs = append(recs, fmt.Sprintf(`{"Data":%q}`, body))
	}
	cli.must(t, "firehose", "put-record-batch", "--delivery-stream-name", "shaped", "--cli-binary-format", "raw-in-base64-out", "--records", "["+strings.Join(recs, ",")+"]")
	read := func(key string) string {
		o, err := srv.root().GetObject(ctx(t), &s3.GetObjectInput{Bucket: aws.String("lake"), Key: aws.String(key)})
		if err != nil {
			t.Fatal(err)
		}
		defer o.Body.Close()
		b, _ := io.ReadAll(o.Body)
		return string(b)
	}
	waitFor(t, srv, "the delivery", func() bool {
		return len(listKeys(t, srv, "lake", "shaped/")) == 2 && len(listKeys(t, srv, "lake", "failed/")) == 1
	})
	for kind, n := range want {
		keys := listKeys(t, srv, "lake", "shaped/kind="+kind+"/")
		if len(keys) != 1 {
			t.Fatalf("kind %s: %v", kind, keys)
		}
		lines := strings.Split(strings.TrimSpace(read(keys[0])), "\n")
		if len(lines) != n || !strings.Contains(lines[0], `"transformed":true`) {
			t.Fatalf("kind %s: %d records, want %d: %v", kind, len(lines), n, lines[:1])
		}
	}
	failed := listKeys(t, srv, "lake", "failed/processing-failed/")
	if len(failed) != 1 {
		t.Fatalf("error objects: %v", listKeys(t, srv, "lake", "failed/"))
	}
	lines := strings.Split(strings.TrimSpace(read(failed[0])), "\n")
	if len(lines) != 30 {
		t.Fatalf("%d failed records, want 30", len(lines))
	}
	var er struct {
		ErrorCode string
		RawData   string
		LambdaArn string
	}
	json.Unmarshal([]byte(lines[0]), &er)
	raw, _ := base64.StdEncoding.DecodeString(er.RawData)
	if er.ErrorCode != "Lambda.ProcessingFailed" || !strings.Contains(string(raw), `"fail":true`) || er.LambdaArn != fnARN+"shape" {
		t.Fatalf("error record: %s", lines[0])
	}
}
