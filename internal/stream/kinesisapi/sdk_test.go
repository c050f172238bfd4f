package kinesisapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/tarnlake/tarn/internal/awsapi/awsapitest"
)

// The real SDK client decodes tarn's answers into its own types. The
// server skips SigV4 (the edge's job, tested there) and calls the handler.
func TestSDKRoundTrip(t *testing.T) {
	e := newEnv(t, Options{})
	e.clock.t = time.Now() // the SDK reads arrival times against its own clock
	srv := awsapitest.Server(t, e.api, nil)
	client := kinesis.New(kinesis.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("TKTEST", "secret", ""),
		HTTPClient:   srv.Client(),
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	if _, err := client.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("sdk"), ShardCount: aws.Int32(2)}); err != nil {
		t.Fatal(err)
	}
	desc, err := client.DescribeStream(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String("sdk")})
	if err != nil {
		t.Fatal(err)
	}
	d := desc.StreamDescription
	if d.StreamStatus != types.StreamStatusActive || len(d.Shards) != 2 || aws.ToString(d.Shards[1].HashKeyRange.EndingHashKey) != maxHashKey ||
		d.StreamModeDetails.StreamMode != types.StreamModeProvisioned || aws.ToInt32(d.RetentionPeriodHours) != 24 ||
		d.StreamCreationTimestamp.IsZero() || d.EncryptionType != types.EncryptionTypeNone {
		t.Fatalf("description: %+v", d)
	}
	// The SDK's own waiter, as `aws kinesis wait stream-exists` uses.
	if err := kinesis.NewStreamExistsWaiter(client).Wait(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String("sdk")}, 10*time.Second); err != nil {
		t.Fatal(err)
	}

	var entries []types.PutRecordsRequestEntry
	for i := range 50 {
		entries = append(entries, types.PutRecordsRequestEntry{PartitionKey: aws.String(fmt.Sprintf("k%d", i)), Data: []byte{byte(i), 0xff}})
	}
	put, err := client.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String("sdk"), Records: entries})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt32(put.FailedRecordCount) != 0 || len(put.Records) != 50 || aws.ToString(put.Records[0].SequenceNumber) == "" {
		t.Fatalf("PutRecords: %+v", put)
	}
	got := 0
	for _, sh := range d.Shards {
		it, err := client.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{
			StreamName: aws.String("sdk"), ShardId: sh.ShardId, ShardIteratorType: types.ShardIteratorTypeTrimHorizon,
		})
		if err != nil {
			t.Fatal(err)
		}
		recs, err := client.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: it.ShardIterator})
		if err != nil {
			t.Fatal(err)
		}
		if recs.NextShardIterator == nil || aws.ToInt64(recs.MillisBehindLatest) != 0 {
			t.Fatalf("GetRecords: %+v", recs)
		}
		for _, r := range recs.Records {
			var i int
			fmt.Sscanf(aws.ToString(r.PartitionKey), "k%d", &i)
			if !bytes.Equal(r.Data, []byte{byte(i), 0xff}) || r.ApproximateArrivalTimestamp == nil ||
				time.Since(*r.ApproximateArrivalTimestamp) > time.Minute {
				t.Fatalf("record %+v", r)
			}
			got++
		}
	}
	if got != 50 {
		t.Fatalf("read %d of 50 records", got)
	}
	// Errors arrive as the SDK's typed errors.
	_, err = client.DescribeStream(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String("nope")})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("not found: %v", err)
	}
	_, err = client.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: aws.String("garbage")})
	var ia *types.InvalidArgumentException
	if !errors.As(err, &ia) {
		t.Fatalf("bad iterator: %v", err)
	}
}
