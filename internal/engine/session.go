package engine

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/query"
	"github.com/tarnlake/tarn/internal/query/sqltext"
)

// session is one client's DuckDB connection: its settings and USE last.
type session struct {
	e        *Engine
	conn     *sql.Conn
	user     string
	key      *access.Key       // nil: Options.Keys is nil, the session may do everything
	settings map[string]string // PostgreSQL settings SET in this session (see pgSettings)
	inst     *instance         // the sandboxed DuckDB it runs in
}

// Query implements query.Session. The statement holds one of the
// engine's slots, and its time limit runs, until its rows are closed.
func (s *session) Query(ctx context.Context, text string, args ...any) (query.Result, error) {
	stmts, err := s.admit(text)
	if err != nil {
		return query.Result{}, err
	}
	select {
	case s.e.slots <- struct{}{}:
	case <-ctx.Done():
		return query.Result{}, sqlError(ctx, ctx.Err(), text)
	}
	var cancel context.CancelFunc
	if s.e.opts.QueryTimeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, s.e.opts.QueryTimeout)
	} else {
		// What the statement started ends with it: Prepare's copies of
		// files, warehouse reads it stopped early.
		ctx, cancel = context.WithCancel(ctx)
	}
	hold, err := s.e.holdPending(ctx, stmts)
	if err != nil {
		cancel()
		<-s.e.slots
		return query.Result{}, sqlError(ctx, err, text)
	}
	done := func() { hold(); cancel(); <-s.e.slots }
	res, err := s.query(ctx, text, stmts, args...)
	if err != nil {
		done()
		return res, s.denyHidden(err, stmts)
	}
	res.Rows = &releasing{Rows: res.Rows, release: done}
	return res, nil
}

// releasing gives back a statement's slot when its rows are closed.
type releasing struct {
	query.Rows
	release func()
	once    sync.Once
}

func (r *releasing) Close() error {
	err := r.Rows.Close()
	r.once.Do(r.release)
	return err
}

// query runs text, whose statements admit let through (nil for tarn's
// own statements).
func (s *session) query(ctx context.Context, text string, stmts []sqltext.Statement, args ...any) (query.Result, error) {
	if err := s.e.sync(ctx); err != nil {
		s.e.log.Warn("views not refreshed", "err", err)
	}
	if err := s.refresh(ctx); err != nil {
		return query.Result{}, err
	}
	if len(args) == 0 && len(stmts) <= 1 {
		if len(stmts) == 1 {
			if res, ok := s.pgSetting(stmts[0]); ok {
				return res, nil
			}
		}
		if len(stmts) == 1 {
			if res, ok, err := s.dropExternal(ctx, stmts[0]); ok {
				return res, err
			}
		}
		if res, ok, err := s.hive(ctx, text); ok {
			return res, err
		}
		if len(stmts) == 1 {
			if res, ok, err := s.warehouseWrite(ctx, stmts[0]); ok {
				return res, err
			}
			if res, ok, err := s.lakeWrite(ctx, stmts[0]); ok {
				return res, err
			}
		}
	}
	for _, st := range stmts {
		if st.Tokens[0].Text == "CREATE" { // not tarn's: DuckDB makes only TEMP objects
			if err := admitCreate(st.Tokens); err != nil {
				return query.Result{}, err
			}
		}
	}
	// Here, not before lakeWrite: CTAS, INSERT and UNLOAD come back with
	// the COPY that reads their tables.
	if err := s.e.prepare(ctx, text); err != nil {
		return query.Result{}, err
	}
	if err := s.refresh(ctx); err != nil { // prepare may have made views
		return query.Result{}, err
	}
	tag, orig := commandTag(text), text
	text, pg := pgCompat(text)
	if err := sameStatements(stmts, text); err != nil {
		return query.Result{}, err
	}
	if err := s.pgCatalog(ctx, pg); err != nil {
		return query.Result{}, err
	}
	text = s.withUser(text)
	rows, err := s.conn.QueryContext(ctx, text, args...)
	if err != nil && len(stmts) <= 1 && s.e.syncMissing(ctx, err) {
		// A table made a moment ago: again, with the views brought up to
		// the catalog and its files at hand (one statement: it ran
		// nothing before failing).
		if err := s.e.prepare(ctx, orig); err != nil {
			return query.Result{}, err
		}
		if err := s.refresh(ctx); err != nil {
			return query.Result{}, err
		}
		rows, err = s.conn.QueryContext(ctx, text, args...)
	}
	if err != nil {
		return query.Result{}, sqlError(ctx, err, text)
	}
	r, err := newRows(ctx, rows, text)
	if err != nil {
		rows.Close()
		return query.Result{}, err
	}
	switch {
	case tag != "SELECT" && len(r.cols) == 1 && r.cols[0].Name == "Success":
		// DuckDB answers BEGIN, COMMIT, SET … with an empty "Success"
		// column; PostgreSQL clients (libpq) want no rows at all.
		if err := r.Close(); err != nil {
			return query.Result{}, err
		}
		return query.Result{Rows: emptyRows{}, Tag: tag}, nil
	case tag != "SELECT" && len(r.cols) == 1 && r.cols[0].Name == "Count":
		// DuckDB answers a one-row "Count" result; clients expect the count
		// in the command tag.
		n := int64(0)
		if r.Next() {
			fmt.Sscan(fmt.Sprint(r.Values()[0]), &n)
		}
		if err := r.Close(); err != nil {
			return query.Result{}, err
		}
		switch tag {
		case "INSERT":
			return query.Result{Rows: emptyRows{}, Tag: fmt.Sprintf("INSERT 0 %d", n)}, nil
		case "UPDATE", "DELETE", "COPY":
		case "CREATE TABLE": // CREATE TABLE … AS: PostgreSQL tags it with the rows
			return query.Result{Rows: emptyRows{}, Tag: fmt.Sprintf("SELECT %d", n)}, nil
		default: // DDL: DuckDB counts nothing worth telling
			return query.Result{Rows: emptyRows{}, Tag: tag}, nil
		}
		return query.Result{Rows: emptyRows{}, Tag: fmt.Sprintf("%s %d", tag, n)}, nil
	}
	return query.Result{Rows: r, Tag: tag}, nil
}

// Describe implements query.Session: it prepares the statement and reads
// its parameters and result columns without running it.
func (s *session) Describe(ctx context.Context, text string) (int, []query.Column, error) {
	stmts, err := s.admit(text)
	if err != nil {
		return 0, nil, err
	}
	// Preparing runs every statement but the last: one is described.
	if len(stmts) > 1 {
		return 0, nil, &query.Error{Code: query.CodeSyntax, Message: "cannot insert multiple commands into a prepared statement"}
	}
	for _, st := range stmts {
		if st.Tokens[0].Text == "CREATE" {
			if err := admitCreate(st.Tokens); err != nil {
				return 0, nil, err
			}
		}
	}
	if err := s.e.sync(ctx); err != nil {
		s.e.log.Warn("views not refreshed", "err", err)
	}
	if err := s.refresh(ctx); err != nil {
		return 0, nil, err
	}
	orig := text
	text, pg := pgCompat(text)
	if err := sameStatements(stmts, text); err != nil {
		return 0, nil, err
	}
	if err := s.pgCatalog(ctx, pg); err != nil {
		return 0, nil, err
	}
	text = s.withUser(text)
	params, cols, err := describe(ctx, s.conn, text)
	if err != nil && s.e.opts.Prepare != nil {
		// A view's stand-in describes it without its files; a view whose
		// local copies were evicted needs them back.
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		defer cancel()
		if perr := s.e.prepare(ctx, orig); perr != nil {
			return 0, nil, perr
		}
		if rerr := s.refresh(ctx); rerr != nil {
			return 0, nil, rerr
		}
		params, cols, err = describe(ctx, s.conn, text)
	}
	if err != nil && s.e.syncMissing(ctx, err) {
		if perr := s.e.prepare(ctx, orig); perr != nil {
			return 0, nil, perr
		}
		if rerr := s.refresh(ctx); rerr != nil {
			return 0, nil, rerr
		}
		params, cols, err = describe(ctx, s.conn, text)
	}
	if err != nil {
		return 0, nil, sqlError(ctx, err, text)
	}
	return params, cols, nil
}

// Close implements query.Session. The session's connection is discarded,
// never pooled: its TEMP objects and settings end with it.
func (s *session) Close() error {
	s.conn.Raw(func(any) error { return driver.ErrBadConn })
	return errors.Join(s.conn.Close(), s.e.release(s.inst))
}

// pgCatalog makes sure the session's own DuckDB, if it has one, holds
// pgSchema when the statement reads the catalogs (pg).
func (s *session) pgCatalog(ctx context.Context, pg bool) error {
	if !pg {
		return nil
	}
	if err := s.inst.pgCatalog(ctx); err != nil {
		return &query.Error{Code: query.CodeInternal, Message: "make pg_catalog in the session's DuckDB: " + err.Error()}
	}
	return nil
}

// refresh brings the session's own DuckDB, if it has one, up to the
// engine's views.
func (s *session) refresh(ctx context.Context) error {
	if err := s.inst.refresh(ctx, s.e); err != nil {
		return &query.Error{Code: query.CodeInternal, Message: "refresh the session's views: " + err.Error()}
	}
	return nil
}

// commandTag names the statement as PostgreSQL's CommandComplete does:
// its first keyword, two for CREATE/DROP/ALTER (CREATE TABLE).
func commandTag(text string) string {
	words := leadingWords(text, 10)
	if len(words) == 0 {
		return ""
	}
	w := words[0]
	switch w {
	case "CREATE", "DROP", "ALTER":
		for _, next := range words[1:] {
			switch next {
			case "OR", "REPLACE", "TEMP", "TEMPORARY", "EXTERNAL", "UNIQUE", "IF", "NOT", "EXISTS":
				continue
			}
			return w + " " + next
		}
	case "WITH", "VALUES", "TABLE", "FROM", "PIVOT", "UNPIVOT", "SUMMARIZE", "DESCRIBE", "SHOW":
		return "SELECT"
	}
	return w
}

// leadingWords returns up to n of the statement's first keywords, upper
// case, past its leading comments and opening brackets; the scan stops
// at the n-th, so a statement megabytes long is not read through.
func leadingWords(text string, n int) []string {
	var words []string
	for _, t := range sqltext.Leading(text, n+4) {
		if t.Kind == sqltext.Word && len(words) < n {
			words = append(words, t.Text)
		} else if !t.Is("(") || len(words) > 0 {
			break
		}
	}
	return words
}
