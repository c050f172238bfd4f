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
	"strconv"
	"strings"
	"time"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/authlimit"
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
	Lambda  http.Handler // "/2015-03-31/…" and "/2019-09-25/functions/…" paths
	// SpoolDir holds bodies that must be read before their signature can be
	// checked (see needsSpool); empty means the system's temporary folder.
	SpoolDir string
	// SpoolBytes bounds the bytes spooled for all requests together before
	// their signatures are checked, and so the largest such body (default
	// 256 MiB).
	SpoolBytes int64
	// BufferBytes bounds the bytes held in memory for all requests together
	// before their signatures are checked: the bodies of JSON APIs, whose
	// signatures cover a hash the request does not carry (default 16 MiB).
	BufferBytes int64
	// BudgetWait is how long a request waits for SpoolBytes or BufferBytes
	// before it is answered 503 SlowDown (default 2s).
	BudgetWait time.Duration
	// BodyTimeout ends a request whose body sends nothing for this long,
	// and closes its connection (default 30s; negative: no limit).
	BodyTimeout time.Duration
	// Throttle slows down repeated signature failures per claimed key and
	// source address; nil: one of the edge's own with defaults.
	Throttle *authlimit.Limiter
}

const (
	defaultSpoolBytes  = 256 << 20
	defaultBufferBytes = 16 << 20 // one largest JSON body: 32 bad-signature ones stay within 50 MiB of idle
	defaultBudgetWait  = 2 * time.Second
	defaultBodyTimeout = 30 * time.Second
)

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
	spool   *budget // bytes spooled to disk before verification
	memory  *budget // bytes buffered in memory before verification
}

// New builds the edge; reg receives its metrics.
func New(log *slog.Logger, m *Metrics, opts Options) *Edge {
	if opts.SpoolBytes <= 0 {
		opts.SpoolBytes = defaultSpoolBytes
	}
	if opts.BufferBytes <= 0 {
		opts.BufferBytes = defaultBufferBytes
	}
	if opts.BudgetWait <= 0 {
		opts.BudgetWait = defaultBudgetWait
	}
	if opts.BodyTimeout == 0 {
		opts.BodyTimeout = defaultBodyTimeout
	}
	if opts.Throttle == nil {
		opts.Throttle = authlimit.New(authlimit.Options{})
	}
	return &Edge{opts: opts, log: log.With("component", "edge"), metrics: m,
		spool: newBudget(opts.SpoolBytes), memory: newBudget(opts.BufferBytes)}
}

func (e *Edge) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	ctx, in := awsapi.NewInfo(r.Context())
	r = r.WithContext(ctx)
	sw := &statusWriter{ResponseWriter: w}
	api, handler, writeErr := e.route(r)
	in.API = api
	claimed, source := claimedKey(r), authlimit.Source(r.RemoteAddr)
	quiet := false // a refusal already logged once: debug only
	defer func() {
		e.metrics.observe(in, sw, time.Since(start))
		e.logOutcome(r, in, sw, claimed, quiet)
	}()
	if e.opts.BodyTimeout > 0 && r.Body != nil && r.Body != http.NoBody {
		r.Body = newStallGuard(w, r.Body, e.opts.BodyTimeout)
	}

	// Everything before Verify spends nothing on the body: a request whose
	// signature is wrong is answered before its body is read, except where
	// the signature covers a body it does not describe (see reserve).
	if d := e.opts.Throttle.Allow(claimed, source); !d.OK {
		in.Op, quiet = "Authenticate", d.Refused > 1
		sw.Header().Set("Retry-After", strconv.Itoa(int(d.Wait.Round(time.Second)/time.Second)+1))
		writeErr(sw, r, awsapi.Errorf(http.StatusServiceUnavailable, "SlowDown",
			"Too many failed authentication attempts for this key from your address; retry in %s.", d.Wait.Round(time.Second)))
		return
	}
	release, err := e.reserve(r)
	if err != nil {
		in.Op = "Authenticate"
		writeErr(sw, r, apiError(err))
		return
	}
	defer release()
	res, err := e.opts.Verifier.Verify(r)
	if err != nil {
		in.Op = "Authenticate"
		ae := apiError(err)
		if ae.Code == "SignatureDoesNotMatch" {
			e.opts.Throttle.Fail(claimed, source)
		}
		writeErr(sw, r, ae)
		return
	}
	defer res.Release()
	e.opts.Throttle.Succeed(res.AccessKeyID, source)
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

// reserve spends, within the budgets, what must be spent on r's body before
// its signature can be checked, once everything that can be checked without
// it has been: a body whose signed length was not sent is spooled to learn
// it, and one whose signed hash was not sent is read into memory by Verify.
// Other requests spend nothing.
func (e *Edge) reserve(r *http.Request) (release func(), err error) {
	nothing := func() {}
	spooled := needsSpool(r)
	if !spooled && (r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 || r.Header.Get("X-Amz-Content-Sha256") != "") {
		return nothing, nil
	}
	plan, err := e.opts.Verifier.Prepare(r)
	if err != nil {
		return nil, err
	}
	var unspool func()
	if spooled {
		if unspool, err = spool(r, e.opts.SpoolDir, e.spool, e.opts.BudgetWait); err != nil {
			return nil, err
		}
		if plan.Buffer > 0 { // Verify reads the spooled body into memory too
			plan.Buffer = min(plan.Buffer, r.ContentLength)
		}
	}
	if plan.Buffer > e.memory.size {
		if unspool != nil {
			unspool()
		}
		return nil, awsapi.Errorf(http.StatusRequestEntityTooLarge, "RequestEntityTooLarge",
			"the body is read before its signature can be checked, and this server reads at most %d bytes so", e.memory.size)
	}
	if plan.Buffer > 0 && !e.memory.acquire(r.Context(), plan.Buffer, e.opts.BudgetWait) {
		if unspool != nil {
			unspool()
		}
		return nil, errSlowDown()
	}
	return func() {
		e.memory.release(plan.Buffer)
		if unspool != nil {
			unspool()
		}
	}, nil
}

// apiError turns what authentication failed with into the API's error.
func apiError(err error) *awsapi.Error {
	var ae *awsapi.Error
	var se *sigv4.Error
	switch {
	case errors.As(err, &se):
		return &awsapi.Error{Code: se.Code, Message: se.Message, Status: se.Status}
	case errors.As(err, &ae):
		return ae
	}
	return awsapi.Errorf(http.StatusBadRequest, "IncompleteBody", "%v", err)
}

// logOutcome logs failures: refusals (4xx, and SlowDown) at info with who
// asked from where, the server's own failures as warnings.
func (e *Edge) logOutcome(r *http.Request, in *awsapi.Info, sw *statusWriter, claimed string, quiet bool) {
	status := sw.status
	switch {
	case status >= 500 && in.ErrorCode != "SlowDown":
		e.log.Warn("request failed", "api", in.API, "op", in.Op, "status", status, "code", in.ErrorCode, "request_id", in.RequestID)
	case status >= 400:
		level := slog.LevelInfo
		if quiet {
			level = slog.LevelDebug
		}
		key := claimed
		if in.Key != nil {
			key = in.Key.ID
		}
		path := clipString(r.URL.Path, 256)
		args := []any{"key", key, "api", in.API, "op", in.Op, "method", r.Method, "path", path}
		if target := r.Header.Get("X-Amz-Target"); target != "" {
			args = append(args, "target", clipString(target, 128))
		}
		args = append(args, "remote", r.RemoteAddr, "status", status, "code", in.ErrorCode, "request_id", in.RequestID)
		e.log.Log(r.Context(), level, "request refused", args...)
	}
}

// clipString shortens what a client sent for the log.
func clipString(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
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
	// Lambda's paths start with the date of their API version; the event
	// invoke configuration came later than the functions.
	if strings.HasPrefix(r.URL.Path, "/2015-03-31/") || strings.HasPrefix(r.URL.Path, "/2019-09-25/functions/") {
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
