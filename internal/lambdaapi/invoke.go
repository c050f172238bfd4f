package lambdaapi

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/awsapi"
	"github.com/tarnlake/tarn/internal/function"
)

// maxEventPayload bounds an asynchronous invocation's payload, as Lambda
// does.
const maxEventPayload = 1 << 20

func (a *API) invoke(c *call) error {
	if err := c.need(access.Write); err != nil {
		return err
	}
	name := function.NameOf(c.name)
	kind := c.r.Header.Get("X-Amz-Invocation-Type")
	limit := function.MaxPayload
	if kind == "Event" {
		limit = maxEventPayload
	}
	payload, err := io.ReadAll(io.LimitReader(c.r.Body, int64(limit)+1))
	if err != nil {
		return err
	}
	if len(payload) > limit {
		return awsapi.Errorf(http.StatusRequestEntityTooLarge, "RequestTooLargeException", "Request must be smaller than %d bytes for the InvokeFunction operation", limit)
	}
	if len(payload) > 0 && !json.Valid(payload) {
		return awsapi.Errorf(http.StatusBadRequest, "InvalidRequestContentException", "Could not parse request body into json: the payload is not valid JSON")
	}
	if len(payload) == 0 {
		payload = []byte("{}")
	}
	if _, err := a.svc.Registry().Get(c.ctx, name); err != nil {
		return err
	}
	c.w.Header().Set("X-Amz-Executed-Version", "$LATEST")
	switch kind {
	case "DryRun":
		return c.reply(http.StatusNoContent, nil)
	case "Event":
		if a.opts.Enqueue == nil {
			return awsapi.Errorf(http.StatusInternalServerError, "ServiceException", "events are not served")
		}
		if err := a.opts.Enqueue(c.ctx, name, payload, time.Now()); err != nil {
			return err
		}
		return c.reply(http.StatusAccepted, nil)
	case "", "RequestResponse":
	default:
		return awsapi.Errorf(http.StatusBadRequest, "InvalidParameterValueException", "X-Amz-Invocation-Type %q is not RequestResponse, Event or DryRun", kind)
	}
	res, err := a.svc.Invoke(c.ctx, name, payload)
	if err != nil {
		return err
	}
	if res.FunctionError != "" {
		c.w.Header().Set("X-Amz-Function-Error", res.FunctionError)
	}
	if c.r.Header.Get("X-Amz-Log-Type") == "Tail" {
		c.w.Header().Set("X-Amz-Log-Result", base64.StdEncoding.EncodeToString(res.LogTail))
	}
	c.w.Header().Set("Content-Type", "application/json")
	c.w.WriteHeader(http.StatusOK)
	_, err = c.w.Write(res.Payload)
	return err
}

// eventConfig is PutFunctionEventInvokeConfig's shape.
type eventConfig struct {
	FunctionArn              string `json:",omitempty"`
	MaximumRetryAttempts     *int
	MaximumEventAgeInSeconds *int
	DestinationConfig        *struct {
		OnFailure *struct{ Destination string } `json:",omitempty"`
		OnSuccess *struct{ Destination string } `json:",omitempty"`
	} `json:",omitempty"`
	LastModified float64 `json:",omitempty"`
}

func (a *API) putEventInvokeConfig(c *call) error {
	if err := c.need(access.Write); err != nil {
		return err
	}
	var in eventConfig
	if err := c.decode(&in); err != nil {
		return err
	}
	if r := in.MaximumRetryAttempts; r != nil && (*r < 0 || *r > 2) {
		return awsapi.Errorf(http.StatusBadRequest, "InvalidParameterValueException", "MaximumRetryAttempts must be 0, 1 or 2")
	}
	if age := in.MaximumEventAgeInSeconds; age != nil && (*age < 60 || *age > 21600) {
		return awsapi.Errorf(http.StatusBadRequest, "InvalidParameterValueException", "MaximumEventAgeInSeconds must be 60 to 21600")
	}
	name := function.NameOf(c.name)
	var dest string
	if d := in.DestinationConfig; d != nil && d.OnFailure != nil {
		dest = d.OnFailure.Destination
		if a.opts.CheckDestination != nil {
			if err := a.opts.CheckDestination(c.ctx, c.caller, dest); err != nil {
				return err
			}
		}
	}
	out, err := a.svc.Registry().Update(c.ctx, name, nil, func(cfg *function.Config) error {
		ac := &function.AsyncConfig{MaxRetries: 2, Updated: time.Now().UTC()}
		if in.MaximumRetryAttempts != nil {
			ac.MaxRetries = *in.MaximumRetryAttempts
		}
		if in.MaximumEventAgeInSeconds != nil {
			ac.MaxEventAge = *in.MaximumEventAgeInSeconds
		}
		ac.OnFailure = dest
		cfg.Async = ac
		return nil
	})
	if err != nil {
		return err
	}
	return c.reply(http.StatusOK, a.eventConfigOut(out))
}

func (a *API) eventConfigOut(f function.Config) eventConfig {
	out := eventConfig{FunctionArn: f.ARN(a.opts.Region) + ":$LATEST"}
	if ac := f.Async; ac != nil {
		out.MaximumRetryAttempts = &ac.MaxRetries
		if ac.MaxEventAge > 0 {
			out.MaximumEventAgeInSeconds = &ac.MaxEventAge
		}
		if ac.OnFailure != "" {
			out.DestinationConfig = &struct {
				OnFailure *struct{ Destination string } `json:",omitempty"`
				OnSuccess *struct{ Destination string } `json:",omitempty"`
			}{OnFailure: &struct{ Destination string }{ac.OnFailure}}
		}
		out.LastModified = float64(ac.Updated.UnixMilli()) / 1000
	}
	return out
}

func (a *API) getEventInvokeConfig(c *call) error {
	if err := c.need(access.Read); err != nil {
		return err
	}
	f, err := a.svc.Registry().Get(c.ctx, function.NameOf(c.name))
	if err != nil {
		return err
	}
	if f.Async == nil {
		return awsapi.Errorf(http.StatusNotFound, "ResourceNotFoundException", "The function %s doesn't have an EventInvokeConfig", f.ARN(a.opts.Region))
	}
	return c.reply(http.StatusOK, a.eventConfigOut(f))
}

func (a *API) deleteEventInvokeConfig(c *call) error {
	if err := c.need(access.Write); err != nil {
		return err
	}
	_, err := a.svc.Registry().Update(c.ctx, function.NameOf(c.name), nil, func(cfg *function.Config) error {
		cfg.Async = nil
		return nil
	})
	if err != nil {
		return err
	}
	return c.reply(http.StatusNoContent, nil)
}
