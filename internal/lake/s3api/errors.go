package s3api

import (
	"context"
	"encoding/xml"
	"errors"
	"io"
	"net/http"

	"github.com/tarnlake/tarn/internal/awsapi"
	"github.com/tarnlake/tarn/internal/lake"
)

// s3Errors maps the seam's errors to S3's codes.
var s3Errors = []struct {
	err    error
	code   string
	status int
}{
	{lake.ErrNoSuchBucket, "NoSuchBucket", http.StatusNotFound},
	{lake.ErrNoSuchKey, "NoSuchKey", http.StatusNotFound},
	{lake.ErrBucketExists, "BucketAlreadyOwnedByYou", http.StatusConflict},
	{lake.ErrBucketNotEmpty, "BucketNotEmpty", http.StatusConflict},
	{lake.ErrInvalidBucket, "InvalidBucketName", http.StatusBadRequest},
	{lake.ErrInvalidKey, "InvalidArgument", http.StatusBadRequest},
	{lake.ErrKeyTooLong, "KeyTooLongError", http.StatusBadRequest},
	{lake.ErrKeyConflict, "KeyConflict", http.StatusConflict},
	{lake.ErrNoSuchUpload, "NoSuchUpload", http.StatusNotFound},
	{lake.ErrInvalidPart, "InvalidPart", http.StatusBadRequest},
	{lake.ErrInvalidPartOrder, "InvalidPartOrder", http.StatusBadRequest},
	{lake.ErrEntityTooSmall, "EntityTooSmall", http.StatusBadRequest},
	{lake.ErrInvalidRange, "InvalidRange", http.StatusRequestedRangeNotSatisfiable},
	{lake.ErrIncompleteBody, "IncompleteBody", http.StatusBadRequest},
	{lake.ErrBadDigest, "BadDigest", http.StatusBadRequest},
	{lake.ErrMetadataTooLarge, "MetadataTooLarge", http.StatusBadRequest},
	{lake.ErrPreconditionFailed, "PreconditionFailed", http.StatusPreconditionFailed},
	{io.ErrUnexpectedEOF, "IncompleteBody", http.StatusBadRequest},
}

// clientError is a part's error that S3 answers as the client's fault
// (400) with the code and message it gives.
type clientError interface {
	error
	S3Error() (code, message string)
}

// fail writes err as an S3 error; what is not the client's fault is logged.
func (a *API) fail(w http.ResponseWriter, r *http.Request, err error) {
	var ae *awsapi.Error
	var ce clientError
	switch {
	case errors.As(err, &ae):
	case errors.As(err, &ce):
		code, msg := ce.S3Error()
		ae = &awsapi.Error{Code: code, Message: msg, Status: http.StatusBadRequest}
		switch code {
		case "NotImplemented":
			ae.Status = http.StatusNotImplemented
		case "AccessDenied":
			ae.Status = http.StatusForbidden
		}
	case errors.Is(err, context.Canceled):
		return // the client went away
	default:
		for _, m := range s3Errors {
			if errors.Is(err, m.err) {
				ae = &awsapi.Error{Code: m.code, Message: err.Error(), Status: m.status}
				break
			}
		}
	}
	if ae == nil {
		a.log.Error("request failed", "op", awsapi.InfoFrom(r.Context()).Op, "path", r.URL.Path, "err", err)
		ae = &awsapi.Error{Code: "InternalError", Message: "We encountered an internal error. Please try again.", Status: http.StatusInternalServerError}
	}
	awsapi.WriteXML(w, r, ae)
}

// writeXML writes a successful XML response.
func writeXML(w http.ResponseWriter, v any) error {
	b, err := xml.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/xml")
	w.Write([]byte(xml.Header))
	_, err = w.Write(b)
	return err
}

// readXML decodes a request body of at most limit bytes.
func readXML(r io.Reader, limit int64, v any) error {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return err
	}
	if int64(len(b)) > limit {
		return awsapi.Errorf(http.StatusBadRequest, "MalformedXML", "the XML body is larger than %d bytes", limit)
	}
	if err := xml.Unmarshal(b, v); err != nil {
		return awsapi.Errorf(http.StatusBadRequest, "MalformedXML",
			"The XML you provided was not well-formed or did not validate against our published schema: %v", err)
	}
	return nil
}
