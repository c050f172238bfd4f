// Package awsapitest calls the JSON 1.1 APIs (Kinesis, Glue, Athena) in
// tests as clients do, past the edge: SigV4 is skipped and the handler
// gets the caller the edge would have verified.
package awsapitest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/awsapi"
)

// Do sends body (a string as is, anything else as JSON) to h as the aws
// CLI sends operation target ("AWSGlue.GetTable"), on behalf of key (nil:
// may do everything), and returns the status and the decoded answer, its
// numbers as json.Number. It fails t unless the answer is JSON 1.1 and h
// named the operation.
func Do(t testing.TB, h http.Handler, target string, key *access.Key, body any) (int, map[string]any) {
	t.Helper()
	raw, ok := body.(string)
	if !ok {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		raw = string(b)
	}
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(raw))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", target)
	ctx, in := awsapi.NewInfo(req.Context())
	in.Key = key
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req.WithContext(ctx))
	if ct := rec.Header().Get("Content-Type"); ct != "application/x-amz-json-1.1" {
		t.Fatalf("%s: content type %q", target, ct)
	}
	if in.Op == "" {
		t.Fatalf("%s: Op not set", target)
	}
	var out map[string]any
	d := json.NewDecoder(bytes.NewReader(rec.Body.Bytes()))
	d.UseNumber()
	if err := d.Decode(&out); err != nil {
		t.Fatalf("%s: answer is not JSON: %v: %q", target, err, rec.Body.String())
	}
	return rec.Code, out
}

// WantErr is Do expecting a 400 error with code whose message holds msg;
// it returns the answer.
func WantErr(t testing.TB, h http.Handler, target string, key *access.Key, body any, code, msg string) map[string]any {
	t.Helper()
	status, out := Do(t, h, target, key, body)
	got, _ := out["__type"].(string)
	text, _ := out["message"].(string)
	if status != http.StatusBadRequest || got != code || !strings.Contains(text, msg) {
		t.Fatalf("%s %v: got %d %s %q, want %s with %q", target, body, status, got, text, code, msg)
	}
	return out
}

// DoFuzz is Do for fuzz tests: whatever the body, the answer must be a 200
// or a 400 error with a type and a message.
func DoFuzz(t testing.TB, h http.Handler, target, body string) {
	t.Helper()
	switch status, out := Do(t, h, target, nil, body); status {
	case http.StatusOK:
	case http.StatusBadRequest:
		if out["__type"] == nil || out["message"] == nil {
			t.Fatalf("%s %q: error without type: %v", target, body, out)
		}
	default:
		t.Fatalf("%s %q: status %d %v", target, body, status, out)
	}
}

// Server serves h over HTTP, for the SDK's clients, on behalf of key (nil:
// may do everything). It closes when t ends.
func Server(t testing.TB, h http.Handler, key *access.Key) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, in := awsapi.NewInfo(r.Context())
		in.Key = key
		h.ServeHTTP(w, r.WithContext(ctx))
	}))
	t.Cleanup(srv.Close)
	return srv
}
