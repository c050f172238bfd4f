// Package awsapi holds what every AWS-style API in tarn shares on the wire:
// the error type and its REST-XML and JSON 1.1 shapes, and the per-request
// information the edge fills in (request id, caller, operation).
package awsapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"

	"github.com/tarnlake/tarn/internal/access"
)

// Error is an API error as the client sees it.
type Error struct {
	Code    string
	Message string
	Status  int
	// Members are what some JSON APIs add to the error's body beside
	// __type and message (Athena's AthenaErrorCode, the Data API's
	// StatementId…).
	Members map[string]string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// With sets the error's members and returns it.
func (e *Error) With(members map[string]string) *Error {
	e.Members = members
	return e
}

// Errorf makes an Error with a formatted message.
func Errorf(status int, code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Status: status}
}

// Info travels with a request through the edge into an API's handler.
type Info struct {
	RequestID string
	API       string      // "s3", "kinesis", ...
	Op        string      // set by the handler: "PutObject", ...
	Key       *access.Key // the verified caller
	// Trailer returns the trailing headers of an aws-chunked body once it
	// has been read to its end (nil for other bodies).
	Trailer func() map[string]string
	// ErrorCode is the code of the error answered, set by WriteXML and
	// WriteJSON, for the edge's log.
	ErrorCode string
}

type infoKey struct{}

// NewInfo makes an Info with a fresh request id and puts it on ctx.
func NewInfo(ctx context.Context) (context.Context, *Info) {
	var b [8]byte
	rand.Read(b[:])
	in := &Info{RequestID: strings.ToUpper(hex.EncodeToString(b[:]))}
	return context.WithValue(ctx, infoKey{}, in), in
}

// InfoFrom returns the request's Info (never nil).
func InfoFrom(ctx context.Context) *Info {
	if in, ok := ctx.Value(infoKey{}).(*Info); ok {
		return in
	}
	return &Info{}
}

// WriteXML writes an S3-style (REST-XML) error.
func WriteXML(w http.ResponseWriter, r *http.Request, e *Error) {
	in := InfoFrom(r.Context())
	in.ErrorCode = e.Code
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("x-amz-request-id", in.RequestID)
	w.WriteHeader(e.Status)
	if r.Method == http.MethodHead {
		return // HEAD responses carry no body
	}
	b, _ := xml.Marshal(struct {
		XMLName   xml.Name `xml:"Error"`
		Code      string
		Message   string
		Resource  string
		RequestID string `xml:"RequestId"`
	}{Code: e.Code, Message: e.Message, Resource: r.URL.Path, RequestID: in.RequestID})
	w.Write([]byte(xml.Header))
	w.Write(b)
}

// WriteJSON writes a JSON 1.1 error (Kinesis, Glue, Athena, Firehose).
func WriteJSON(w http.ResponseWriter, r *http.Request, e *Error) {
	in := InfoFrom(r.Context())
	in.ErrorCode = e.Code
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("x-amzn-RequestId", in.RequestID)
	w.Header().Set("X-Amzn-ErrorType", e.Code)
	w.WriteHeader(e.Status)
	body := map[string]string{"__type": e.Code, "message": e.Message}
	for k, v := range e.Members {
		body[k] = v
	}
	json.NewEncoder(w).Encode(body)
}
