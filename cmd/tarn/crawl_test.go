package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// fakeGlue answers what tarn crawl asks: HEAD of bucket "lake" (others do
// not exist), UpdateCrawler, StartCrawler, and ListCrawls with an older
// completed crawl until the one started has failed with message.
func fakeGlue(t *testing.T, message string) *httptest.Server {
	var started atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead {
			if r.URL.Path != "/lake" {
				w.WriteHeader(http.StatusNotFound)
			}
			return
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		out := map[string]any{}
		switch op := r.Header.Get("X-Amz-Target"); op {
		case "AWSGlue.UpdateCrawler":
		case "AWSGlue.StartCrawler":
			started.Store(true)
		case "AWSGlue.ListCrawls":
			run := map[string]any{"CrawlId": "old", "State": "COMPLETED"}
			if started.Load() {
				run = map[string]any{"CrawlId": "new", "State": "FAILED", "ErrorMessage": message}
			}
			out["Crawls"] = []any{run}
		case "AWSGlue.GetCrawler":
			out["Crawler"] = map[string]any{"LastCrawl": map[string]any{"ErrorMessage": "from GetCrawler"}}
		default:
			t.Errorf("unexpected %s", op)
		}
		json.NewEncoder(w).Encode(out)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// A failed crawl prints why, in its summary and as the command's error,
// and progress is plain lines away from a terminal.
func TestCrawlFailure(t *testing.T) {
	t.Setenv("TARN_ACCESS_KEY_ID", "TKTESTKEY")
	t.Setenv("TARN_SECRET_ACCESS_KEY", "secret")
	for _, c := range []struct{ message, want string }{
		{"list s3://lake/: the disk is gone", "list s3://lake/: the disk is gone"},
		{"", "from GetCrawler"}, // ListCrawls without the reason: GetCrawler's
	} {
		srv := fakeGlue(t, c.message)
		con, out, errOut := testConsole("")
		err := run(t.Context(), []string{"crawl", "s3://lake/", "--endpoint", srv.URL}, con)
		if err == nil || err.Error() != "crawl of s3://lake/ failed: "+c.want {
			t.Errorf("error %v, want the crawl's failure %q", err, c.want)
		}
		if !strings.Contains(out.String(), "FAILED") || !strings.Contains(out.String(), "error: "+c.want) {
			t.Errorf("summary:\n%s", out)
		}
		if strings.Contains(errOut.String(), "\r") || !strings.Contains(errOut.String(), "files classified") {
			t.Errorf("progress %q", errOut)
		}
	}
}

// A missing bucket is said plainly, with the command that makes it.
func TestCrawlMissingBucket(t *testing.T) {
	t.Setenv("TARN_ACCESS_KEY_ID", "TKTESTKEY")
	t.Setenv("TARN_SECRET_ACCESS_KEY", "secret")
	srv := fakeGlue(t, "")
	con, _, _ := testConsole("")
	err := run(t.Context(), []string{"crawl", "s3://nope/events/", "--endpoint", srv.URL}, con)
	want := "bucket nope does not exist at " + srv.URL + ": create it with `aws s3 mb s3://nope --endpoint-url " + srv.URL + "`"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
}
