package edge

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/awsapi"
	"github.com/tarnlake/tarn/internal/edge/sigv4"
)

type keys map[string]access.Key

func (k keys) Lookup(id string) (access.Key, bool) { v, ok := k[id]; return v, ok }
func (k keys) Secret(id string) (string, bool)     { v, ok := k[id]; return v.Secret, ok }

func newEdge(t *testing.T, s3 http.Handler) *httptest.Server {
	ks := keys{"AKID": {ID: "AKID", Secret: "secret", Root: true}}
	e := New(slog.New(slog.DiscardHandler), NewMetrics(prometheus.NewRegistry()), Options{
		Verifier: &sigv4.Verifier{Secrets: ks}, Keys: ks, S3: s3, SpoolDir: t.TempDir(),
		Targets: map[string]Target{"Echo_1": {API: "echo", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			w.Write(b)
		})}},
	})
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return srv
}

func sign(t *testing.T, r *http.Request, body []byte, service string) {
	t.Helper()
	sum := sha256.Sum256(body)
	h := hex.EncodeToString(sum[:])
	r.Header.Set("X-Amz-Content-Sha256", h)
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "AKID", SecretAccessKey: "secret"}, r, h, service, "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
}

func TestRoutingAndErrorShapes(t *testing.T) {
	s3 := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		awsapi.InfoFrom(r.Context()).Op = "Test"
		w.Write([]byte("s3:" + awsapi.InfoFrom(r.Context()).Key.ID))
	})
	srv := newEdge(t, s3)

	// A JSON target gets its body and answers.
	body := []byte(`{"x":1}`)
	req, _ := http.NewRequest("POST", srv.URL+"/", bytes.NewReader(body))
	req.Header.Set("X-Amz-Target", "Echo_1.Do")
	sign(t, req, body, "echo")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := io.ReadAll(resp.Body); string(got) != string(body) {
		t.Fatalf("JSON target echoed %q", got)
	}

	// An unknown target answers in JSON.
	req, _ = http.NewRequest("POST", srv.URL+"/", bytes.NewReader(body))
	req.Header.Set("X-Amz-Target", "Nope_2.Do")
	sign(t, req, body, "nope")
	resp, _ = http.DefaultClient.Do(req)
	var je map[string]string
	json.NewDecoder(resp.Body).Decode(&je)
	if resp.StatusCode != 400 || je["__type"] != "UnknownOperationException" {
		t.Fatalf("unknown target: %d %v", resp.StatusCode, je)
	}

	// Unsigned: JSON APIs get a JSON error, S3 an XML one.
	req, _ = http.NewRequest("POST", srv.URL+"/", bytes.NewReader(body))
	req.Header.Set("X-Amz-Target", "Echo_1.Do")
	resp, _ = http.DefaultClient.Do(req)
	je = nil
	json.NewDecoder(resp.Body).Decode(&je)
	if resp.StatusCode != 403 || je["__type"] != "AccessDenied" {
		t.Fatalf("unsigned JSON request: %d %v", resp.StatusCode, je)
	}
	resp, _ = http.Get(srv.URL + "/bucket/key")
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 403 || !strings.Contains(string(b), "<Code>AccessDenied</Code>") {
		t.Fatalf("unsigned S3 request: %d %s", resp.StatusCode, b)
	}

	// Signed S3 request reaches S3 with its caller.
	req, _ = http.NewRequest("GET", srv.URL+"/bucket/key", nil)
	sign(t, req, nil, "s3")
	resp, _ = http.DefaultClient.Do(req)
	if b, _ := io.ReadAll(resp.Body); string(b) != "s3:AKID" {
		t.Fatalf("S3 got %q", b)
	}
}

// A body sent with chunked transfer encoding whose length was signed is
// spooled, verified, then handed over whole.
func TestSpoolsUnsentSignedLength(t *testing.T) {
	var got []byte
	srv := newEdge(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ = io.ReadAll(r.Body)
		if r.ContentLength != int64(len(got)) {
			t.Errorf("ContentLength %d for %d bytes", r.ContentLength, len(got))
		}
	}))
	data := bytes.Repeat([]byte("z"), 100000)
	req, _ := http.NewRequest("PUT", srv.URL+"/b/k", io.NopCloser(bytes.NewReader(data)))
	req.ContentLength = int64(len(data)) // signed, then sent chunked below
	req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
	v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "AKID", SecretAccessKey: "secret"}, req, "UNSIGNED-PAYLOAD", "s3", "us-east-1", time.Now())
	if !strings.Contains(req.Header.Get("Authorization"), "content-length") {
		t.Fatalf("the signer did not sign the length: %s", req.Header.Get("Authorization"))
	}
	req.ContentLength = -1 // the transport sends it chunked
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || !bytes.Equal(got, data) {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("status %d, handler got %d bytes: %s", resp.StatusCode, len(got), b)
	}
}

// An unknown key is refused before a chunked body is spooled.
func TestSpoolRefusesUnknownKeys(t *testing.T) {
	srv := newEdge(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { t.Error("handler reached") }))
	req, _ := http.NewRequest("PUT", srv.URL+"/b/k", io.NopCloser(strings.NewReader("data")))
	req.ContentLength = 4
	req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
	v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "NOPE", SecretAccessKey: "x"}, req, "UNSIGNED-PAYLOAD", "s3", "us-east-1", time.Now())
	req.ContentLength = -1
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 403 || !strings.Contains(string(b), "InvalidAccessKeyId") {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
}
