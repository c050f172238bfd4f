package e2e

import (
	"testing"
)

// TestFirehoseAttacks joins the attack suite: a key without a firehose:
// grant can neither make nor feed a delivery, and a key cannot make a
// delivery act with more than its own grants — not by naming another
// key's role, not by reading a stream its role may not read. Nothing is
// written, and the server keeps serving.
func TestFirehoseAttacks(t *testing.T) {
	srv := startServer(t)
	root := firehoseCLI(t, srv)
	root.must(t, "s3", "mb", "s3://open")
	kc := kinClient(srv)
	kinCreate(t, kc, "secret", 1)
	root.must(t, "firehose", "create-delivery-stream", "--delivery-stream-name", "rootonly", "--extended-s3-destination-configuration",
		`{"RoleARN":"arn:aws:iam::000000000000:role/root","BucketARN":"arn:aws:s3:::open","BufferingHints":{"SizeInMBs":1,"IntervalInSeconds":1}}`)

	plainID, plainSecret := addKey(t, srv, "plain", "--write", "s3:open", "--read", "s3:open")
	plain := root.as(plainID, plainSecret)
	plain.fails(t, "AccessDeniedException", "firehose", "create-delivery-stream", "--delivery-stream-name", "x", "--extended-s3-destination-configuration",
		`{"RoleARN":"arn:aws:iam::000000000000:role/plain","BucketARN":"arn:aws:s3:::open"}`)
	plain.fails(t, "AccessDeniedException", "firehose", "put-record", "--delivery-stream-name", "rootonly", "--cli-binary-format", "raw-in-base64-out",
		"--record", `{"Data":"x"}`)
	plain.fails(t, "AccessDeniedException", "firehose", "describe-delivery-stream", "--delivery-stream-name", "rootonly")

	fhID, fhSecret := addKey(t, srv, "fh", "--write", "firehose:fh-*,s3:open", "--read", "firehose:fh-*,s3:open")
	fh := root.as(fhID, fhSecret)
	src := `{"KinesisStreamARN":"arn:aws:kinesis:us-east-1:000000000000:stream/secret","RoleARN":"arn:aws:iam::000000000000:role/`
	dest := `{"BucketARN":"arn:aws:s3:::open","RoleARN":"arn:aws:iam::000000000000:role/`
	// Another key's role (root's) would read the stream for it.
	fh.fails(t, "AccessDeniedException", "firehose", "create-delivery-stream", "--delivery-stream-name", "fh-steal", "--delivery-stream-type", "KinesisStreamAsSource",
		"--kinesis-stream-source-configuration", src+`root"}`, "--extended-s3-destination-configuration", dest+`fh"}`)
	fh.fails(t, "AccessDeniedException", "firehose", "create-delivery-stream", "--delivery-stream-name", "fh-steal", "--delivery-stream-type", "KinesisStreamAsSource",
		"--kinesis-stream-source-configuration", src+`fh"}`, "--extended-s3-destination-configuration", dest+`root"}`)
	// Its own role may not read the stream.
	fh.fails(t, "InvalidArgumentException", "firehose", "create-delivery-stream", "--delivery-stream-name", "fh-steal", "--delivery-stream-type", "KinesisStreamAsSource",
		"--kinesis-stream-source-configuration", src+`fh"}`, "--extended-s3-destination-configuration", dest+`fh"}`)
	// Nor may it turn root's delivery into its own.
	fh.fails(t, "AccessDeniedException", "firehose", "update-destination", "--delivery-stream-name", "rootonly", "--current-delivery-stream-version-id", "1",
		"--destination-id", "destinationId-000000000001", "--extended-s3-destination-update", `{"Prefix":"mine/"}`)

	if keys := listKeys(t, srv, "open", ""); len(keys) != 0 {
		t.Fatalf("written: %v", keys)
	}
	var list struct{ DeliveryStreamNames []string }
	root.json(t, &list, "firehose", "list-delivery-streams")
	if len(list.DeliveryStreamNames) != 1 {
		t.Fatalf("deliveries: %v", list.DeliveryStreamNames)
	}
}
