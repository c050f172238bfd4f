package glueapi

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/glue"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/awsapi/awsapitest"
	"github.com/tarnlake/tarn/internal/catalog"
	"github.com/tarnlake/tarn/internal/catalog/embedded"
)

// epoch is the API's clock in tests: what it stamps itself (databases).
var epoch = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

type env struct {
	t        *testing.T
	api      *API
	store    catalog.Store
	crawlers *fakeCrawlers
	key      *access.Key // the caller of do; nil may do everything
}

func newEnv(t *testing.T) *env {
	t.Helper()
	store, err := embedded.Open(filepath.Join(t.TempDir(), "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	fc := newFakeCrawlers()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	api := New(store, fc, log, Options{Now: func() time.Time { return epoch }})
	return &env{t: t, api: api, store: store, crawlers: fc}
}

// client is the real SDK client, talking to the handler over HTTP. The
// server skips SigV4 (the edge's job) and calls the handler as key.
func (e *env) client(key *access.Key) *glue.Client {
	srv := awsapitest.Server(e.t, e.api, key)
	return glue.New(glue.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(srv.URL),
		Credentials:      credentials.NewStaticCredentialsProvider("TKTEST", "secret", ""),
		HTTPClient:       srv.Client(),
		RetryMaxAttempts: 1,
	})
}

// do sends body (a string as is, anything else as JSON) to op as the aws
// CLI does and returns the status and the decoded answer.
func (e *env) do(op string, body any) (int, map[string]any) {
	e.t.Helper()
	return awsapitest.Do(e.t, e.api, "AWSGlue."+op, e.key, body)
}

// mustDo is do expecting success.
func (e *env) mustDo(op string, body any) map[string]any {
	e.t.Helper()
	code, out := e.do(op, body)
	if code != http.StatusOK {
		e.t.Fatalf("%s: %d %v", op, code, out)
	}
	return out
}

// wantErr is do expecting a 400 with code whose message holds msg.
func (e *env) wantErr(op string, body any, code, msg string) {
	e.t.Helper()
	status, out := e.do(op, body)
	got, _ := out["__type"].(string)
	text, _ := out["message"].(string)
	if status != http.StatusBadRequest || got != code || !strings.Contains(text, msg) {
		e.t.Fatalf("%s %v: got %d %s %q, want %s with %q", op, body, status, got, text, code, msg)
	}
}

// seedTable makes database db and a table partitioned by keys (name type
// pairs, e.g. "year", "int").
func (e *env) seedTable(db, table string, keys ...string) {
	e.t.Helper()
	ctx := context.Background()
	if _, err := e.store.GetDatabase(ctx, db); err != nil {
		if err := e.store.CreateDatabase(ctx, catalog.Database{Name: db}); err != nil {
			e.t.Fatal(err)
		}
	}
	var pk []catalog.Column
	for i := 0; i+1 < len(keys); i += 2 {
		pk = append(pk, catalog.Column{Name: keys[i], Type: keys[i+1]})
	}
	t := catalog.Table{Database: db, Name: table, TableType: catalog.TableType, PartitionKeys: pk,
		Storage: catalog.StorageDescriptor{Location: "s3://lake/" + table + "/", Columns: []catalog.Column{{Name: "id", Type: "bigint"}}}}
	if _, err := e.store.CreateTable(ctx, t); err != nil {
		e.t.Fatal(err)
	}
}
