// Package eventsapi is tarn's own small API over the event log and its
// rules (JSON 1.1, X-Amz-Target TarnEvents_20261206.*), for what S3 has no
// call for: replaying the logged events of a time span through the rules
// again (`tarn events replay`), and the config's rules, with tarn's
// built-in actions, which only the root key reads and sets (`tarn apply`,
// `tarn export-config`).
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

// ConfigRules keeps the rules a config declares, by bucket.
type ConfigRules interface {
	ConfigRules(ctx context.Context) (map[string][]trigger.Rule, error)
	SetBucketConfigRules(ctx context.Context, bucket string, rules []trigger.Rule) error
}

// New serves the API over rp and cr.
func New(rp Replayer, cr ConfigRules, log *slog.Logger) http.Handler {
	return &awsapi.JSONServer{
		Service: "TarnEvents", MaxBody: 64 << 10, Internal: "InternalFailure", Log: log.With("component", "eventsapi"),
		TooLarge: func(n int) error { return invalid("The request body is larger than %d bytes.", n) },
		BadBody:  func(err error) error { return invalid("%v", err) },
		Ops: map[string]func(*awsapi.Request) (any, error){
			"ReplayEvents":         func(r *awsapi.Request) (any, error) { return replay(rp, r) },
			"GetConfigRules":       func(r *awsapi.Request) (any, error) { return getConfigRules(cr, r) },
			"PutBucketConfigRules": func(r *awsapi.Request) (any, error) { return putConfigRules(cr, r) },
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

// rootOnly refuses every key but root: config rules run their actions as
// tarn itself.
func rootOnly(r *awsapi.Request) error {
	if c := r.Caller; c != nil && !c.Root {
		return awsapi.Errorf(http.StatusForbidden, "AccessDeniedException",
			"the config's rules run as tarn itself: only the root key reads or sets them (access key %s is not root)", c.ID)
	}
	return nil
}

func getConfigRules(cr ConfigRules, r *awsapi.Request) (any, error) {
	if err := rootOnly(r); err != nil {
		return nil, err
	}
	rules, err := cr.ConfigRules(r.Ctx)
	if err != nil {
		return nil, err
	}
	return map[string]any{"Rules": rules}, nil
}

func putConfigRules(cr ConfigRules, r *awsapi.Request) (any, error) {
	if err := rootOnly(r); err != nil {
		return nil, err
	}
	var in struct {
		Bucket string
		Rules  []trigger.Rule
	}
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	if in.Bucket == "" {
		return nil, invalid("Bucket is required")
	}
	for i, rule := range in.Rules {
		if err := rule.Check(); err != nil {
			return nil, invalid("Rules[%d] (%s): %v", i, rule.ID, err)
		}
	}
	if err := cr.SetBucketConfigRules(r.Ctx, in.Bucket, in.Rules); err != nil {
		return nil, invalid("%v", err)
	}
	return struct{}{}, nil
}
