package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kinesis"
)

// tarn stream put reports in plain lines away from a terminal, counting
// records in English.
func TestStreamPutProgress(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Records []json.RawMessage }
		json.NewDecoder(r.Body).Decode(&in)
		out := map[string]any{"FailedRecordCount": 0}
		var recs []map[string]string
		for range in.Records {
			recs = append(recs, map[string]string{"SequenceNumber": "1", "ShardId": "shardId-000000000000"})
		}
		out["Records"] = recs
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		json.NewEncoder(w).Encode(out)
	}))
	defer srv.Close()
	s := kinesisStream{c: kinesis.NewFromConfig(testAWSConfig(srv.URL)), name: "clicks", at: remote{srv.URL, "--endpoint"}}
	var progress strings.Builder
	if err := s.put(context.Background(), "", strings.NewReader("one line\n"), &progress); err != nil {
		t.Fatal(err)
	}
	if got := progress.String(); !strings.HasPrefix(got, "put 1 record in ") || strings.Contains(got, "\r") || strings.Count(got, "\n") != 1 {
		t.Fatalf("progress %q", got)
	}
}
