package redshiftdata

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/awsapi/awsapitest"
	"github.com/tarnlake/tarn/internal/catalog"
	"github.com/tarnlake/tarn/internal/catalog/embedded"
)

var (
	testLog = slog.New(slog.NewTextHandler(io.Discard, nil))
	alice   = &access.Key{ID: "AKALICE"}
	bob     = &access.Key{ID: "AKBOB"}
	admin   = &access.Key{ID: "AKROOT", Root: true}
)

// clock is the time the APIs see: the real time moved on by advance.
type clock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.off += d
	c.mu.Unlock()
}

type env struct {
	t      *testing.T
	store  catalog.Store
	engine *fakeEngine
	clock  *clock
	api    *API
	key    *access.Key // caller of do
}

// newEnv serves a fake engine over an embedded catalog store in a temp
// file, as alice.
func newEnv(t *testing.T, opts Options) *env {
	t.Helper()
	store, err := embedded.Open(filepath.Join(t.TempDir(), "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	e := &env{t: t, store: store, engine: &fakeEngine{}, clock: &clock{}, key: alice}
	e.api = e.open(opts)
	return e
}

// open makes another API on the same store, as a second or restarted
// process would.
func (e *env) open(opts Options) *API {
	if opts.Now == nil {
		opts.Now = e.clock.Now
	}
	api := New(e.engine, e.store, testLog, opts)
	if err := api.Recover(context.Background()); err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { api.Run(ctx); close(done) }()
	e.t.Cleanup(func() { cancel(); <-done; api.Close() })
	return api
}

// do sends body to op as the aws CLI does, as e.key.
func (e *env) do(op string, body any) (int, map[string]any) {
	e.t.Helper()
	return awsapitest.Do(e.t, e.api, "RedshiftData."+op, e.key, body)
}

// doAt is do against api as key.
func (e *env) doAt(api *API, key *access.Key, op string, body any) (int, map[string]any) {
	e.t.Helper()
	return awsapitest.Do(e.t, api, "RedshiftData."+op, key, body)
}

// ok is do expecting a 200.
func (e *env) ok(op string, body any) map[string]any {
	e.t.Helper()
	return e.okAt(e.api, e.key, op, body)
}

func (e *env) okAt(api *API, key *access.Key, op string, body any) map[string]any {
	e.t.Helper()
	status, out := e.doAt(api, key, op, body)
	if status != 200 {
		e.t.Fatalf("%s %v: %d %v", op, body, status, out)
	}
	return out
}

// wantErr is do expecting a 400 with code whose message holds msg.
func (e *env) wantErr(op string, body any, code, msg string) map[string]any {
	e.t.Helper()
	return awsapitest.WantErr(e.t, e.api, "RedshiftData."+op, e.key, body, code, msg)
}

// run executes sql and returns the statement's id.
func (e *env) run(sql string) string {
	e.t.Helper()
	return e.ok("ExecuteStatement", map[string]any{"Sql": sql, "Database": "tarn"})["Id"].(string)
}

// wait polls DescribeStatement until the statement's status is one of
// want, and returns the description.
func (e *env) wait(id string, want ...string) map[string]any {
	e.t.Helper()
	return e.waitAt(e.api, e.key, id, want...)
}

func (e *env) waitAt(api *API, key *access.Key, id string, want ...string) map[string]any {
	e.t.Helper()
	if len(want) == 0 {
		want = []string{statusFinished, statusFailed, statusAborted}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		out := e.okAt(api, key, "DescribeStatement", map[string]any{"Id": id})
		for _, w := range want {
			if out["Status"] == w {
				return out
			}
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("%s: status %v, want %v: %v", id, out["Status"], want, out)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// docNames lists the names of the store's documents of kind.
func (e *env) docNames(kind string) []string {
	e.t.Helper()
	docs, err := e.store.ListDocs(context.Background(), kind, "")
	if err != nil {
		e.t.Fatal(err)
	}
	var names []string
	for _, d := range docs {
		names = append(names, d.Name)
	}
	return names
}

// js prints v as JSON, for comparing answers with what is expected.
func js(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// num reads a JSON number of an answer.
func num(t *testing.T, v any) int64 {
	t.Helper()
	n, err := v.(json.Number).Int64()
	if err != nil {
		t.Fatalf("%v is not an integer", v)
	}
	return n
}

// newRequest is a JSON 1.1 request to url for target.
func newRequest(url, target, body string) (*http.Request, error) {
	r, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	r.Header.Set("Content-Type", "application/x-amz-json-1.1")
	r.Header.Set("X-Amz-Target", target)
	return r, nil
}
