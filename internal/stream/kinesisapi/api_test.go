package kinesisapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/awsapi"
	"github.com/tarnlake/tarn/internal/awsapi/awsapitest"
	"github.com/tarnlake/tarn/internal/stream"
	"github.com/tarnlake/tarn/internal/stream/memstream"
)

// clock is a settable fake time shared by the API and the store.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type env struct {
	t     *testing.T
	api   *API
	store *memstream.Store
	clock *clock
	key   *access.Key // the caller; nil is root
}

func newEnv(t *testing.T, opts Options) *env {
	t.Helper()
	c := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	store := memstream.New()
	store.SetClock(c.Now)
	opts.Now = c.Now
	return &env{t: t, api: New(store, slog.New(slog.NewTextHandler(io.Discard, nil)), opts), store: store, clock: c}
}

// do sends body (a string as is, anything else as JSON) to op the way the
// aws CLI does and returns the status and the decoded answer.
func (e *env) do(op string, body any) (int, map[string]any) {
	e.t.Helper()
	return awsapitest.Do(e.t, e.api, "Kinesis_20131202."+op, e.key, body)
}

// ok calls op and fails the test unless it succeeds.
func (e *env) ok(op string, body any) map[string]any {
	e.t.Helper()
	code, out := e.do(op, body)
	if code != http.StatusOK {
		e.t.Fatalf("%s %v: %d %v", op, body, code, out)
	}
	return out
}

// fail calls op, expects the error code and returns the message.
func (e *env) fail(op string, body any, code string) string {
	e.t.Helper()
	status, out := e.do(op, body)
	if status != http.StatusBadRequest || out["__type"] != code {
		e.t.Fatalf("%s %.300v: got %d %v, want 400 %s", op, body, status, out, code)
	}
	msg, _ := out["message"].(string)
	if msg == "" {
		e.t.Fatalf("%s: %s without a message", op, code)
	}
	return msg
}

func (e *env) create(name string, shards int) {
	e.t.Helper()
	e.ok("CreateStream", map[string]any{"StreamName": name, "ShardCount": shards})
}

// obj and list walk decoded JSON.
func obj(v any) map[string]any { m, _ := v.(map[string]any); return m }
func list(v any) []any         { l, _ := v.([]any); return l }
func str(v any) string         { s, _ := v.(string); return s }

func TestUnknownOperation(t *testing.T) {
	e := newEnv(t, Options{})
	e.fail("SplitShardz", "{}", "UnknownOperationException")
}

func TestErrors(t *testing.T) {
	e := newEnv(t, Options{})
	e.create("s", 2)
	big := strings.Repeat("a", 129)
	mib := func(n int) string { return b64(bytes.Repeat([]byte("x"), n)) }
	for _, c := range []struct {
		op, body, code, msg string
	}{
		{"CreateStream", `{"StreamName":`, "SerializationException", ""},
		{"CreateStream", `{"StreamName":"x","ShardCount":"two"}`, "SerializationException", "ShardCount"},
		{"CreateStream", `[1]`, "SerializationException", ""},
		{"CreateStream", `{}`, "ValidationException", "'streamName'"},
		{"CreateStream", `{"StreamName":"a b","ShardCount":1}`, "ValidationException", "regular expression pattern"},
		{"CreateStream", `{"StreamName":"` + big + `","ShardCount":1}`, "ValidationException", "length less than or equal to 128"},
		{"CreateStream", `{"StreamName":"s","ShardCount":1}`, "ResourceInUseException", "s"},
		{"CreateStream", `{"StreamName":"x","ShardCount":0}`, "ValidationException", "'shardCount'"},
		{"CreateStream", `{"StreamName":"x","ShardCount":65}`, "LimitExceededException", "64"},
		{"CreateStream", `{"StreamName":"x"}`, "InvalidArgumentException", "ShardCount"},
		{"CreateStream", `{"StreamName":"x","StreamModeDetails":{"StreamMode":"FAST"}}`, "ValidationException", "streamMode"},
		{"DescribeStream", `{"StreamName":"nope"}`, "ResourceNotFoundException", "Stream nope under account 000000000000 not found."},
		{"DescribeStream", `{"StreamName":"s","Limit":0}`, "ValidationException", "'limit'"},
		{"DescribeStreamSummary", `{"StreamARN":"arn:aws:s3:::b"}`, "ValidationException", "streamARN"},
		{"DeleteStream", `{"StreamName":"nope"}`, "ResourceNotFoundException", "nope"},
		{"PutRecord", `{"StreamName":"s","Data":"eA==","PartitionKey":""}`, "ValidationException", "partitionKey"},
		{"PutRecord", `{"StreamName":"s","Data":"eA==","PartitionKey":"` + strings.Repeat("é", 257) + `"}`, "ValidationException", "partitionKey"},
		{"PutRecord", `{"StreamName":"s","PartitionKey":"k"}`, "ValidationException", "'data'"},
		{"PutRecord", `{"StreamName":"s","Data":"not base64!","PartitionKey":"k"}`, "SerializationException", "base64"},
		{"PutRecord", `{"StreamName":"s","Data":"` + mib(1<<20+1) + `","PartitionKey":"k"}`, "ValidationException", "1 MiB"},
		{"PutRecord", `{"StreamName":"s","Data":"` + mib(1<<20) + `","PartitionKey":"k"}`, "InvalidArgumentException", "1 MiB"},
		{"PutRecord", `{"StreamName":"s","Data":"eA==","PartitionKey":"k","ExplicitHashKey":"340282366920938463463374607431768211456"}`, "InvalidArgumentException", "ExplicitHashKey"},
		{"PutRecord", `{"StreamName":"s","Data":"eA==","PartitionKey":"k","ExplicitHashKey":"-1"}`, "InvalidArgumentException", "ExplicitHashKey"},
		{"PutRecord", `{"StreamName":"nope","Data":"eA==","PartitionKey":"k"}`, "ResourceNotFoundException", "Stream nope under account 000000000000 not found."},
		{"PutRecords", `{"StreamName":"s","Records":[]}`, "ValidationException", "'records'"},
		{"PutRecords", `{"StreamName":"s"}`, "ValidationException", "'records'"},
		{"PutRecords", putRecordsBody("s", 501, 1), "ValidationException", "500"},
		{"PutRecords", putRecordsBody("s", 6, 1<<20-10), "InvalidArgumentException", "5 MiB"},
		{"PutRecords", `{"StreamName":"s","Records":[{"Data":"eA==","PartitionKey":"k"},{"Data":"eA==","PartitionKey":""}]}`, "ValidationException", "records.2.member.partitionKey"},
		{"PutRecords", `{"StreamName":"s","Records":[{"Data":"e","PartitionKey":"k"}]}`, "SerializationException", "Data"},
		{"GetShardIterator", `{"StreamName":"s","ShardId":"shardId-000000000000"}`, "ValidationException", "shardIteratorType"},
		{"GetShardIterator", `{"StreamName":"s","ShardId":"shardId-000000000000","ShardIteratorType":"OLDEST"}`, "ValidationException", "enum"},
		{"GetShardIterator", `{"StreamName":"s","ShardId":"shardId-000000000007","ShardIteratorType":"LATEST"}`, "ResourceNotFoundException", "Shard shardId-000000000007 in stream s"},
		{"GetShardIterator", `{"StreamName":"s","ShardId":"xyz","ShardIteratorType":"LATEST"}`, "ResourceNotFoundException", "xyz"},
		{"GetShardIterator", `{"StreamName":"s","ShardId":"shardId-0","ShardIteratorType":"AT_SEQUENCE_NUMBER"}`, "InvalidArgumentException", "StartingSequenceNumber"},
		{"GetShardIterator", `{"StreamName":"s","ShardId":"shardId-0","ShardIteratorType":"LATEST","StartingSequenceNumber":"1"}`, "InvalidArgumentException", "StartingSequenceNumber"},
		{"GetShardIterator", `{"StreamName":"s","ShardId":"shardId-0","ShardIteratorType":"AT_SEQUENCE_NUMBER","StartingSequenceNumber":"12x"}`, "InvalidArgumentException", "invalid"},
		{"GetShardIterator", `{"StreamName":"s","ShardId":"shardId-0","ShardIteratorType":"AT_SEQUENCE_NUMBER","StartingSequenceNumber":"` + formatSeq(99) + `"}`, "InvalidArgumentException", "did not come from this shard"},
		{"GetShardIterator", `{"StreamName":"s","ShardId":"shardId-0","ShardIteratorType":"AT_TIMESTAMP"}`, "InvalidArgumentException", "timestamp"},
		{"GetRecords", `{}`, "ValidationException", "shardIterator"},
		{"GetRecords", `{"ShardIterator":"garbage"}`, "InvalidArgumentException", "Invalid ShardIterator."},
		{"GetRecords", `{"ShardIterator":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}`, "InvalidArgumentException", "Invalid ShardIterator."},
		{"GetRecords", `{"ShardIterator":"x","Limit":0}`, "ValidationException", "'limit'"},
		{"GetRecords", `{"ShardIterator":"x","Limit":10001}`, "ValidationException", "10000"},
		{"IncreaseStreamRetentionPeriod", `{"StreamName":"s","RetentionPeriodHours":12}`, "InvalidArgumentException", "24 hours"},
		{"IncreaseStreamRetentionPeriod", `{"StreamName":"s","RetentionPeriodHours":8761}`, "InvalidArgumentException", "8760 hours"},
		{"DecreaseStreamRetentionPeriod", `{"StreamName":"s"}`, "ValidationException", "retentionPeriodHours"},
		{"DecreaseStreamRetentionPeriod", `{"StreamName":"s","RetentionPeriodHours":48}`, "InvalidArgumentException", "IncreaseRetentionPeriod"},
		{"ListShards", `{}`, "InvalidArgumentException", "NextToken or StreamName"},
		{"ListShards", `{"StreamName":"s","NextToken":"abc"}`, "InvalidArgumentException", "together"},
		{"ListShards", `{"NextToken":"!!"}`, "InvalidArgumentException", "NextToken"},
		{"ListShards", `{"StreamName":"s","ShardFilter":{"Type":"AFTER_SHARD_ID"}}`, "InvalidArgumentException", "ShardId"},
		{"ListStreams", `{"Limit":10001}`, "ValidationException", "limit"},
		{"ListStreams", `{"NextToken":"%%%"}`, "InvalidArgumentException", "NextToken"},
		{"UpdateShardCount", `{"StreamName":"s","TargetShardCount":3}`, "ValidationException", "scalingType"},
		{"UpdateShardCount", `{"StreamName":"s","TargetShardCount":65,"ScalingType":"UNIFORM_SCALING"}`, "LimitExceededException", "64"},
		{"AddTagsToStream", `{"StreamName":"s","Tags":{}}`, "ValidationException", "tags"},
		{"RemoveTagsFromStream", `{"StreamName":"s"}`, "ValidationException", "tagKeys"},
		{"ListTagsForStream", `{"StreamName":"s","Limit":51}`, "ValidationException", "limit"},
	} {
		t.Run(c.op+"/"+c.code, func(t *testing.T) {
			e.t = t
			msg := e.fail(c.op, c.body, c.code)
			if !strings.Contains(msg, c.msg) {
				t.Fatalf("message %q does not mention %q", msg, c.msg)
			}
		})
	}
}

func putRecordsBody(name string, n, size int) string {
	var recs []string
	data := b64(bytes.Repeat([]byte("y"), size))
	for i := range n {
		recs = append(recs, fmt.Sprintf(`{"Data":"%s","PartitionKey":"k%d"}`, data, i))
	}
	return fmt.Sprintf(`{"StreamName":"%s","Records":[%s]}`, name, strings.Join(recs, ","))
}

func TestAccess(t *testing.T) {
	e := newEnv(t, Options{})
	for _, n := range []string{"app-1", "app-2", "other"} {
		e.create(n, 1)
	}
	e.key = &access.Key{ID: "TKREADER", Grants: []access.Grant{{Resource: "kinesis:app-*", Read: true}}}
	names := list(e.ok("ListStreams", "{}")["StreamNames"])
	if fmt.Sprint(names) != "[app-1 app-2]" {
		t.Fatalf("reader lists %v", names)
	}
	e.ok("DescribeStream", `{"StreamName":"app-1"}`)
	msg := e.fail("DescribeStream", `{"StreamName":"other"}`, "AccessDeniedException")
	if !strings.Contains(msg, "TKREADER") || !strings.Contains(msg, "stream/other") {
		t.Fatalf("denial message: %q", msg)
	}
	e.fail("PutRecord", `{"StreamName":"app-1","Data":"eA==","PartitionKey":"k"}`, "AccessDeniedException")
	e.fail("CreateStream", `{"StreamName":"app-3","ShardCount":1}`, "AccessDeniedException")
	e.fail("DeleteStream", `{"StreamName":"app-1"}`, "AccessDeniedException")
	e.fail("AddTagsToStream", `{"StreamName":"app-1","Tags":{"a":"b"}}`, "AccessDeniedException")

	// An iterator does not carry its issuer's rights.
	e.key = nil
	it := str(e.ok("GetShardIterator", `{"StreamName":"other","ShardId":"shardId-000000000000","ShardIteratorType":"LATEST"}`)["ShardIterator"])
	e.key = &access.Key{ID: "TKREADER", Grants: []access.Grant{{Resource: "kinesis:app-*", Read: true}}}
	e.fail("GetRecords", map[string]any{"ShardIterator": it}, "AccessDeniedException")

	e.key = &access.Key{ID: "TKWRITER", Grants: []access.Grant{{Resource: "kinesis:app-1", Write: true}}}
	e.ok("PutRecord", `{"StreamName":"app-1","Data":"eA==","PartitionKey":"k"}`)
	if n := list(e.ok("ListStreams", "{}")["StreamNames"]); len(n) != 0 {
		t.Fatalf("a writer without read lists %v", n)
	}
}

func b64(b []byte) string {
	s, _ := json.Marshal(b)
	return strings.Trim(string(s), `"`)
}

// Each of the seam's errors becomes its Kinesis error code; anything else
// stays an internal failure.
func TestStoreErrors(t *testing.T) {
	for _, c := range []struct {
		err  error
		code string
	}{
		{stream.ErrNotFound, "ResourceNotFoundException"},
		{stream.ErrExists, "ResourceInUseException"},
		{stream.ErrNoSuchShard, "ResourceNotFoundException"},
		{stream.ErrNoSuchConsumer, "ResourceNotFoundException"},
		{stream.ErrInvalid, "InvalidArgumentException"},
	} {
		var ae *awsapi.Error
		if err := storeErr(fmt.Errorf("backend: %w", c.err), "s"); !errors.As(err, &ae) || ae.Code != c.code {
			t.Errorf("%v: %v, want %s", c.err, err, c.code)
		}
	}
	var ae *awsapi.Error
	if err := storeErr(errors.New("disk full"), "s"); errors.As(err, &ae) {
		t.Errorf("a backend failure became %s", ae.Code)
	}
}
