// Package edge is tarn's one AWS endpoint: it verifies every request's
// SigV4 signature once, then routes it by X-Amz-Target (the JSON 1.1 APIs),
// by path (Lambda) or else to S3, and answers failures in each API's own
// error shape. Every request is counted and timed.
package edge

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/awsapi"
	"github.com/tarnlake/tarn/internal/edge/sigv4"
)

// Keys finds access keys by id.
type Keys interface {
	Lookup(id string) (access.Key, bool)
}

// Options says what the edge serves.
type Options struct {
	Verifier *sigv4.Verifier
	Keys     Keys
	S3       http.Handler
	// Targets maps the service part of X-Amz-Target ("Kinesis_20131202")
	// to the API that serves it.
	Targets map[string]Target
	Lambda  http.Handler // "/2015-03-31/..." paths; nil until functions exist
	// SpoolDir holds bodies that must be read before their signature can be
	// checked (see needsSpool); empty means the system's temporary folder.
	SpoolDir string
}

// Target is a JSON 1.1 API and the name its metrics carry.
type Target struct {
	API     string
	Handler http.Handler
}

// Edge is the AWS endpoint's handler.
type Edge struct {
	opts    Options
	log     *slog.Logger
	metrics *Metrics
}

// New builds the edge; reg receives its metrics.
func New(log *slog.Logger, m *Metrics, opts Options) *Edge {
	return &Edge{opts: opts, log: log.With("component", "edge"), metrics: m}
}

func (e *Edge) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	ctx, in := awsapi.NewInfo(r.Context())
	r = r.WithContext(ctx)
	sw := &statusWriter{ResponseWriter: w}
	api, handler, writeErr := e.route(r)
	in.API = api
	defer func() {
		e.metrics.observe(in, sw, time.Since(start))
		if sw.status >= 500 {
			e.log.Warn("request failed", "api", in.API, "op", in.Op, "status", sw.status, "request_id", in.RequestID)
		}
	}()

	if needsSpool(r) {
		// The body is read before the signature can be checked: at least
		// refuse unknown keys before storing anything.
		if _, ok := e.opts.Keys.Lookup(claimedKey(r)); !ok {
			in.Op = "Authenticate"
			writeErr(sw, r, awsapi.Errorf(http.StatusForbidden, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records."))
			return
		}
		cleanup, err := spool(r, e.opts.SpoolDir)
		if err != nil {
			in.Op = "Authenticate"
			var ae *awsapi.Error
			if !errors.As(err, &ae) {
				ae = awsapi.Errorf(http.StatusBadRequest, "IncompleteBody", "%v", err)
			}
			writeErr(sw, r, ae)
			return
		}
		defer cleanup()
	}
	res, err := e.opts.Verifier.Verify(r)
	if err != nil {
		var se *sigv4.Error
		if !errors.As(err, &se) {
			se = &sigv4.Error{Code: "AccessDenied", Message: err.Error(), Status: http.StatusForbidden}
		}
		in.Op = "Authenticate"
		writeErr(sw, r, &awsapi.Error{Code: se.Code, Message: se.Message, Status: se.Status})
		return
	}
	key, ok := e.opts.Keys.Lookup(res.AccessKeyID)
	if !ok { // removed between verification and now
		writeErr(sw, r, awsapi.Errorf(http.StatusForbidden, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records."))
		return
	}
	in.Key = &key
	in.Trailer = res.Trailer
	r.Body = &body{r: res.Body, c: res.Body, m: e.metrics, api: api}
	r.ContentLength = res.DecodedLength
	if handler == nil {
		in.Op = "Unknown"
		writeErr(sw, r, awsapi.Errorf(http.StatusBadRequest, "UnknownOperationException", "tarn does not serve %q", r.Header.Get("X-Amz-Target")))
		return
	}
	handler.ServeHTTP(sw, r)
}

// route picks the API from the request alone, before authentication, so
// that even an authentication failure is answered in the API's error shape.
func (e *Edge) route(r *http.Request) (api string, h http.Handler, writeErr func(http.ResponseWriter, *http.Request, *awsapi.Error)) {
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		service, _, _ := strings.Cut(target, ".")
		if t, ok := e.opts.Targets[service]; ok {
			return t.API, t.Handler, awsapi.WriteJSON
		}
		return "unknown", nil, awsapi.WriteJSON
	}
	if strings.HasPrefix(r.URL.Path, "/2015-03-31/") {
		if e.opts.Lambda == nil {
			return "lambda", nil, awsapi.WriteJSON
		}
		return "lambda", e.opts.Lambda, awsapi.WriteJSON
	}
	return "s3", e.opts.S3, awsapi.WriteXML
}

// body turns the verifier's errors into API errors and counts bytes in.
type body struct {
	r   io.Reader
	c   io.Closer
	m   *Metrics
	api string
}

func (b *body) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.m.bytesIn.WithLabelValues(b.api).Add(float64(n))
	var se *sigv4.Error
	if errors.As(err, &se) {
		err = &awsapi.Error{Code: se.Code, Message: se.Message, Status: se.Status}
	}
	return n, err
}

func (b *body) Close() error { return b.c.Close() }

// statusWriter records the status and bytes sent. It keeps ReadFrom so that
// serving a file still uses sendfile.
type statusWriter struct {
	http.ResponseWriter
	status int
	n      int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	w.n += int64(n)
	return n, err
}

func (w *statusWriter) ReadFrom(r io.Reader) (int64, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	var n int64
	var err error
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		n, err = rf.ReadFrom(r)
	} else {
		n, err = io.Copy(w.ResponseWriter, r)
	}
	w.n += n
	return n, err
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
