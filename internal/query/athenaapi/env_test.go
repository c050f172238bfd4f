package athenaapi

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/athena/types"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/awsapi/awsapitest"
	"github.com/tarnlake/tarn/internal/catalog"
	"github.com/tarnlake/tarn/internal/catalog/embedded"
	"github.com/tarnlake/tarn/internal/lake/localfs"
)

type env struct {
	t      *testing.T
	store  catalog.Store
	lake   *localfs.Store
	engine *fakeEngine
	api    *API
	key    *access.Key // caller of do; nil may do everything
}

var testLog = slog.New(slog.NewTextHandler(io.Discard, nil))

// newEnv serves an embedded catalog and a local lake with the buckets
// "results" and "tarn-athena-results" (the default output).
func newEnv(t *testing.T, opts Options) *env {
	t.Helper()
	dir := t.TempDir()
	store, err := embedded.Open(filepath.Join(dir, "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	lk, err := localfs.Open(filepath.Join(dir, "lake"))
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range []string{"results", "tarn-athena-results"} {
		if err := lk.CreateBucket(context.Background(), b); err != nil {
			t.Fatal(err)
		}
	}
	e := &env{t: t, store: store, lake: lk, engine: &fakeEngine{}}
	e.api = e.open(opts)
	return e
}

// open makes another API on the same stores, as a restarted or second
// process would.
func (e *env) open(opts Options) *API {
	if opts.DefaultOutput == "" {
		opts.DefaultOutput = "s3://tarn-athena-results/"
	}
	api := New(e.engine, e.store, e.lake, testLog, opts)
	api.Recover(context.Background())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { api.Run(ctx); close(done) }()
	e.t.Cleanup(func() { cancel(); <-done; api.Close() })
	return api
}

// client is the real SDK client talking to api over HTTP as key.
func (e *env) client(api *API, key *access.Key) *athena.Client {
	srv := awsapitest.Server(e.t, api, key)
	return athena.New(athena.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(srv.URL),
		Credentials:      credentials.NewStaticCredentialsProvider("TKTEST", "secret", ""),
		HTTPClient:       &http.Client{Transport: bufferedBodies{srv.Client().Transport}},
		RetryMaxAttempts: 1,
	})
}

// bufferedBodies sends a copy of each request body. The SDK closes the
// body it gave as soon as the response arrives; a server as quick as this
// one answers while net/http still probes that body for EOF, and the failed
// read tears down the connection the response is being read from.
type bufferedBodies struct{ rt http.RoundTripper }

func (b bufferedBodies) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil && r.Body != http.NoBody {
		body, err := io.ReadAll(r.Body)
		r.Body.Close()
		if err != nil {
			return nil, err
		}
		r = r.Clone(r.Context())
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	return b.rt.RoundTrip(r)
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// start starts sql and returns its id.
func start(t *testing.T, c *athena.Client, in *athena.StartQueryExecutionInput) string {
	t.Helper()
	out, err := c.StartQueryExecution(ctxT(t), in)
	if err != nil {
		t.Fatalf("start %q: %v", aws.ToString(in.QueryString), err)
	}
	return aws.ToString(out.QueryExecutionId)
}

// waitState polls the execution until its state is one of want.
func waitState(t *testing.T, c *athena.Client, id string, want ...types.QueryExecutionState) *types.QueryExecution {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, err := c.GetQueryExecution(ctxT(t), &athena.GetQueryExecutionInput{QueryExecutionId: &id})
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range want {
			if out.QueryExecution.Status.State == w {
				return out.QueryExecution
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: state %s, want %v (%s)", id, out.QueryExecution.Status.State, want, aws.ToString(out.QueryExecution.Status.StateChangeReason))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func finishedStates() []types.QueryExecutionState {
	return []types.QueryExecutionState{types.QueryExecutionStateSucceeded, types.QueryExecutionStateFailed, types.QueryExecutionStateCancelled}
}

// readObject returns an object's content from the lake.
func (e *env) readObject(bucket, key string) string {
	e.t.Helper()
	rc, _, err := e.lake.Get(context.Background(), bucket, key, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		e.t.Fatal(err)
	}
	return string(b)
}

// do sends body to op as the aws CLI does.
func (e *env) do(op string, body any) (int, map[string]any) {
	e.t.Helper()
	return awsapitest.Do(e.t, e.api, "AmazonAthena."+op, e.key, body)
}

// wantErr is do expecting a 400 with code whose message holds msg.
func (e *env) wantErr(op string, body any, code, msg string) map[string]any {
	e.t.Helper()
	return awsapitest.WantErr(e.t, e.api, "AmazonAthena."+op, e.key, body, code, msg)
}
