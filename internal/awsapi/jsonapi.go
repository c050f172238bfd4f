package awsapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tarnlake/tarn/internal/access"
)

// JSONServer serves a JSON 1.1 API: it picks the operation that
// X-Amz-Target names, reads the body with a limit, runs the operation and
// writes its result or error in the protocol's shapes. The API supplies
// the operations and its own error codes.
type JSONServer struct {
	Service string // in messages: "Kinesis", "Glue"
	MaxBody int
	// TooLarge is the API's error for a body over MaxBody.
	TooLarge func(max int) error
	// BadBody is the API's error for a body that does not decode; err
	// says what is wrong.
	BadBody func(err error) error
	// Internal is the API's error code for failures not the client's.
	Internal string
	Log      *slog.Logger
	// Ops are the operations by the name X-Amz-Target gives them.
	Ops map[string]func(*Request) (any, error)
}

// Request is one request as an operation sees it.
type Request struct {
	Ctx    context.Context
	Op     string      // the operation's name
	Caller *access.Key // nil only in unit tests: may do everything
	Body   []byte

	badBody func(error) error
}

// Decode reads the body into v, ignoring unknown members as AWS does. An
// empty body is an empty request: the CLI sends nothing for an operation
// without members. What does not decode is the API's BadBody error.
func (r *Request) Decode(v any) error {
	body := bytes.TrimSpace(r.Body)
	if len(body) == 0 {
		return nil
	}
	err := json.Unmarshal(body, v)
	var te *json.UnmarshalTypeError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &te) && te.Field == "":
		err = fmt.Errorf("the request body must be a JSON object, not a JSON %s", te.Value)
	case errors.As(err, &te):
		err = fmt.Errorf("member %s cannot be a JSON %s", te.Field, te.Value)
	default:
		err = fmt.Errorf("the request body is not valid JSON: %v", err)
	}
	return r.badBody(err)
}

// JSONAppender is a result that encodes itself, faster than reflection.
type JSONAppender interface {
	AppendJSON([]byte) []byte
}

func (s *JSONServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	in := InfoFrom(r.Context())
	_, name, _ := strings.Cut(r.Header.Get("X-Amz-Target"), ".")
	op, ok := s.Ops[name]
	if !ok {
		in.Op = "Unknown" // keep metric labels bounded
		WriteJSON(w, r, Errorf(http.StatusBadRequest, "UnknownOperationException",
			"tarn does not serve %s operation %q", s.Service, name))
		return
	}
	in.Op = name
	body, err := io.ReadAll(io.LimitReader(r.Body, int64(s.MaxBody)+1))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if len(body) > s.MaxBody {
		s.Fail(w, r, s.TooLarge(s.MaxBody))
		return
	}
	res, err := op(&Request{Ctx: r.Context(), Op: name, Caller: in.Key, Body: body, badBody: s.BadBody})
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	var b []byte
	if aj, ok := res.(JSONAppender); ok {
		b = aj.AppendJSON(nil)
	} else if b, err = json.Marshal(res); err != nil {
		s.Fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("Content-Length", strconv.Itoa(len(b))) // not chunked: clients can size their buffer
	w.Header().Set("x-amzn-RequestId", in.RequestID)
	w.Write(b)
}

// Fail writes err: an *Error as it is, anything else logged and answered
// as an internal failure. A request whose client went away gets nothing.
func (s *JSONServer) Fail(w http.ResponseWriter, r *http.Request, err error) {
	var ae *Error
	switch {
	case errors.As(err, &ae):
	case errors.Is(err, context.Canceled):
		return
	default:
		s.Log.Error("request failed", "op", InfoFrom(r.Context()).Op, "err", err)
		ae = Errorf(http.StatusInternalServerError, s.Internal, "Internal service failure.")
	}
	WriteJSON(w, r, ae)
}

// Timestamp marshals as epoch seconds with milliseconds, the JSON
// protocol's timestamp format.
type Timestamp time.Time

func (t Timestamp) MarshalJSON() ([]byte, error) {
	ms := time.Time(t).UnixMilli()
	return strconv.AppendFloat(nil, float64(ms)/1000, 'f', -1, 64), nil
}
