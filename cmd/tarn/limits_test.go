package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLimitsConfig(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "tarn.yaml")
	os.WriteFile(file, []byte("limits:\n  body_timeout: 5s\n  spool_bytes: 1GiB\n  buffer_bytes: 16MiB\n  pg_startup_timeout: 20s\n  pg_max_startups: 500\n"), 0o644)
	cfg, err := parse(t, "--config", file)
	if err != nil {
		t.Fatal(err)
	}
	l := cfg.Limits
	if l.bodyTimeout() != 5*time.Second || l.SpoolBytes != 1<<30 || l.BufferBytes != 16<<20 || l.pgStartupTimeout() != 20*time.Second || l.PGMaxStartups != 500 {
		t.Fatalf("limits %+v", l)
	}
	if d := (LimitsConfig{}).bodyTimeout(); d != 0 {
		t.Errorf("unset body_timeout: %v, want 0 (the edge's default)", d)
	}
	if d := (LimitsConfig{BodyTimeout: "0"}).bodyTimeout(); d >= 0 {
		t.Errorf("body_timeout 0: %v, want no limit (negative)", d)
	}
	os.WriteFile(file, []byte("limits:\n  body_timeout: soon\n  pg_startup_timeout: -1s\n"), 0o644)
	_, err = parse(t, "--config", file)
	if err == nil || !strings.Contains(err.Error(), "limits.body_timeout") || !strings.Contains(err.Error(), "limits.pg_startup_timeout") {
		t.Fatalf("bad limits: %v", err)
	}
}
