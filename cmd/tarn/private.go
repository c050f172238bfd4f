package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// privateData makes the data folder the server's alone: every file tarn
// (and DuckDB, NATS and bbolt inside it) creates from here on is 0600 and
// every folder 0700, and a folder made by an earlier version is closed to
// other users.
func privateData(dir string) error {
	syscall.Umask(0o077)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("data folder: %w", err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("data folder: %w", err)
	}
	for _, f := range []string{"query.duckdb", "query.duckdb.wal", "catalog.db", keysFile} {
		if err := os.Chmod(filepath.Join(dir, f), 0o600); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("data folder: %w", err)
		}
	}
	return nil
}
