// Package athenaapi serves the Amazon Athena JSON 1.1 API (X-Amz-Target
// "AmazonAthena.<Op>") over the SQL seam: query executions run in the
// background as the caller's own engine session, their results are written
// into the lake as Athena writes them (CSV plus a metadata document), and
// executions, workgroups and named queries are catalog documents, so they
// outlive the process and every process sharing the catalog sees them.
package athenaapi

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/awsapi"
	"github.com/tarnlake/tarn/internal/catalog"
	"github.com/tarnlake/tarn/internal/lake"
	"github.com/tarnlake/tarn/internal/query"
)

// Options configures the API.
type Options struct {
	Region string // default us-east-1
	Now    func() time.Time
	// MaxConcurrent bounds the queries running at once (default 4); the
	// rest wait QUEUED, up to 16 times as many.
	MaxConcurrent int
	// DefaultOutput is where results go when neither the request nor its
	// workgroup names an OutputLocation ("s3://tarn-athena-results/").
	DefaultOutput string
	QueryTimeout  time.Duration // default 30 minutes
	// Exclusive says no other process shares the catalog store, so
	// executions it holds as QUEUED or RUNNING belong to a dead process.
	Exclusive  bool
	Registerer prometheus.Registerer // nil: no metrics
}

// API is the Athena handler.
type API struct {
	engine  query.Engine
	docs    catalog.Documents // executions, workgroups and named queries
	objects lake.Objects
	log     *slog.Logger
	opts    Options
	srv     *awsapi.JSONServer
	metrics *metrics

	base   context.Context // parent of every query's context; Close cancels it
	stop   context.CancelCauseFunc
	sem    chan struct{} // one token per running query
	queued atomic.Int64  // queries accepted and not yet running
	wg     sync.WaitGroup

	mu      sync.Mutex
	closed  bool
	running map[string]context.CancelCauseFunc // by execution id, queued or running here
}

// maxBody bounds a request: Athena's 256 KiB query string fits with room.
const maxBody = 1 << 20

// New serves engine over objects, keeping its state in docs. With
// opts.Exclusive it first fails the executions a previous process left
// unfinished.
func New(engine query.Engine, docs catalog.Documents, objects lake.Objects, log *slog.Logger, opts Options) *API {
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxConcurrent <= 0 {
		opts.MaxConcurrent = 4
	}
	if opts.QueryTimeout <= 0 {
		opts.QueryTimeout = 30 * time.Minute
	}
	a := &API{
		engine: engine, docs: docs, objects: objects,
		log:     log.With("component", "athenaapi"),
		opts:    opts,
		metrics: newMetrics(opts.Registerer),
		sem:     make(chan struct{}, opts.MaxConcurrent),
		running: map[string]context.CancelCauseFunc{},
	}
	a.base, a.stop = context.WithCancelCause(context.Background())
	a.srv = &awsapi.JSONServer{
		Service: "Athena", MaxBody: maxBody, Internal: codeInternal, Log: a.log,
		TooLarge: func(n int) error { return invalid("The request body is larger than %d bytes.", n) },
		BadBody:  badBody,
		Ops:      a.operations(),
	}
	return a
}

// Recover marks the queries a killed process left queued or running as
// failed, on a store of this process's own (Options.Exclusive). Call it
// before serving.
func (a *API) Recover(ctx context.Context) error {
	if a.opts.Exclusive {
		a.failOrphans(ctx)
	}
	return nil
}

// Run serves until ctx ends or Close; queries run with or without it, and
// Close ends them.
func (a *API) Run(ctx context.Context) error {
	select {
	case <-ctx.Done():
	case <-a.base.Done():
	}
	return nil
}

type call = awsapi.Request

func (a *API) operations() map[string]func(*call) (any, error) {
	ops := map[string]func(*call) (any, error){
		"StartQueryExecution":    a.startQueryExecution,
		"GetQueryExecution":      a.getQueryExecution,
		"GetQueryResults":        a.getQueryResults,
		"StopQueryExecution":     a.stopQueryExecution,
		"ListQueryExecutions":    a.listQueryExecutions,
		"BatchGetQueryExecution": a.batchGetQueryExecution,
		"CreateWorkGroup":        a.createWorkGroup,
		"GetWorkGroup":           a.getWorkGroup,
		"ListWorkGroups":         a.listWorkGroups,
		"UpdateWorkGroup":        a.updateWorkGroup,
		"DeleteWorkGroup":        a.deleteWorkGroup,
		"CreateNamedQuery":       a.createNamedQuery,
		"GetNamedQuery":          a.getNamedQuery,
		"ListNamedQueries":       a.listNamedQueries,
		"BatchGetNamedQuery":     a.batchGetNamedQuery,
		"UpdateNamedQuery":       a.updateNamedQuery,
		"DeleteNamedQuery":       a.deleteNamedQuery,
	}
	return ops
}

func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.srv.ServeHTTP(w, r)
}

// Close cancels the queries this process runs or has queued (they end
// CANCELLED) and waits for them to record it.
func (a *API) Close() error {
	a.mu.Lock()
	a.closed = true
	a.mu.Unlock()
	a.stop(errShutdown)
	a.wg.Wait()
	return nil
}

// owns reports whether the caller may see what user made: its own, or
// anything for root.
func owns(c *call, user string) bool {
	return c.Caller == nil || c.Caller.Root || c.Caller.ID == user
}

// user is who the caller's queries run as.
func user(c *call) string {
	if c.Caller == nil {
		return "root"
	}
	return c.Caller.ID
}

// authorize checks the caller may do act to bucket, or account-wide
// (managing workgroups) when bucket is "".
func (a *API) authorize(c *call, act access.Action, bucket string) error {
	r := access.Bucket(bucket)
	if bucket == "" {
		r = access.Workgroup("")
	}
	if c.Caller == nil || c.Caller.Allowed(act, r) {
		return nil
	}
	res := "arn:aws:s3:::" + bucket
	if bucket == "" {
		res = "arn:aws:athena:" + a.opts.Region + ":" + account + ":workgroup/*"
	}
	return clientErr("AccessDeniedException", "User: %s is not authorized to perform: athena:%s (%s) on resource: %s",
		c.Caller.ID, c.Op, act, res)
}

// account is the AWS account id tarn's ARNs carry.
const account = "000000000000"
