package main

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRunParts(t *testing.T) {
	var mu sync.Mutex
	var closed []string
	closer := func(name string, err error) func() error {
		return func() error {
			mu.Lock()
			closed = append(closed, name)
			mu.Unlock()
			return err
		}
	}
	waits := func(ctx context.Context) error { <-ctx.Done(); return nil }
	fails := func(ctx context.Context) error { time.Sleep(10 * time.Millisecond); return errors.New("boom") }
	err := runParts(context.Background(), slog.New(slog.DiscardHandler), []part{
		{name: "store", close: closer("store", nil)},
		{name: "crawler", run: waits, close: closer("crawler", errors.New("stuck"))},
		{name: "listener", run: fails, close: closer("listener", nil)},
	})
	if got := strings.Join(closed, ","); got != "listener,crawler,store" {
		t.Errorf("closed in order %s, want the reverse of the start", got)
	}
	if err == nil || !strings.Contains(err.Error(), "listener: boom") || !strings.Contains(err.Error(), "close crawler: stuck") {
		t.Errorf("error %v: want the failure and the close error joined", err)
	}

	// A cancelled context stops every part without an error.
	closed = nil
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(10 * time.Millisecond); cancel() }()
	if err := runParts(ctx, slog.New(slog.DiscardHandler), []part{{name: "a", run: waits, close: closer("a", nil)}}); err != nil || len(closed) != 1 {
		t.Errorf("cancelled: %v, closed %v", err, closed)
	}
}
