package main

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/authlimit"
)

// Wrong passwords past the allowance are answered 429 without being
// checked, for that key from that address only; a success resets; every
// refusal is logged, a run of 429s once.
func TestBasicAuthThrottled(t *testing.T) {
	keys, err := access.NewKeyring(access.Key{ID: "ROOT", Secret: "right"}, "")
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	guard := authlimit.New(authlimit.Options{Free: 3, Base: time.Minute})
	h := basicAuth(keys, guard, slog.New(slog.NewTextHandler(&logs, nil)))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok"))
	}))
	try := func(from, id, secret string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("POST", "/v1/sql", nil)
		r.RemoteAddr = from + ":40000"
		r.SetBasicAuth(id, secret)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	try("10.0.0.1", "ROOT", "wrong")
	try("10.0.0.1", "ROOT", "wrong")
	if w := try("10.0.0.1", "ROOT", "right"); w.Code != 200 {
		t.Fatalf("right secret: %d", w.Code)
	}
	for i := range 3 { // counted afresh after the success
		if w := try("10.0.0.1", "ROOT", "wrong"); w.Code != 401 {
			t.Fatalf("failure %d: %d", i, w.Code)
		}
	}
	for range 5 {
		w := try("10.0.0.1", "ROOT", "right")
		if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" {
			t.Fatalf("throttled: %d %v", w.Code, w.Header())
		}
	}
	if w := try("10.0.0.2", "ROOT", "right"); w.Code != 200 {
		t.Fatalf("the key's owner elsewhere: %d", w.Code)
	}
	out := logs.String()
	if n := strings.Count(out, `level=INFO msg="request refused" component=http key=ROOT op="POST /v1/sql" remote=10.0.0.1:40000 status=401`); n != 5 {
		t.Errorf("%d 401s logged, want 5:\n%s", n, out)
	}
	if n := strings.Count(out, "status=429"); n != 1 {
		t.Errorf("%d 429s logged at info, want 1 (the rest are debug):\n%s", n, out)
	}
}
