// Package kinesisapi serves the Kinesis Data Streams JSON 1.1 API over a
// stream.Store: streams, shards and resharding, records, shard iterators
// and tags, with Kinesis's shapes, limits and error codes. The edge has
// verified the caller's signature before a request gets here; this package
// authorises it against the stream, the resource "kinesis:<name>".
package kinesisapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
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
	ops    map[string]operation
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
	return &API{
		store:  store,
		log:    log.With("component", "kinesisapi"),
		opts:   opts,
		limits: newLimiter(opts.ShardWriteRecordsPerSec, opts.ShardWriteBytesPerSec),
		ops:    operations(),
	}
}

// call is one request as an operation sees it.
type call struct {
	ctx    context.Context
	op     string
	caller *access.Key // nil only in unit tests: may do everything
	body   []byte
}

type operation func(a *API, c *call) (any, error)

// operations maps X-Amz-Target's operation part to its implementation.
func operations() map[string]operation {
	return map[string]operation{
		"CreateStream":                  (*API).createStream,
		"DeleteStream":                  (*API).deleteStream,
		"DescribeStream":                (*API).describeStream,
		"DescribeStreamSummary":         (*API).describeStreamSummary,
		"ListStreams":                   (*API).listStreams,
		"ListShards":                    (*API).listShards,
		"UpdateShardCount":              (*API).updateShardCount,
		"IncreaseStreamRetentionPeriod": (*API).increaseRetention,
		"DecreaseStreamRetentionPeriod": (*API).decreaseRetention,
		"AddTagsToStream":               (*API).addTags,
		"RemoveTagsFromStream":          (*API).removeTags,
		"ListTagsForStream":             (*API).listTags,
		"PutRecord":                     (*API).putRecord,
		"PutRecords":                    (*API).putRecords,
		"GetShardIterator":              (*API).getShardIterator,
		"GetRecords":                    (*API).getRecords,
	}
}

func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	in := awsapi.InfoFrom(r.Context())
	_, name, _ := strings.Cut(r.Header.Get("X-Amz-Target"), ".")
	op, ok := a.ops[name]
	if !ok {
		in.Op = "Unknown" // keep metric labels bounded
		awsapi.WriteJSON(w, r, awsapi.Errorf(http.StatusBadRequest, "UnknownOperationException",
			"tarn does not serve Kinesis operation %q", name))
		return
	}
	in.Op = name
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if len(body) > maxBody {
		a.fail(w, r, invalidArg("the request body is larger than %d bytes", maxBody))
		return
	}
	res, err := op(a, &call{ctx: r.Context(), op: name, caller: in.Key, body: body})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var b []byte
	if aj, ok := res.(interface{ appendJSON([]byte) []byte }); ok {
		b = aj.appendJSON(nil)
	} else if b, err = json.Marshal(res); err != nil {
		a.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("x-amzn-RequestId", in.RequestID)
	w.Write(b)
}

// fail writes err as a Kinesis error; what is not the client's fault is logged.
func (a *API) fail(w http.ResponseWriter, r *http.Request, err error) {
	var ae *awsapi.Error
	switch {
	case errors.As(err, &ae):
	case errors.Is(err, context.Canceled):
		return // the client went away
	default:
		a.log.Error("request failed", "op", awsapi.InfoFrom(r.Context()).Op, "err", err)
		ae = awsapi.Errorf(http.StatusInternalServerError, "InternalFailure", "Internal service failure.")
	}
	awsapi.WriteJSON(w, r, ae)
}

// authorize checks that the caller may act on the stream.
func (a *API) authorize(c *call, act access.Action, name string) error {
	if c.caller == nil || c.caller.Allowed(act, resource(name)) {
		return nil
	}
	return awsapi.Errorf(http.StatusBadRequest, "AccessDeniedException",
		"User: %s is not authorized to perform: kinesis:%s on resource: %s",
		c.caller.ID, c.op, a.arn(name))
}

// resource names a stream in access grants.
func resource(name string) string { return "kinesis:" + name }

func (a *API) arn(name string) string {
	return "arn:aws:kinesis:" + a.opts.Region + ":" + account + ":stream/" + name
}
