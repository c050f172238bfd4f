package httpsql

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tarnlake/tarn/internal/engine"
	"github.com/tarnlake/tarn/internal/query"
)

// openEngine is the real engine: DuckDB in memory, no catalog.
func openEngine(t testing.TB) *engine.Engine {
	t.Helper()
	eng, err := engine.Open(engine.Options{Threads: 2, MemoryLimit: "1GB"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	return eng
}

// serve runs the handler over eng on a real server: an aborted answer
// is only seen as one through a connection.
func serve(t testing.TB, eng query.Engine) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(&Handler{Engine: eng, Log: slog.New(slog.DiscardHandler),
		User: func(*http.Request) string { return "test" }})
	t.Cleanup(srv.Close)
	return srv
}

// answer is a response and its body; readErr is how reading it ended.
type answer struct {
	status      int
	contentType string
	body        []byte
	readErr     error
}

func post(t testing.TB, srv *httptest.Server, format, sql string) answer {
	t.Helper()
	resp, err := http.Post(srv.URL+"/v1/sql?format="+format, "text/plain", strings.NewReader(sql))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, contentType: resp.Header.Get("Content-Type"), body: body, readErr: err}
}

// failingEngine fails every result with a division by zero after its
// first rows, as a statement failing midway does.
type failingEngine struct {
	query.Engine
	after int
}

func (e failingEngine) Session(ctx context.Context, user string) (query.Session, error) {
	s, err := e.Engine.Session(ctx, user)
	return failingSession{s, e.after}, err
}

type failingSession struct {
	query.Session
	after int
}

func (s failingSession) Query(ctx context.Context, sql string, args ...any) (query.Result, error) {
	res, err := s.Session.Query(ctx, sql, args...)
	if err == nil {
		res.Rows = &failingRows{Rows: res.Rows, left: s.after}
	}
	return res, err
}

type failingRows struct {
	query.Rows
	left int
	err  error
}

func (r *failingRows) Next() bool {
	if r.left == 0 {
		r.err = &query.Error{Code: query.CodeDivisionByZero, Message: "division by zero"}
		return false
	}
	r.left--
	return r.Rows.Next()
}

func (r *failingRows) Err() error {
	if r.err != nil {
		return r.err
	}
	return r.Rows.Err()
}

// decoded is a typed answer (Arrow, Parquet) read back: its column
// names, the rows of each batch (record batch, row group) and the values
// as text.
type decoded struct {
	names   []string
	batches []int
	rows    [][]string
}

const null = "<NULL>"

var decoders = map[string]func([]byte) (decoded, error){"arrow": decodeArrow, "parquet": decodeParquet}
