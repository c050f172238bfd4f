package engine

import (
	"context"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/engine/hiveddl"
	"github.com/tarnlake/tarn/internal/query"
	"github.com/tarnlake/tarn/internal/query/sqltext"
)

// hiveWords start the statements hiveddl may answer (Athena's Hive DDL:
// CREATE EXTERNAL TABLE, MSCK REPAIR TABLE, ALTER TABLE … PARTITION, SHOW,
// DESCRIBE); others go to DuckDB without a look.
var hiveWords = map[string]bool{"CREATE": true, "MSCK": true, "ALTER": true, "DROP": true, "SHOW": true, "DESCRIBE": true, "DESC": true}

// hive runs a Hive DDL statement against the catalog in the session's
// current schema.
func (s *session) hive(ctx context.Context, text string) (query.Result, bool, error) {
	if s.e.opts.Catalog == nil || s.e.opts.Lake == nil {
		return query.Result{}, false, nil
	}
	words := leadingWords(text, 1)
	if len(words) == 0 || !hiveWords[words[0]] {
		return query.Result{}, false, nil
	}
	if err := s.mayChangeDatabase(text); err != nil {
		return query.Result{}, true, err
	}
	res, ok, err := hiveddl.Exec(ctx, s.catalog(), s.lake(), s.currentDB(ctx), text)
	if !ok {
		return query.Result{}, false, nil
	}
	if err != nil {
		return query.Result{}, true, err
	}
	s.e.forceSync()
	return query.Result{Rows: newTextRows(res.Columns, res.Rows), Tag: res.Tag}, true, nil
}

// textRows is a result made in Go, every column VARCHAR.
type textRows struct {
	cols []query.Column
	rows [][]string
	i    int
	vals []any
}

func newTextRows(names []string, rows [][]string) query.Rows {
	if len(names) == 0 {
		return emptyRows{}
	}
	r := &textRows{rows: rows, i: -1, vals: make([]any, len(names))}
	for _, n := range names {
		r.cols = append(r.cols, query.Column{Name: n, Type: query.Type{Kind: query.KindVarchar}})
	}
	return r
}

func (r *textRows) Columns() []query.Column { return r.cols }
func (r *textRows) Next() bool {
	r.i++
	if r.i >= len(r.rows) {
		return false
	}
	for j := range r.vals {
		r.vals[j] = nil
		if j < len(r.rows[r.i]) {
			r.vals[j] = r.rows[r.i][j]
		}
	}
	return true
}
func (r *textRows) Values() []any { return r.vals }
func (r *textRows) Err() error    { return nil }
func (r *textRows) Close() error  { return nil }

// mayChangeDatabase refuses CREATE and DROP of a database (or schema) to a
// key without write on it, before Hive DDL looks at its tables.
func (s *session) mayChangeDatabase(text string) error {
	toks, err := sqltext.Lex(text)
	if err != nil || len(toks) < 3 || !toks[0].Is("CREATE") && !toks[0].Is("DROP") || !toks[1].Is("DATABASE") && !toks[1].Is("SCHEMA") {
		return nil
	}
	rest := toks[2:]
	for len(rest) > 1 && (rest[0].Is("IF") || rest[0].Is("NOT") || rest[0].Is("EXISTS")) {
		rest = rest[1:]
	}
	if !isName(rest[0]) {
		return nil
	}
	return s.needWrite(access.Database(rest[0].Name()), "database "+rest[0].Name())
}
