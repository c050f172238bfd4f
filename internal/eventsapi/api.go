// Package eventsapi is tarn's own small API over the event log (JSON 1.1,
// X-Amz-Target TarnEvents_20261206.*), for what S3 has no call for:
// replaying the logged events of a time span through the rules again.
// `tarn events replay` calls it.
package eventsapi

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/awsapi"
	"github.com/tarnlake/tarn/internal/trigger"
)

// Target is the service part of the API's X-Amz-Target.
const Target = "TarnEvents_20261206"

// Replayer runs logged events through the rules again.
type Replayer interface {
	Replay(ctx context.Context, since time.Time, f trigger.Filter) (int, error)
}

// New serves the API over rp.
func New(rp Replayer, log *slog.Logger) http.Handler {
	return &awsapi.JSONServer{
		Service: "TarnEvents", MaxBody: 64 << 10, Internal: "InternalFailure", Log: log.With("component", "eventsapi"),
		TooLarge: func(n int) error { return invalid("The request body is larger than %d bytes.", n) },
		BadBody:  func(err error) error { return invalid("%v", err) },
		Ops: map[string]func(*awsapi.Request) (any, error){
			"ReplayEvents": func(r *awsapi.Request) (any, error) { return replay(rp, r) },
		},
	}
}

func invalid(format string, args ...any) error {
	return awsapi.Errorf(http.StatusBadRequest, "ValidationException", format, args...)
}

// replay needs write on the bucket (its rules run again, as if its
// objects were written again), or the root key for every bucket.
func replay(rp Replayer, r *awsapi.Request) (any, error) {
	var in struct {
		Since  float64 // epoch seconds
		Bucket string
		Prefix string
	}
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	if in.Since <= 0 {
		return nil, invalid("Since is required: the time to replay from, in epoch seconds")
	}
	if in.Prefix != "" && in.Bucket == "" {
		return nil, invalid("Prefix needs Bucket")
	}
	if c := r.Caller; c != nil {
		if in.Bucket == "" && !c.Root {
			return nil, awsapi.Errorf(http.StatusForbidden, "AccessDeniedException", "replaying every bucket's events needs the root key: name a Bucket you may write")
		}
		if in.Bucket != "" && !c.Allowed(access.Write, access.Bucket(in.Bucket)) {
			return nil, awsapi.Errorf(http.StatusForbidden, "AccessDeniedException", "access key %s may not write bucket %s, whose events it would replay", c.ID, in.Bucket)
		}
	}
	since := time.UnixMilli(int64(in.Since * 1000))
	n, err := rp.Replay(r.Ctx, since, trigger.Filter{Bucket: in.Bucket, Prefix: in.Prefix})
	if err != nil {
		return nil, err
	}
	return map[string]int{"Events": n}, nil
}
