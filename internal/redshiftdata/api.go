// Package redshiftdata serves the Amazon Redshift Data API (JSON 1.1,
// X-Amz-Target "RedshiftData.<Op>") over tarn's SQL seam. Statements run in
// the background, each in an engine session of the calling key, so its
// grants apply as to any query. Statements and their results are catalog
// documents: any process sharing the catalog store answers for them, and
// they are forgotten a day after they end, as the Data API forgets them.
package redshiftdata

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tarnlake/tarn/internal/awsapi"
	"github.com/tarnlake/tarn/internal/catalog"
	"github.com/tarnlake/tarn/internal/query"
)

// Options configures the API; the zero value serves with defaults.
type Options struct {
	// Database is the one database name served (default "tarn", the
	// PostgreSQL port's); requests naming another are refused.
	Database string
	Now      func() time.Time
	// MaxConcurrent bounds the statements running at once (default 4).
	MaxConcurrent int
	// MaxActive bounds the statements submitted and not yet ended in this
	// process (default 64); past it ExecuteStatement answers
	// ActiveStatementsExceededException.
	MaxActive int
	// MaxActivePerKey and MaxConcurrentPerKey bound one key's share of
	// those (defaults: a quarter of MaxActive, half of MaxConcurrent, at
	// least 1), so that no key can take the API from the others.
	MaxActivePerKey     int
	MaxConcurrentPerKey int
	// QueryTimeout ends a statement that runs longer (default 24 hours,
	// the Data API's limit).
	QueryTimeout time.Duration
	// Retention is how long a statement and its results are kept after it
	// ends (default 24 hours).
	Retention time.Duration
	// MaxResultRows and MaxResultBytes bound the result kept for one SQL
	// statement (default 100,000 rows and 64 MiB of records); a larger one
	// fails the statement, whose error says to UNLOAD it instead.
	MaxResultRows  int64
	MaxResultBytes int64
	// MetadataTimeout bounds ListSchemas, ListTables and DescribeTable,
	// which answer at once (default 1 minute).
	MetadataTimeout time.Duration
	// SweepEvery is how often Run forgets expired statements (default 10
	// minutes).
	SweepEvery time.Duration
	// Exclusive says no other process shares the catalog store, so the
	// statements it holds unfinished belong to a dead process.
	Exclusive bool
}

// API is the Data API's handler.
type API struct {
	engine query.Engine
	docs   catalog.Documents // statements, their results and client tokens
	log    *slog.Logger
	opts   Options
	srv    *awsapi.JSONServer

	base    context.Context // parent of every statement's context; Close cancels it
	stop    context.CancelCauseFunc
	sem     chan struct{} // one token per running statement
	queryID atomic.Int64  // RedshiftQueryId: increasing, as Redshift's are
	wg      sync.WaitGroup

	mu      sync.Mutex
	closed  bool
	running map[string]context.CancelCauseFunc // by statement id, here
	active  int                                // statements accepted and not yet ended
	keys    map[string]*keyUse                 // the same, by key
}

// keyUse is one key's share: its active statements, and a token for each
// of them running.
type keyUse struct {
	active int
	sem    chan struct{}
}

// maxBody bounds a request: 40 statements of 100 KiB fit with room.
const maxBody = 8 << 20

// New serves engine, keeping statements and results in docs.
func New(engine query.Engine, docs catalog.Documents, log *slog.Logger, opts Options) *API {
	if opts.Database == "" {
		opts.Database = "tarn"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxConcurrent <= 0 {
		opts.MaxConcurrent = 4
	}
	if opts.MaxActive <= 0 {
		opts.MaxActive = 64
	}
	if opts.MaxActivePerKey <= 0 {
		opts.MaxActivePerKey = max(opts.MaxActive/4, 1)
	}
	if opts.MaxConcurrentPerKey <= 0 {
		opts.MaxConcurrentPerKey = max(opts.MaxConcurrent/2, 1)
	}
	if opts.QueryTimeout <= 0 {
		opts.QueryTimeout = 24 * time.Hour
	}
	if opts.Retention <= 0 {
		opts.Retention = 24 * time.Hour
	}
	if opts.MaxResultRows <= 0 {
		opts.MaxResultRows = 100_000
	}
	if opts.MaxResultBytes <= 0 {
		opts.MaxResultBytes = 64 << 20
	}
	if opts.MetadataTimeout <= 0 {
		opts.MetadataTimeout = time.Minute
	}
	if opts.SweepEvery <= 0 {
		opts.SweepEvery = 10 * time.Minute
	}
	a := &API{
		engine: engine, docs: docs,
		log:     log.With("component", "redshiftdata"),
		opts:    opts,
		sem:     make(chan struct{}, opts.MaxConcurrent),
		running: map[string]context.CancelCauseFunc{},
		keys:    map[string]*keyUse{},
	}
	a.queryID.Store(time.Now().UnixMicro())
	a.base, a.stop = context.WithCancelCause(context.Background())
	a.srv = &awsapi.JSONServer{
		Service: "Redshift Data", MaxBody: maxBody, Internal: codeInternal, Log: a.log,
		TooLarge: func(n int) error { return invalid("The request body is larger than %d bytes.", n) },
		BadBody:  badBody,
		Ops:      a.operations(),
	}
	return a
}

// Recover fails the statements a killed process left unfinished, on a
// store of this process's own (Options.Exclusive). Call it before serving.
func (a *API) Recover(ctx context.Context) error {
	if !a.opts.Exclusive {
		return nil
	}
	return a.failOrphans(ctx)
}

// Run forgets expired statements until ctx ends or Close; statements run
// with or without it.
func (a *API) Run(ctx context.Context) error {
	t := time.NewTicker(a.opts.SweepEvery)
	defer t.Stop()
	for {
		if err := a.sweep(ctx); err != nil && ctx.Err() == nil {
			a.log.Warn("forget expired statements", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-a.base.Done():
			return nil
		case <-t.C:
		}
	}
}

// Close ends the statements this process runs or has queued (they fail,
// saying tarn stopped) and waits for them to record it.
func (a *API) Close() error {
	a.mu.Lock()
	a.closed = true
	a.mu.Unlock()
	a.stop(errShutdown)
	a.wg.Wait()
	return nil
}

type call = awsapi.Request

func (a *API) operations() map[string]func(*call) (any, error) {
	ops := map[string]func(*call) (any, error){
		"ExecuteStatement":      a.executeStatement,
		"BatchExecuteStatement": a.batchExecuteStatement,
		"DescribeStatement":     a.describeStatement,
		"GetStatementResult":    a.getStatementResult,
		"ListStatements":        a.listStatements,
		"CancelStatement":       a.cancelStatement,
		"ListDatabases":         a.listDatabases,
		"ListSchemas":           a.listSchemas,
		"ListTables":            a.listTables,
		"DescribeTable":         a.describeTable,
	}
	return ops
}

func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.srv.ServeHTTP(w, r)
}

// caller is the key a request comes from, whose session its SQL runs in.
func caller(c *call) (string, error) {
	if c.Caller == nil || c.Caller.ID == "" {
		return "", awsapi.Errorf(http.StatusBadRequest, codeDenied, "The Data API needs a signed request: its statements run as the calling key.")
	}
	return c.Caller.ID, nil
}

// owns reports whether the caller may see a statement user ran: its own,
// or any for a root key.
func owns(c *call, user string) bool {
	return c.Caller != nil && (c.Caller.Root || c.Caller.ID == user)
}

func (a *API) isClosed() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.closed
}
