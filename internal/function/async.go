package function

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/google/uuid"
)

// Lambda's defaults for events.
const (
	defaultRetries     = 2
	defaultMaxEventAge = 6 * time.Hour
)

// InvokeEvent runs an asynchronous invocation (an event) received at
// the time given: a failure is retried as the function's async
// configuration says (twice by default, with growing waits), and an event
// that fails every attempt or grows too old goes to the configured
// on-failure destination. It returns an error only when the event's
// outcome could not be settled (ctx ended, the destination refused it):
// the caller keeps the event to try again.
func (s *Service) InvokeEvent(ctx context.Context, name string, payload []byte, received time.Time) error {
	c, err := s.reg.Get(ctx, NameOf(name))
	if errors.Is(err, ErrNotFound) {
		s.opts.Log.Warn("event dropped: no such function", "function", name)
		return nil
	}
	if err != nil {
		return err // kept, to try again
	}
	retries, maxAge := defaultRetries, defaultMaxEventAge
	if a := c.Async; a != nil {
		retries = a.MaxRetries
		if a.MaxEventAge > 0 {
			maxAge = time.Duration(a.MaxEventAge) * time.Second
		}
	}
	var res Result
	attempts, reason := 0, ""
	for attempt := 0; attempt <= retries; attempt++ {
		if attempt > 0 {
			select {
			case <-time.After(s.opts.RetryBase << (attempt - 1)):
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if time.Since(received) > maxAge {
			reason = "EventAgeExceeded"
			break
		}
		res, err = s.Invoke(ctx, c.Name, payload)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if errors.Is(err, ErrTooManyRequests) {
			// Throttled: not an attempt; Lambda retries those until the
			// event is too old.
			attempt--
			continue
		}
		attempts++
		if err == nil && res.FunctionError == "" {
			return nil
		}
		reason = "RetriesExhausted"
		if err != nil {
			res.Payload, _ = json.Marshal(map[string]string{"errorMessage": err.Error(), "errorType": "Runtime.InvokeError"})
		}
		s.opts.Log.Warn("event invocation failed", "function", c.Name, "attempt", attempt+1, "err", err, "response", string(res.Payload))
	}
	dest := ""
	if c.Async != nil {
		dest = c.Async.OnFailure
	}
	if dest == "" || s.opts.OnFailure == nil {
		s.opts.Log.Error("event failed; the function has no on-failure destination", "function", c.Name, "reason", reason, "attempts", attempts)
		return nil
	}
	var req, resp any
	if json.Unmarshal(payload, &req) != nil {
		req = string(payload)
	}
	if json.Unmarshal(res.Payload, &resp) != nil && len(res.Payload) > 0 {
		resp = string(res.Payload)
	}
	rec := FailureRecord{Version: "1.0", Timestamp: time.Now().UTC().Format(time.RFC3339Nano),
		RequestContext: map[string]any{"requestId": uuid.NewString(), "functionArn": c.ARN(s.opts.Region) + ":$LATEST",
			"condition": reason, "approximateInvokeCount": attempts},
		RequestPayload:  req,
		ResponseContext: map[string]any{"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
		ResponsePayload: resp,
	}
	return s.opts.OnFailure(ctx, dest, rec)
}
