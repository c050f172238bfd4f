// Package lambdaapi serves the Lambda API (REST-JSON under /2015-03-31/
// and /2019-09-25/): creating, configuring, listing, deleting and invoking
// tarn's functions, with the grants each call needs (lambda:NAME read or
// write). Functions themselves live in package function.
package lambdaapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/awsapi"
	"github.com/tarnlake/tarn/internal/function"
)

// Options configure the API.
type Options struct {
	Region string
	Log    *slog.Logger
	// Lake reads code from S3Bucket/S3Key for a caller that may read it.
	Lake func(ctx context.Context, bucket, key string) ([]byte, error)
	// Evict ends a function's warm processes after its code or
	// configuration changed.
	Evict func(name string)
	// Enqueue keeps an event (an asynchronous invocation) until it has
	// run: the 202 of Invoke comes after it returns.
	Enqueue func(ctx context.Context, name string, payload []byte, received time.Time) error
	// CheckDestination checks an on-failure destination and that the
	// caller may write it.
	CheckDestination func(ctx context.Context, caller *access.Key, dest string) error
}

// API is the Lambda API's handler.
type API struct {
	svc  *function.Service
	opts Options
}

// New serves svc's functions.
func New(svc *function.Service, opts Options) *API {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	return &API{svc: svc, opts: opts}
}

// maxBody bounds a request: a 50 MB zip, base64-encoded in JSON.
const maxBody = 70 << 20

// call is one request.
type call struct {
	w      http.ResponseWriter
	r      *http.Request
	ctx    context.Context
	caller *access.Key
	name   string // the function named in the path
}

func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	in := awsapi.InfoFrom(r.Context())
	c := &call{w: w, r: r, ctx: r.Context(), caller: in.Key}
	op, h := a.route(r, c)
	in.Op = op
	if h == nil {
		a.fail(c, awsapi.Errorf(http.StatusNotFound, "UnknownOperationException", "tarn's Lambda API has no operation %s %s", r.Method, r.URL.Path))
		return
	}
	if err := h(c); err != nil {
		a.fail(c, err)
	}
}

// route finds the operation of a request from its method and path.
func (a *API) route(r *http.Request, c *call) (string, func(*call) error) {
	p := r.URL.EscapedPath()
	var rest string
	switch {
	case strings.HasPrefix(p, "/2015-03-31/functions"):
		rest = strings.TrimPrefix(p, "/2015-03-31/functions")
	case strings.HasPrefix(p, "/2019-09-25/functions/"):
		parts := strings.Split(strings.TrimPrefix(p, "/2019-09-25/functions/"), "/")
		if len(parts) == 2 && parts[1] == "event-invoke-config" {
			c.name = unescape(parts[0])
			switch r.Method {
			case http.MethodPut, http.MethodPost:
				return "PutFunctionEventInvokeConfig", a.putEventInvokeConfig
			case http.MethodGet:
				return "GetFunctionEventInvokeConfig", a.getEventInvokeConfig
			case http.MethodDelete:
				return "DeleteFunctionEventInvokeConfig", a.deleteEventInvokeConfig
			}
		}
		return "Unknown", nil
	default:
		return "Unknown", nil
	}
	if rest == "" || rest == "/" {
		switch r.Method {
		case http.MethodPost:
			return "CreateFunction", a.create
		case http.MethodGet:
			return "ListFunctions", a.list
		}
		return "Unknown", nil
	}
	parts := strings.Split(strings.TrimPrefix(rest, "/"), "/")
	c.name = unescape(parts[0])
	sub := ""
	if len(parts) > 1 {
		sub = strings.Join(parts[1:], "/")
	}
	switch r.Method + " " + sub {
	case "GET ":
		return "GetFunction", a.get
	case "DELETE ":
		return "DeleteFunction", a.delete
	case "GET configuration":
		return "GetFunctionConfiguration", a.getConfiguration
	case "PUT configuration":
		return "UpdateFunctionConfiguration", a.updateConfiguration
	case "PUT code":
		return "UpdateFunctionCode", a.updateCode
	case "POST invocations":
		return "Invoke", a.invoke
	}
	return "Unknown", nil
}

func unescape(s string) string {
	u, err := url.PathUnescape(s)
	if err != nil {
		return s
	}
	return u
}

// need checks the caller's grant on the function named in the call.
func (c *call) need(act access.Action) error {
	name := function.NameOf(c.name)
	if c.caller != nil && !c.caller.Allowed(act, access.Function(name)) {
		return awsapi.Errorf(http.StatusForbidden, "AccessDeniedException",
			"access key %s has no %s grant on lambda:%s: add one with tarn keys add NAME --%s lambda:%s", c.caller.ID, act, name, act, name)
	}
	return nil
}

// decode reads the JSON body into v.
func (c *call) decode(v any) error {
	body, err := io.ReadAll(io.LimitReader(c.r.Body, maxBody+1))
	if err != nil {
		return err
	}
	if len(body) > maxBody {
		return awsapi.Errorf(http.StatusRequestEntityTooLarge, "RequestTooLargeException", "Request must be smaller than %d bytes for the CreateFunction and UpdateFunctionCode operations", maxBody)
	}
	if len(body) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		return awsapi.Errorf(http.StatusBadRequest, "InvalidRequestContentException", "Could not parse request body into json: %v", err)
	}
	return nil
}

func (c *call) reply(status int, v any) error {
	c.w.Header().Set("Content-Type", "application/json")
	c.w.WriteHeader(status)
	if v == nil {
		return nil
	}
	return json.NewEncoder(c.w).Encode(v)
}

// fail writes err in the REST-JSON error shape.
func (a *API) fail(c *call, err error) {
	var ae *awsapi.Error
	switch {
	case errors.As(err, &ae):
	case errors.Is(err, function.ErrNotFound):
		ae = awsapi.Errorf(http.StatusNotFound, "ResourceNotFoundException", "Function not found: %s", function.Config{Name: function.NameOf(c.name)}.ARN(a.opts.Region))
	case errors.Is(err, function.ErrExists):
		ae = awsapi.Errorf(http.StatusConflict, "ResourceConflictException", "Function already exist: %s", function.NameOf(c.name))
	case errors.Is(err, function.ErrInvalid):
		ae = awsapi.Errorf(http.StatusBadRequest, "InvalidParameterValueException", "%s", strings.TrimPrefix(err.Error(), function.ErrInvalid.Error()+": "))
	case errors.Is(err, function.ErrTooManyRequests):
		ae = awsapi.Errorf(http.StatusTooManyRequests, "TooManyRequestsException", "Rate Exceeded: %v", err)
	default:
		a.opts.Log.Error("lambda api", "op", awsapi.InfoFrom(c.ctx).Op, "err", err)
		ae = awsapi.Errorf(http.StatusInternalServerError, "ServiceException", "%v", err)
	}
	in := awsapi.InfoFrom(c.ctx)
	in.ErrorCode = ae.Code
	c.w.Header().Set("Content-Type", "application/json")
	c.w.Header().Set("X-Amzn-ErrorType", ae.Code)
	c.w.Header().Set("x-amzn-RequestId", in.RequestID)
	c.w.WriteHeader(ae.Status)
	json.NewEncoder(c.w).Encode(map[string]string{"Type": "User", "message": ae.Message})
}
