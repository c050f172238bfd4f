package e2e

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Bad Kinesis requests get Kinesis's error code and status, and change
// nothing. Where the request model sets a limit (Records 1-500 entries,
// PartitionKey 1-256 characters, required members) Kinesis answers
// ValidationException; rules it checks beyond the model (data plus
// partition key over the record size, a hash key out of range, a bad
// shard iterator or sequence number) give InvalidArgumentException. Data
// over 1 MiB was a model limit (ValidationException, "Member must have
// length less than or equal to 1048576"); since streams may take records up
// to 10 MiB (MaxRecordSizeInKiB) the model allows more, so either code is
// accepted there.

// kinSDKStatus returns the HTTP status and error code of an SDK error.
func kinSDKStatus(t *testing.T, err error) (int, string) {
	t.Helper()
	if err == nil {
		return http.StatusOK, ""
	}
	var re *smithyhttp.ResponseError
	if !errors.As(err, &re) {
		t.Fatalf("no answer from the server: %v", err)
	}
	return re.HTTPStatusCode(), kinErrCode(err)
}

// kinSnapshot is every record of a stream, comparable.
func kinSnapshot(t *testing.T, c *kinesis.Client, name string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for shard, recs := range kinReadAll(t, c, name) {
		for _, r := range recs {
			out[shard] = append(out[shard], fmt.Sprintf("%s|%s|%x", aws.ToString(r.SequenceNumber), aws.ToString(r.PartitionKey), r.Data))
		}
	}
	return out
}

func kinJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestKinesisBadInput(t *testing.T) {
	srv := startServer(t)
	c := kinClient(srv, func(o *kinesis.Options) { o.RetryMaxAttempts = 1 })
	name := kinStreamName("bad")
	kinCreateStream(t, t, c, name, 2)
	var seed []types.PutRecordsRequestEntry
	for i := range 20 {
		seed = append(seed, types.PutRecordsRequestEntry{PartitionKey: aws.String(fmt.Sprintf("seed-%d", i)), Data: fmt.Appendf(nil, "seed %d", i)})
	}
	if _, err := c.PutRecords(ctx(t), &kinesis.PutRecordsInput{StreamName: aws.String(name), Records: seed}); err != nil {
		t.Fatal(err)
	}
	shard0 := aws.ToString(kinListShards(t, c, name)[0].ShardId)
	iterator := func(t *testing.T) string {
		t.Helper()
		return aws.ToString(kinIterator(t, c, &kinesis.GetShardIteratorInput{StreamName: aws.String(name), ShardId: aws.String(shard0),
			ShardIteratorType: types.ShardIteratorTypeTrimHorizon}))
	}
	missing := kinStreamName("no-such-stream")
	mib := 1 << 20
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	put := func(t *testing.T, key string, data []byte, explicit *string) error {
		_, err := c.PutRecord(ctx(t), &kinesis.PutRecordInput{StreamName: aws.String(name), PartitionKey: aws.String(key), Data: data, ExplicitHashKey: explicit})
		return err
	}
	raw := func(op string, body []byte) func(t *testing.T) (int, string) {
		return func(t *testing.T) (int, string) {
			status, code, _ := kinRaw(t, srv, "Kinesis_20131202."+op, body)
			return status, code
		}
	}
	sdk := func(f func(t *testing.T) error) func(t *testing.T) (int, string) {
		return func(t *testing.T) (int, string) { return kinSDKStatus(t, f(t)) }
	}
	entries := func(n, size int) []types.PutRecordsRequestEntry {
		var out []types.PutRecordsRequestEntry
		for i := range n {
			out = append(out, types.PutRecordsRequestEntry{PartitionKey: aws.String(fmt.Sprintf("bad-%d", i)), Data: make([]byte, size)})
		}
		return out
	}

	cases := []struct {
		name string
		send func(t *testing.T) (status int, code string)
		want []string // the code Kinesis answers; a second one tolerated
	}{
		{"record data over 1 MiB", sdk(func(t *testing.T) error {
			return put(t, "k", make([]byte, mib+1), nil)
		}), []string{"ValidationException", "InvalidArgumentException"}},
		{"record data plus partition key over 1 MiB", sdk(func(t *testing.T) error {
			return put(t, "key", make([]byte, mib), nil)
		}), []string{"InvalidArgumentException"}},
		{"PutRecords with one record over 1 MiB", sdk(func(t *testing.T) error {
			recs := entries(3, 10)
			recs[1].Data = make([]byte, mib+1)
			_, err := c.PutRecords(ctx(t), &kinesis.PutRecordsInput{StreamName: aws.String(name), Records: recs})
			return err
		}), []string{"ValidationException", "InvalidArgumentException"}},
		{"PutRecords 501 records", sdk(func(t *testing.T) error {
			_, err := c.PutRecords(ctx(t), &kinesis.PutRecordsInput{StreamName: aws.String(name), Records: entries(501, 10)})
			return err
		}), []string{"ValidationException"}},
		{"PutRecords no records", raw("PutRecords", kinJSON(t, map[string]any{"StreamName": name, "Records": []any{}})),
			[]string{"ValidationException"}},
		{"PutRecord Data not base64", raw("PutRecord", kinJSON(t, map[string]any{"StreamName": name, "PartitionKey": "k", "Data": "not base64!"})),
			[]string{"SerializationException", "InvalidArgumentException"}},
		{"PutRecords one Data not base64", raw("PutRecords", kinJSON(t, map[string]any{"StreamName": name, "Records": []map[string]string{
			{"PartitionKey": "a", "Data": b64("fine")}, {"PartitionKey": "b", "Data": "%%%"}, {"PartitionKey": "c", "Data": b64("fine too")}}})),
			[]string{"SerializationException", "InvalidArgumentException"}},
		{"PutRecord no partition key", raw("PutRecord", kinJSON(t, map[string]any{"StreamName": name, "Data": b64("x")})),
			[]string{"ValidationException"}},
		{"PutRecord empty partition key", sdk(func(t *testing.T) error { return put(t, "", []byte("x"), nil) }),
			[]string{"ValidationException"}},
		{"PutRecord partition key over 256 characters", sdk(func(t *testing.T) error { return put(t, strings.Repeat("ü", 257), []byte("x"), nil) }),
			[]string{"ValidationException"}},
		{"PutRecord ExplicitHashKey 2^128", sdk(func(t *testing.T) error {
			return put(t, "k", []byte("x"), aws.String(new(big.Int).Lsh(big.NewInt(1), 128).String()))
		}), []string{"InvalidArgumentException"}},
		{"PutRecord unknown stream", sdk(func(t *testing.T) error {
			_, err := c.PutRecord(ctx(t), &kinesis.PutRecordInput{StreamName: aws.String(missing), PartitionKey: aws.String("k"), Data: []byte("x")})
			return err
		}), []string{"ResourceNotFoundException"}},
		{"PutRecords unknown stream", sdk(func(t *testing.T) error {
			_, err := c.PutRecords(ctx(t), &kinesis.PutRecordsInput{StreamName: aws.String(missing), Records: entries(2, 10)})
			return err
		}), []string{"ResourceNotFoundException"}},
		{"GetShardIterator unknown stream", sdk(func(t *testing.T) error {
			_, err := c.GetShardIterator(ctx(t), &kinesis.GetShardIteratorInput{StreamName: aws.String(missing), ShardId: aws.String(shard0),
				ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
			return err
		}), []string{"ResourceNotFoundException"}},
		{"GetShardIterator unknown shard", sdk(func(t *testing.T) error {
			_, err := c.GetShardIterator(ctx(t), &kinesis.GetShardIteratorInput{StreamName: aws.String(name), ShardId: aws.String("shardId-000000000099"),
				ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
			return err
		}), []string{"ResourceNotFoundException"}},
		{"GetShardIterator sequence number not in the shard", sdk(func(t *testing.T) error {
			_, err := c.GetShardIterator(ctx(t), &kinesis.GetShardIteratorInput{StreamName: aws.String(name), ShardId: aws.String(shard0),
				ShardIteratorType: types.ShardIteratorTypeAtSequenceNumber, StartingSequenceNumber: aws.String("12345")})
			return err
		}), []string{"InvalidArgumentException"}},
		{"DescribeStream unknown stream", sdk(func(t *testing.T) error {
			_, err := c.DescribeStream(ctx(t), &kinesis.DescribeStreamInput{StreamName: aws.String(missing)})
			return err
		}), []string{"ResourceNotFoundException"}},
		{"GetRecords garbage iterator", sdk(func(t *testing.T) error {
			_, err := c.GetRecords(ctx(t), &kinesis.GetRecordsInput{ShardIterator: aws.String("garbage-iterator")})
			return err
		}), []string{"InvalidArgumentException"}},
		{"GetRecords tampered iterator", sdk(func(t *testing.T) error {
			it := []byte(iterator(t))
			i := len(it) / 2
			it[i] = map[bool]byte{true: 'B', false: 'A'}[it[i] == 'A']
			_, err := c.GetRecords(ctx(t), &kinesis.GetRecordsInput{ShardIterator: aws.String(string(it))})
			return err
		}), []string{"InvalidArgumentException"}},
		{"malformed JSON", raw("PutRecord", []byte(`{"StreamName": "`+name+`", "PartitionKey": "k", "Data": `)),
			[]string{"SerializationException"}},
		{"JSON that is not an object", raw("PutRecord", []byte(`["StreamName"]`)),
			[]string{"SerializationException"}},
		{"member of the wrong type", raw("PutRecord", []byte(`{"StreamName": "`+name+`", "PartitionKey": 7, "Data": "eA=="}`)),
			[]string{"SerializationException"}},
		{"unknown operation", raw("FrobnicateStream", kinJSON(t, map[string]any{"StreamName": name})),
			[]string{"UnknownOperationException"}},
		{"unknown API version", func(t *testing.T) (int, string) {
			status, code, _ := kinRaw(t, srv, "Kinesis_20990101.PutRecord", kinJSON(t, map[string]any{"StreamName": name, "PartitionKey": "k", "Data": b64("x")}))
			return status, code
		}, []string{"UnknownOperationException"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := kinSnapshot(t, c, name)
			status, code := tc.send(t)
			if !slices.Contains(tc.want, code) || status != http.StatusBadRequest {
				t.Errorf("answered %d %q, want 400 %s", status, code, tc.want[0])
			} else if code != tc.want[0] {
				t.Logf("answered %s; Kinesis answers %s", code, tc.want[0])
			}
			if after := kinSnapshot(t, c, name); !maps.EqualFunc(before, after, slices.Equal) {
				t.Errorf("the refused request changed the stream: %d records before, %d after", kinSnapshotLen(before), kinSnapshotLen(after))
			}
			if err := put(t, "good", []byte("a good record after "+tc.name), nil); err != nil {
				t.Fatalf("PutRecord after the bad request: %v", err)
			}
		})
	}
	// Everything the good puts wrote is there, once each.
	snap := kinSnapshot(t, c, name)
	if n := kinSnapshotLen(snap); n != len(seed)+len(cases) {
		t.Fatalf("the stream holds %d records, want %d seeds and %d good puts", n, len(seed), len(cases))
	}
}

func kinSnapshotLen(s map[string][]string) int {
	n := 0
	for _, v := range s {
		n += len(v)
	}
	return n
}
