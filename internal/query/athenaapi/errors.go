package athenaapi

import (
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

// Client errors are all status 400; the code tells them apart.
func clientErr(code, format string, args ...any) *awsapi.Error {
	return awsapi.Errorf(http.StatusBadRequest, code, format, args...)
}

func withCode(athenaCode string, e *awsapi.Error) error {
	// Athena repeats the code as ErrorCode.
	return e.With(map[string]string{"AthenaErrorCode": athenaCode, "ErrorCode": athenaCode})
}

// invalid is an InvalidRequestException for bad input.
func invalid(format string, args ...any) error {
	return withCode(athenaInvalid, clientErr(codeInvalid, format, args...))
}

func execNotFound(id string) error {
	return invalid("QueryExecution %s was not found", id)
}

func workGroupNotFound(name string) error {
	return clientErr(codeNotFound, "WorkGroup %s is not found.", name).With(map[string]string{"ResourceName": name})
}

// badBody is Athena's error for a body that does not decode.
func badBody(err error) error {
	msg := err.Error()
	return invalid("%s%s.", strings.ToUpper(msg[:1]), msg[1:])
}
