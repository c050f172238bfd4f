package redshiftdata

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tarnlake/tarn/internal/awsapi"
	"github.com/tarnlake/tarn/internal/catalog"
	"github.com/tarnlake/tarn/internal/query"
)

// pollEvery is how often a running statement rereads itself, to see a
// CancelStatement another process recorded.
const pollEvery = time.Second

// reserve takes a place among the active statements, the process's and
// the key's, or refuses.
func (a *API) reserve(user string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.active >= a.opts.MaxActive {
		return awsapi.Errorf(http.StatusBadRequest, codeActive,
			"Too many statements are active; at most %d may be submitted and not yet ended. Retry later.", a.opts.MaxActive)
	}
	k := a.keys[user]
	if k == nil {
		k = &keyUse{sem: make(chan struct{}, a.opts.MaxConcurrentPerKey)}
		a.keys[user] = k
	}
	if k.active >= a.opts.MaxActivePerKey {
		return awsapi.Errorf(http.StatusBadRequest, codeActive,
			"Too many statements of this key are active; at most %d may be submitted and not yet ended. Retry later.", a.opts.MaxActivePerKey)
	}
	a.active++
	k.active++
	return nil
}

// release gives back the place reserve took.
func (a *API) release(user string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.active--
	if k := a.keys[user]; k != nil {
		if k.active--; k.active == 0 {
			delete(a.keys, user)
		}
	}
}

// keySem is the user's running tokens; the user holds a place.
func (a *API) keySem(user string) chan struct{} {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.keys[user].sem
}

// launch runs a stored statement in the background, holding the place
// reserve took.
func (a *API) launch(st *statement, sqls []string) {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		a.release(st.User)
		a.end(a.base, st.ID, nil)
		return
	}
	ctx, cancel := context.WithCancelCause(a.base)
	a.running[st.ID] = cancel
	a.wg.Add(1)
	a.mu.Unlock()
	go a.run(ctx, cancel, st.ID, st.User, sqls)
}

func (a *API) run(ctx context.Context, cancel context.CancelCauseFunc, id, user string, sqls []string) {
	defer a.wg.Done()
	defer func() {
		a.mu.Lock()
		delete(a.running, id)
		a.mu.Unlock()
		cancel(nil)
		a.release(user)
	}()
	// The key's token first: a key waiting on its own share holds none of
	// the process's.
	for _, sem := range []chan struct{}{a.keySem(user), a.sem} {
		select {
		case sem <- struct{}{}:
			defer func() { <-sem }()
		case <-ctx.Done():
			a.end(ctx, id, nil)
			return
		}
	}
	now := a.opts.Now()
	st, ok := a.change(ctx, id, func(st *statement) {
		st.Status, st.Updated = statusPicked, now
	})
	if !ok {
		return
	}
	if !a.opts.Exclusive {
		go a.watch(ctx, cancel, id)
	}
	tctx, tcancel := context.WithTimeoutCause(ctx, a.opts.QueryTimeout, errTimeout)
	defer tcancel()
	a.execute(tctx, st, sqls)
}

// watch cancels the statement when another process has canceled it.
func (a *API) watch(ctx context.Context, cancel context.CancelCauseFunc, id string) {
	t := time.NewTicker(pollEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if st, err := a.getStatement(ctx, id); err == nil && st.Status == statusAborted {
			cancel(errCanceled)
			return
		}
	}
}

// change applies f to the statement unless it has ended (canceled
// meanwhile); ok reports whether f was applied.
func (a *API) change(ctx context.Context, id string, f func(*statement)) (*statement, bool) {
	applied := false
	st, err := a.updateStatement(context.WithoutCancel(ctx), id, func(st *statement) bool {
		if finished(st.Status) {
			return false
		}
		f(st)
		applied = true
		return true
	})
	if err != nil {
		a.log.Error("record statement", "id", id, "err", err)
		return nil, false
	}
	return st, applied
}

// end ends a statement that ran no SQL statement, for err or ctx's end.
func (a *API) end(ctx context.Context, id string, err error) {
	status, msg := outcome(ctx, err)
	now := a.opts.Now()
	a.change(ctx, id, func(st *statement) { endAll(st, status, msg, now) })
}

// execute runs the SQL statements in order in one session of the
// statement's user; several run in one transaction, rolled back when one
// fails, unless the engine refuses transactions.
func (a *API) execute(ctx context.Context, st *statement, sqls []string) {
	sess, err := a.engine.Session(ctx, st.User)
	if err != nil {
		a.end(ctx, st.ID, err)
		return
	}
	defer sess.Close()
	tx := len(sqls) > 1 && a.exec(ctx, sess, "BEGIN") == nil
	rollback := func() {
		if tx {
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
			defer cancel()
			if err := a.exec(rctx, sess, "ROLLBACK"); err != nil {
				a.log.Warn("roll back batch", "id", st.ID, "err", err)
			}
		}
	}
	for i, sql := range sqls {
		now := a.opts.Now()
		if _, ok := a.change(ctx, st.ID, func(st *statement) {
			s := &st.Subs[i]
			s.Status, s.Started, s.Updated, s.QueryID = statusStarted, now, now, a.queryID.Add(1)
			st.Status, st.Updated = statusStarted, now
			if st.Started.IsZero() {
				st.Started = now
			}
		}); !ok {
			rollback()
			return
		}
		r := a.runSQL(ctx, sess, st.ID, i+1, sql)
		last := i == len(sqls)-1
		if r.err == nil && last && tx {
			if err := a.exec(ctx, sess, "COMMIT"); err != nil {
				// It may have failed before reaching the transaction:
				// rollback ends it either way.
				r.err = fmt.Errorf("COMMIT failed, so the batch's transaction was rolled back: %v", err)
			} else {
				tx = false
			}
		}
		if r.err != nil {
			rollback() // before FAILED is seen: a client may go on at once
			a.endSub(ctx, st.ID, i, r, last)
			return
		}
		if !a.endSub(ctx, st.ID, i, r, last) {
			rollback()
			return
		}
	}
}

// exec runs a statement whose rows do not matter.
func (a *API) exec(ctx context.Context, sess query.Session, sql string) error {
	res, err := sess.Query(ctx, sql)
	if err != nil {
		return err
	}
	if res.Rows != nil {
		return res.Rows.Close()
	}
	return nil
}

// subResult is what running one SQL statement produced.
type subResult struct {
	err          error
	hasResultSet bool
	columns      []column
	rows, size   int64
	pages        int
}

// runSQL runs the nth SQL statement and stores its rows as pages of
// records.
func (a *API) runSQL(ctx context.Context, sess query.Session, id string, n int, sql string) subResult {
	res, err := sess.Query(ctx, sql)
	if err != nil {
		return subResult{err: err}
	}
	r := subResult{rows: tagCount(res.Tag)}
	if res.Rows == nil {
		return r
	}
	defer res.Rows.Close()
	cols := res.Rows.Columns()
	if len(cols) == 0 {
		r.err = res.Rows.Err()
		return r
	}
	r.hasResultSet = true
	for _, c := range cols {
		r.columns = append(r.columns, resultColumn(c))
	}
	w := &pageWriter{a: a, ctx: context.WithoutCancel(ctx), id: id, n: n, cols: cols}
	for r.err == nil && res.Rows.Next() {
		r.err = w.add(res.Rows.Values())
	}
	if r.err == nil {
		r.err = res.Rows.Err()
	}
	if r.err == nil {
		r.err = w.flush()
	}
	if r.err == nil && ctx.Err() != nil {
		r.err = ctx.Err()
	}
	r.rows, r.size, r.pages = w.rows, w.size, w.pages
	return r
}

// endSub records how the ith SQL statement ended and, when it failed or
// was the last, how the statement did. It reports false when the
// statement had already ended (canceled meanwhile): the rows stored are
// then dropped.
func (a *API) endSub(ctx context.Context, id string, i int, r subResult, last bool) bool {
	status, msg := outcome(ctx, r.err)
	drop := func() {
		if err := a.deleteResults(context.WithoutCancel(ctx), id, i+1, 0); err != nil {
			a.log.Warn("drop result pages", "id", id, "err", err)
		}
	}
	if status != statusFinished {
		drop() // before the statement says it ended: none is seen then
	}
	now := a.opts.Now()
	_, ok := a.change(ctx, id, func(st *statement) {
		s := &st.Subs[i]
		s.Ended, s.Updated = now, now
		if status != statusFinished {
			endAll(st, status, msg, now)
			return
		}
		s.Status, s.HasResultSet, s.Columns = statusFinished, r.hasResultSet, r.columns
		s.Rows, s.Size, s.Pages = max(r.rows, 0), max(r.size, 0), r.pages
		st.Updated = now
		if last {
			st.Status, st.Ended = statusFinished, now
		}
	})
	if !ok && status == statusFinished {
		drop()
	}
	if ok && status == statusFailed {
		a.log.Debug("statement failed", "id", id, "error", msg)
	}
	return ok
}

// outcome is how a statement ends for err, or for its context's end.
func outcome(ctx context.Context, err error) (status, msg string) {
	if ctx.Err() != nil {
		switch cause := context.Cause(ctx); cause {
		case errCanceled:
			return statusAborted, ""
		case errTimeout:
			return statusFailed, "Query timeout: the statement ran longer than tarn allows."
		default:
			return statusFailed, cause.Error()
		}
	}
	var qe *query.Error
	var tl *tooLarge
	switch {
	case err == nil:
		return statusFinished, ""
	case errors.As(err, &tl):
		return statusFailed, tl.Error()
	case errors.As(err, &qe):
		return statusFailed, "ERROR: " + qe.Message
	}
	return statusFailed, err.Error()
}

// tagCount is the count a command tag ends with (INSERT 0 5, UPDATE 3,
// UNLOAD 10): the rows a statement without a result set affected.
func tagCount(tag string) int64 {
	i := strings.LastIndexByte(tag, ' ')
	if i < 0 {
		return 0
	}
	n, err := strconv.ParseInt(tag[i+1:], 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// Result pages close at pageRows rows or pageBytes bytes of records.
const (
	pageRows  = 1000
	pageBytes = 1 << 20
)

// tooLarge fails a statement whose result tarn will not keep.
type tooLarge struct{ rows, bytes int64 }

func (e *tooLarge) Error() string {
	return fmt.Sprintf("The result is larger than the Data API keeps (at most %d rows and %d MiB of records): "+
		"write it to the lake with UNLOAD ('<your query>') TO 's3://bucket/prefix/' FORMAT AS PARQUET, or narrow it with LIMIT.",
		e.rows, e.bytes>>20)
}

// pageWriter stores a result's records as pages, each a catalog document
// holding a JSON array of records ready to answer.
type pageWriter struct {
	a          *API
	ctx        context.Context
	id         string
	n          int
	cols       []query.Column
	buf        []byte
	inPage     int
	pages      int
	rows, size int64
}

func (w *pageWriter) add(vals []any) error {
	if w.rows >= w.a.opts.MaxResultRows {
		return &tooLarge{w.a.opts.MaxResultRows, w.a.opts.MaxResultBytes}
	}
	start := len(w.buf)
	if w.inPage == 0 {
		w.buf = append(w.buf[:0], '[')
		start = 0
	} else {
		w.buf = append(w.buf, ',')
	}
	w.buf = append(w.buf, '[')
	for i, v := range vals {
		if i > 0 {
			w.buf = append(w.buf, ',')
		}
		var t *query.Type
		if i < len(w.cols) {
			t = &w.cols[i].Type
		}
		w.buf = appendField(w.buf, v, t)
	}
	w.buf = append(w.buf, ']')
	w.size += int64(len(w.buf) - start)
	w.rows++
	w.inPage++
	if w.size > w.a.opts.MaxResultBytes {
		return &tooLarge{w.a.opts.MaxResultRows, w.a.opts.MaxResultBytes}
	}
	if w.inPage >= pageRows || len(w.buf) >= pageBytes {
		return w.flush()
	}
	return nil
}

func (w *pageWriter) flush() error {
	if w.inPage == 0 {
		return nil
	}
	w.buf = append(w.buf, ']')
	_, err := w.a.docs.PutDoc(w.ctx, catalog.Doc{Kind: kindResult, Name: resultName(w.id, w.n, w.pages), Body: w.buf}, catalog.AnyRev)
	if err != nil {
		return fmt.Errorf("store result page: %w", err)
	}
	w.pages++
	w.inPage = 0
	return nil
}
