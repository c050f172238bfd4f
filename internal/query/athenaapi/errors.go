package athenaapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/tarnlake/tarn/internal/awsapi"
)

// Athena's error codes, which the SDK knows as typed errors.
const (
	codeInvalid    = "InvalidRequestException"
	codeNotFound   = "ResourceNotFoundException"
	codeTooMany    = "TooManyRequestsException"
	codeInternal   = "InternalServerException"
	athenaInvalid  = "INVALID_INPUT"
	athenaState    = "INVALID_QUERY_EXECUTION_STATE"
	athenaMismatch = "IDEMPOTENT_PARAMETER_MISMATCH"
)

// Why a query's context ended, which decides its final state.
var (
	errShutdown = errors.New("tarn stopped while the query ran")
	errStopped  = errors.New("query cancelled by StopQueryExecution")
	errTimeout  = errors.New("query timeout")
)

// apiError is an Athena error with the members Athena adds to the JSON
// 1.1 error body (AthenaErrorCode, ResourceName, Reason).
type apiError struct {
	err     *awsapi.Error
	members map[string]string
}

func (e *apiError) Error() string { return e.err.Error() }
func (e *apiError) Unwrap() error { return e.err }

// Client errors are all status 400; the code tells them apart.
func clientErr(code, format string, args ...any) *awsapi.Error {
	return awsapi.Errorf(http.StatusBadRequest, code, format, args...)
}

func withCode(athenaCode string, e *awsapi.Error) error {
	// Athena repeats the code as ErrorCode.
	return &apiError{e, map[string]string{"AthenaErrorCode": athenaCode, "ErrorCode": athenaCode}}
}

// invalid is an InvalidRequestException for bad input.
func invalid(format string, args ...any) error {
	return withCode(athenaInvalid, clientErr(codeInvalid, format, args...))
}

func execNotFound(id string) error {
	return invalid("QueryExecution %s was not found", id)
}

func workGroupNotFound(name string) error {
	return &apiError{clientErr(codeNotFound, "WorkGroup %s is not found.", name), map[string]string{"ResourceName": name}}
}

// badBody is Athena's error for a body that does not decode.
func badBody(err error) error {
	msg := err.Error()
	return invalid("%s%s.", strings.ToUpper(msg[:1]), msg[1:])
}

// The JSON server writes errors as __type and message only; withMembers
// and membersWriter add an apiError's members to the body it writes.
type membersKey struct{}

type membersSlot struct{ members map[string]string }

func withMembers(op func(*call) (any, error)) func(*call) (any, error) {
	return func(c *call) (any, error) {
		res, err := op(c)
		var ae *apiError
		if slot, ok := c.Ctx.Value(membersKey{}).(*membersSlot); ok && errors.As(err, &ae) {
			slot.members = ae.members
		}
		return res, err
	}
}

func membersWriter(w http.ResponseWriter, r *http.Request) (http.ResponseWriter, *http.Request) {
	slot := &membersSlot{}
	return &errorWriter{ResponseWriter: w, slot: slot}, r.WithContext(context.WithValue(r.Context(), membersKey{}, slot))
}

type errorWriter struct {
	http.ResponseWriter
	slot   *membersSlot
	status int
}

func (w *errorWriter) WriteHeader(status int) {
	w.status = status
	w.ResponseWriter.WriteHeader(status)
}

// Write adds the members to an error body, which awsapi writes at once.
func (w *errorWriter) Write(b []byte) (int, error) {
	if w.status < 400 || w.slot.members == nil {
		return w.ResponseWriter.Write(b)
	}
	var body map[string]any
	if err := json.Unmarshal(b, &body); err != nil {
		return w.ResponseWriter.Write(b)
	}
	for k, v := range w.slot.members {
		body[k] = v
	}
	var out bytes.Buffer
	json.NewEncoder(&out).Encode(body)
	if _, err := w.ResponseWriter.Write(out.Bytes()); err != nil {
		return 0, err
	}
	return len(b), nil
}
