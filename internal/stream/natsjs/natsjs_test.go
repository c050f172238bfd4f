package natsjs

import (
	"context"
	"log/slog"
	"os"
	"testing"

	"github.com/tarnlake/tarn/internal/stream"
	"github.com/tarnlake/tarn/internal/stream/streamtest"
)

func TestEmbedded(t *testing.T) {
	s, err := Open(context.Background(), slog.New(slog.DiscardHandler), Options{StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	streamtest.Run(t, func(t *testing.T) stream.Store { return s })
}

// TestExternal runs the suite against a NATS server outside tarn: the one
// in TARN_TEST_NATS_URL, else 127.0.0.1:4222 (Debian's nats-server 2.9).
func TestExternal(t *testing.T) {
	url := os.Getenv("TARN_TEST_NATS_URL")
	if url == "" {
		url = "nats://127.0.0.1:4222"
	}
	s, err := Open(context.Background(), slog.New(slog.DiscardHandler), Options{URL: url})
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("NATS with JetStream is required in CI at %s: %v", url, err)
		}
		t.Skipf("no NATS at %s (%v): start one with: nats-server -a 127.0.0.1 -p 4222 -js", url, err)
	}
	t.Cleanup(func() { s.Close() })
	streamtest.Run(t, func(t *testing.T) stream.Store { return s })
}
