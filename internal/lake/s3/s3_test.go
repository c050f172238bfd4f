package s3_test

import (
	"os"
	"testing"

	"github.com/tarnlake/tarn/internal/lake"
	"github.com/tarnlake/tarn/internal/lake/laketest"
	"github.com/tarnlake/tarn/internal/lake/s3"
)

// TestConformance runs the lake suite against a live S3-compatible server
// named by the environment. Nothing here starts one: the end-to-end tests
// start a second tarn as the remote store and run this package against it,
// so a plain `go test ./...` skips, under CI too, where that end-to-end test
// covers the backend.
func TestConformance(t *testing.T) {
	endpoint := os.Getenv("TARN_TEST_S3_ENDPOINT")
	if endpoint == "" {
		t.Skip("TARN_TEST_S3_ENDPOINT is not set; the end-to-end tests start the S3 server and set it")
	}
	opts := s3.Options{
		Endpoint:        endpoint,
		Region:          os.Getenv("TARN_TEST_S3_REGION"),
		AccessKeyID:     os.Getenv("TARN_TEST_S3_ACCESS_KEY_ID"),
		SecretAccessKey: os.Getenv("TARN_TEST_S3_SECRET_ACCESS_KEY"),
		PathStyle:       true,
		TempDir:         t.TempDir(),
	}
	laketest.Run(t, func(t *testing.T) lake.Store {
		s, err := s3.New(opts)
		if err != nil {
			t.Fatalf("new: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}
