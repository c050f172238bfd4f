// Package kinesisapi serves the Kinesis Data Streams JSON 1.1 API over a
// stream.Store: streams, shards and resharding, records, shard iterators
// and tags, with Kinesis's shapes, limits and error codes. The edge has
// verified the caller's signature before a request gets here; this package
// authorises it against the stream, the resource "kinesis:<name>".
package kinesisapi

import (
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/awsapi"
	"github.com/tarnlake/tarn/internal/stream"
)

// Options configures the API.
type Options struct {
	Region string // for ARNs; default us-east-1
	// MaxShards is the most open shards a stream may have (CreateStream,
	// UpdateShardCount); default 64.
	MaxShards int
	// ShardWriteRecordsPerSec and ShardWriteBytesPerSec limit what one shard
	// takes, as Kinesis's 1,000 records and 1 MiB a second do; 0 is no limit.
	ShardWriteRecordsPerSec int
	ShardWriteBytesPerSec   int
	// Now is the clock for creation times, iterator expiry, retention and
	// rate limits; default time.Now. The store keeps its own for arrivals.
	Now func() time.Time
}

// API is the Kinesis handler.
type API struct {
	store  stream.Store
	log    *slog.Logger
	opts   Options
	limits *limiter
	srv    *awsapi.JSONServer
	// recSize is the mean record size a stream's last read saw (int), so
	// the next read of it asks the store for a fitting first chunk.
	recSize sync.Map
}

// New serves store.
func New(store stream.Store, log *slog.Logger, opts Options) *API {
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.MaxShards <= 0 {
		opts.MaxShards = 64
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	a := &API{
		store:  store,
		log:    log.With("component", "kinesisapi"),
		opts:   opts,
		limits: newLimiter(opts.ShardWriteRecordsPerSec, opts.ShardWriteBytesPerSec),
	}
	a.srv = &awsapi.JSONServer{
		Service: "Kinesis", MaxBody: maxBody, Internal: "InternalFailure", Log: a.log,
		TooLarge: func(n int) error { return invalidArg("the request body is larger than %d bytes", n) },
		BadBody:  func(err error) error { return serialization("%v", err) },
		Ops:      a.operations(),
	}
	return a
}

// call is one request as an operation sees it.
type call = awsapi.Request

// operations maps X-Amz-Target's operation part to its implementation.
func (a *API) operations() map[string]func(*call) (any, error) {
	return map[string]func(*call) (any, error){
		"CreateStream":                  a.createStream,
		"DeleteStream":                  a.deleteStream,
		"DescribeStream":                a.describeStream,
		"DescribeStreamSummary":         a.describeStreamSummary,
		"ListStreams":                   a.listStreams,
		"ListShards":                    a.listShards,
		"UpdateShardCount":              a.updateShardCount,
		"IncreaseStreamRetentionPeriod": a.increaseRetention,
		"DecreaseStreamRetentionPeriod": a.decreaseRetention,
		"AddTagsToStream":               a.addTags,
		"RemoveTagsFromStream":          a.removeTags,
		"ListTagsForStream":             a.listTags,
		"PutRecord":                     a.putRecord,
		"PutRecords":                    a.putRecords,
		"GetShardIterator":              a.getShardIterator,
		"GetRecords":                    a.getRecords,
	}
}

func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.srv.ServeHTTP(w, r) }

// authorize checks that the caller may act on the stream.
func (a *API) authorize(c *call, act access.Action, name string) error {
	if c.Caller == nil || c.Caller.Allowed(act, access.Stream(name)) {
		return nil
	}
	return awsapi.Errorf(http.StatusBadRequest, "AccessDeniedException",
		"User: %s is not authorized to perform: kinesis:%s on resource: %s",
		c.Caller.ID, c.Op, a.arn(name))
}

func (a *API) arn(name string) string {
	return "arn:aws:kinesis:" + a.opts.Region + ":" + account + ":stream/" + name
}
