package athenaapi

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tarnlake/tarn/internal/lake"
	"github.com/tarnlake/tarn/internal/query"
)

// pollEvery is how often a running query rereads its execution, to see a
// StopQueryExecution another process recorded.
const pollEvery = time.Second

// reserve takes a place in the queue, or refuses when it is full.
func (a *API) reserve() error {
	if a.queued.Add(1) > int64(a.opts.MaxConcurrent*16) {
		a.queued.Add(-1)
		return clientErr(codeTooMany, "Too many queries are queued; at most %d may wait. Retry later.", a.opts.MaxConcurrent*16).With(map[string]string{"Reason": "CONCURRENT_QUERY_LIMIT_EXCEEDED"})
	}
	return nil
}

// launch runs a stored execution in the background, holding the place
// reserve took.
func (a *API) launch(e execution, sql string, args []any) {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		a.queued.Add(-1)
		a.finish(a.base, e.ID, nil, nil)
		return
	}
	ctx, cancel := context.WithCancelCause(a.base)
	a.running[e.ID] = cancel
	a.wg.Add(1)
	a.mu.Unlock()
	go a.run(ctx, cancel, e, sql, args)
}

func (a *API) run(ctx context.Context, cancel context.CancelCauseFunc, e execution, sql string, args []any) {
	defer a.wg.Done()
	defer func() {
		a.mu.Lock()
		delete(a.running, e.ID)
		a.mu.Unlock()
		cancel(nil)
	}()
	select {
	case a.sem <- struct{}{}:
		a.queued.Add(-1)
		defer func() { <-a.sem }()
	case <-ctx.Done():
		a.queued.Add(-1)
		a.finish(ctx, e.ID, nil, nil)
		return
	}
	id, now := e.ID, a.opts.Now()
	e, err := a.updateExec(context.WithoutCancel(ctx), id, func(e *execution) bool {
		if e.State != stateQueued {
			return false
		}
		e.State, e.Started = stateRunning, now
		return true
	})
	if err != nil || e.State != stateRunning {
		if err != nil {
			a.log.Error("start query execution", "id", id, "err", err)
		}
		return
	}
	if !a.opts.Exclusive {
		go a.watch(ctx, cancel, e.ID)
	}
	tctx, tcancel := context.WithTimeoutCause(ctx, a.opts.QueryTimeout, errTimeout)
	defer tcancel()
	err = a.execute(tctx, &e, sql, args)
	a.finish(tctx, e.ID, err, &e)
}

// watch cancels the query when another process has stopped it.
func (a *API) watch(ctx context.Context, cancel context.CancelCauseFunc, id string) {
	t := time.NewTicker(pollEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if e, err := a.getExec(ctx, id); err == nil && e.State == stateCancelled {
			cancel(errStopped)
			return
		}
	}
}

// execute runs the statement in the caller's session and writes its
// results.
func (a *API) execute(ctx context.Context, e *execution, sql string, args []any) error {
	sess, err := a.engine.Session(ctx, e.User)
	if err != nil {
		return err
	}
	defer sess.Close()
	if e.Database != "" {
		// The catalog keeps database names lower-cased, as Glue does.
		res, err := sess.Query(ctx, "USE "+quoteIdent(strings.ToLower(e.Database)))
		if err != nil {
			return err
		}
		if res.Rows != nil {
			res.Rows.Close()
		}
	}
	res, err := sess.Query(ctx, sql, args...)
	if err != nil {
		return err
	}
	if res.Rows != nil {
		defer res.Rows.Close()
	}
	err = a.writeResults(ctx, e, res)
	e.EngineDone = a.opts.Now()
	return err
}

// finish records how a query ended, unless it has already ended (stopped
// by a request); res holds what a successful run wrote.
func (a *API) finish(ctx context.Context, id string, err error, res *execution) {
	state, reason, category, typ, retry := outcome(ctx, err)
	now := a.opts.Now()
	changed := false
	e, uerr := a.updateExec(context.WithoutCancel(ctx), id, func(e *execution) bool {
		if finished(e.State) {
			return false
		}
		if res != nil {
			e.Columns, e.Rows, e.Bytes, e.UpdateCount, e.EngineDone = res.Columns, res.Rows, res.Bytes, res.UpdateCount, res.EngineDone
		}
		e.State, e.Reason, e.ErrCategory, e.ErrType, e.Retryable = state, reason, category, typ, retry
		e.Completed = now
		changed = true
		return true
	})
	if uerr != nil {
		a.log.Error("record query execution", "id", id, "state", state, "err", uerr)
	}
	if changed {
		a.metrics.ended(e)
	}
	if state == stateFailed && category == 1 {
		a.log.Warn("query failed", "id", id, "reason", reason)
	}
}

// outcome is a run's final state with Athena's error category (1 system,
// 2 user) and error type for failures.
func outcome(ctx context.Context, err error) (state, reason string, category, typ int, retry bool) {
	if ctx.Err() != nil {
		switch cause := context.Cause(ctx); cause {
		case errTimeout:
			return stateFailed, "Query timeout", 1, 206, true
		case errShutdown:
			return stateCancelled, cause.Error(), 0, 0, false
		default:
			return stateCancelled, "Query cancelled by user", 0, 0, false
		}
	}
	var qe *query.Error
	var we *writeError
	switch {
	case err == nil:
		return stateSucceeded, "", 0, 0, false
	case errors.As(err, &we) && errors.Is(err, lake.ErrNoSuchBucket):
		return stateFailed, "Unable to verify/create output bucket: " + we.Error(), 2, 1000, false
	case errors.As(err, &we):
		return stateFailed, fmt.Sprintf("Error writing query results: %v", we), 1, 401, true
	case errors.As(err, &qe):
		switch qe.Code[:min(2, len(qe.Code))] {
		case "53":
			return stateFailed, qe.Error(), 1, 1, true
		case "XX", "58", "57":
			return stateFailed, qe.Error(), 1, 200, false
		}
		return stateFailed, qe.Error(), 2, 1000, false
	}
	return stateFailed, err.Error(), 1, 100, false
}
