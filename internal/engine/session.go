package engine

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"

	"github.com/tarnlake/tarn/internal/query"
)

// session is one client's DuckDB connection: its settings and USE last.
type session struct {
	e    *Engine
	conn *sql.Conn
	user string
}

// Query implements query.Session. The statement holds one of the
// engine's slots, and its time limit runs, until its rows are closed.
func (s *session) Query(ctx context.Context, text string, args ...any) (query.Result, error) {
	select {
	case s.e.slots <- struct{}{}:
	case <-ctx.Done():
		return query.Result{}, sqlError(ctx, ctx.Err(), text)
	}
	cancel := context.CancelFunc(func() {})
	if s.e.opts.QueryTimeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, s.e.opts.QueryTimeout)
	}
	done := func() { cancel(); <-s.e.slots }
	res, err := s.query(ctx, text, args...)
	if err != nil {
		done()
		return res, err
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

func (s *session) query(ctx context.Context, text string, args ...any) (query.Result, error) {
	if err := s.e.sync(ctx); err != nil {
		s.e.log.Warn("views not refreshed", "err", err)
	}
	if len(args) == 0 {
		if res, ok, err := s.hive(ctx, text); ok {
			return res, err
		}
		if res, ok, err := s.lakeWrite(ctx, text); ok {
			return res, err
		}
	}
	tag := commandTag(text)
	text = pgCompat(text)
	rows, err := s.conn.QueryContext(ctx, text, args...)
	if err != nil {
		return query.Result{}, sqlError(ctx, err, text)
	}
	r, err := newRows(ctx, rows, text)
	if err != nil {
		rows.Close()
		return query.Result{}, err
	}
	switch {
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
		case "UPDATE", "DELETE":
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
	if err := s.e.sync(ctx); err != nil {
		s.e.log.Warn("views not refreshed", "err", err)
	}
	text = pgCompat(text)
	params, cols, err := describe(ctx, s.conn, text)
	if err != nil {
		return 0, nil, sqlError(ctx, err, text)
	}
	return params, cols, nil
}

// Close implements query.Session.
func (s *session) Close() error { return s.conn.Close() }

// commandTag names the statement as PostgreSQL's CommandComplete does:
// its first keyword, two for CREATE/DROP/ALTER (CREATE TABLE).
func commandTag(text string) string {
	words := strings.Fields(strings.ToUpper(stripComments(text)))
	if len(words) == 0 {
		return ""
	}
	w := strings.TrimSuffix(words[0], ";")
	switch w {
	case "CREATE", "DROP", "ALTER":
		for _, next := range words[1:] {
			switch next {
			case "OR", "REPLACE", "TEMP", "TEMPORARY", "EXTERNAL", "UNIQUE", "IF", "NOT", "EXISTS":
				continue
			}
			return w + " " + strings.TrimSuffix(next, ";")
		}
	case "WITH", "VALUES", "TABLE", "FROM", "PIVOT", "UNPIVOT", "SUMMARIZE", "DESCRIBE", "SHOW":
		return "SELECT"
	}
	return w
}

// stripComments drops leading -- and /* */ comments.
func stripComments(s string) string {
	for {
		s = strings.TrimSpace(s)
		switch {
		case strings.HasPrefix(s, "--"):
			i := strings.IndexByte(s, '\n')
			if i < 0 {
				return ""
			}
			s = s[i+1:]
		case strings.HasPrefix(s, "/*"):
			i := strings.Index(s, "*/")
			if i < 0 {
				return ""
			}
			s = s[i+2:]
		default:
			return s
		}
	}
}
