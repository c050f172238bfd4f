package redshiftdata

import (
	"errors"
	"net/http"

	"github.com/tarnlake/tarn/internal/awsapi"
)

// The Data API's error codes, which the SDKs know as typed errors.
const (
	codeValidation = "ValidationException"
	codeNotFound   = "ResourceNotFoundException"
	codeExecute    = "ExecuteStatementException"
	codeBatch      = "BatchExecuteStatementException"
	codeActive     = "ActiveStatementsExceededException"
	codeInternal   = "InternalServerException"
	codeTimeout    = "QueryTimeoutException"
	codeConnection = "DatabaseConnectionException"
	codeDenied     = "AccessDeniedException"
)

// Why a statement's context ended, which decides how it ends.
var (
	errShutdown = errors.New("tarn stopped while the statement ran")
	errCanceled = errors.New("statement canceled by CancelStatement")
	errTimeout  = errors.New("statement timeout")
)

func invalid(format string, args ...any) error {
	return awsapi.Errorf(http.StatusBadRequest, codeValidation, format, args...)
}

// notFound is the answer for a statement that does not exist, has expired
// or belongs to another key: the three look alike, so ids reveal nothing.
func notFound(id string) error {
	return awsapi.Errorf(http.StatusBadRequest, codeNotFound, "Query does not exist.").With(map[string]string{"ResourceId": id})
}

// execFailed is the server's failure to record or start a statement whose
// id is already known: the client may ask about it by that id.
func execFailed(batch bool, id string, err error) error {
	code := codeExecute
	if batch {
		code = codeBatch
	}
	return awsapi.Errorf(http.StatusInternalServerError, code, "The statement could not be started: %v", err).With(map[string]string{"StatementId": id})
}

func internal(format string, args ...any) error {
	return awsapi.Errorf(http.StatusInternalServerError, codeInternal, format, args...)
}

// badBody is the error for a body that does not decode.
func badBody(err error) error { return invalid("%v", err) }
