package sigv4

import (
	"fmt"
	"net/http"
)

// Error is an authentication failure with the S3 error code AWS gives for it.
type Error struct {
	Code    string // e.g. "SignatureDoesNotMatch"
	Message string
	Status  int // HTTP status, e.g. 403
}

func (e *Error) Error() string { return "sigv4: " + e.Code + ": " + e.Message }

// Codes this package returns. They are S3's, so the HTTP layer can put them
// into an error document unchanged.
const (
	codeAccessDenied          = "AccessDenied"
	codeHeaderMalformed       = "AuthorizationHeaderMalformed"
	codeQueryParametersError  = "AuthorizationQueryParametersError"
	codeInvalidAccessKeyID    = "InvalidAccessKeyId"
	codeSignatureDoesNotMatch = "SignatureDoesNotMatch"
	codeRequestTimeTooSkewed  = "RequestTimeTooSkewed"
	codeContentSHA256Mismatch = "XAmzContentSHA256Mismatch"
	codeIncompleteBody        = "IncompleteBody"
	codeEntityTooLarge        = "EntityTooLarge"
	codeInvalidArgument       = "InvalidArgument"
	codeInvalidRequest        = "InvalidRequest"
)

func newError(code string, status int, format string, args ...any) *Error {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	return &Error{Code: code, Message: msg, Status: status}
}

func errAnonymous() *Error {
	return newError(codeAccessDenied, http.StatusForbidden, "Access Denied: the request carries no AWS signature (Signature Version 4, or Version 2 for S3)")
}

func errHeaderMalformed(format string, args ...any) *Error {
	return newError(codeHeaderMalformed, http.StatusBadRequest, "The authorization header is malformed; "+format, args...)
}

func errQueryParams(format string, args ...any) *Error {
	return newError(codeQueryParametersError, http.StatusBadRequest, "Query-string authentication is malformed; "+format, args...)
}

func errUnknownKey(accessKeyID string) *Error {
	return newError(codeInvalidAccessKeyID, http.StatusForbidden, "The AWS Access Key Id you provided does not exist in our records (%q).", accessKeyID)
}

func errSignature(what string) *Error {
	return newError(codeSignatureDoesNotMatch, http.StatusForbidden, "The %s signature we calculated does not match the signature you provided. Check your key and signing method.", what)
}

func errSkewed(requestTime, now string) *Error {
	return newError(codeRequestTimeTooSkewed, http.StatusForbidden, "The difference between the request time and the current time is too large (request time %s, server time %s).", requestTime, now)
}

func errNoDate() *Error {
	return newError(codeAccessDenied, http.StatusForbidden, "AWS authentication requires a valid Date or x-amz-date header")
}

func errExpired() *Error {
	return newError(codeAccessDenied, http.StatusForbidden, "Request has expired")
}

func errNotYetValid() *Error {
	return newError(codeAccessDenied, http.StatusForbidden, "Request is not valid yet")
}

func errContentSHA256Mismatch() *Error {
	return newError(codeContentSHA256Mismatch, http.StatusBadRequest, "The provided 'x-amz-content-sha256' header does not match what was computed.")
}

func errIncomplete(format string, args ...any) *Error {
	return newError(codeIncompleteBody, http.StatusBadRequest, "The request body is incomplete: "+format, args...)
}

func errChunkFraming(format string, args ...any) *Error {
	return newError(codeInvalidRequest, http.StatusBadRequest, "Malformed aws-chunked body: "+format, args...)
}

func errTooLarge(limit int64) *Error {
	return newError(codeEntityTooLarge, http.StatusBadRequest, "Your proposed upload exceeds the maximum allowed size of %d bytes for a request without x-amz-content-sha256.", limit)
}

func errArgument(format string, args ...any) *Error {
	return newError(codeInvalidArgument, http.StatusBadRequest, format, args...)
}

func errUnsupportedAuth(format string, args ...any) *Error {
	return newError(codeInvalidRequest, http.StatusBadRequest, format, args...)
}
