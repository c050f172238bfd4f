package main

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/catalog"
	"github.com/tarnlake/tarn/internal/engine"
	"github.com/tarnlake/tarn/internal/lake"
	"github.com/tarnlake/tarn/internal/lake/mirror"
	"github.com/tarnlake/tarn/internal/stream"
	"github.com/tarnlake/tarn/internal/warehouse"
	"github.com/tarnlake/tarn/internal/warehouse/pqscan"
)

// openEngine starts the query engine over the catalog. On the folder
// backend it reads the lake's files in place; on a remote store, local
// copies under DATA/cache/lake that each statement first brings up to date.
// writes is the lake CTAS and INSERT INTO write through (with events);
// store is the backend, whose files DuckDB may read in place.
// keys decide what each session's key may read and write (the SQL
// sandbox).
func openEngine(cfg Config, cat catalog.Store, store lake.Store, writes lake.Objects, streams stream.Store, deliveries engine.Deliveries, wh warehouse.Store, pq *pqscan.Scanner, keys *access.Keyring, log *slog.Logger, reg prometheus.Registerer) (*engine.Engine, error) {
	timeout, _ := time.ParseDuration(cfg.Query.Timeout) // checked by validate
	tmp := filepath.Join(cfg.Data, "tmp", "sql")
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		return nil, fmt.Errorf("query engine: %w", err)
	}
	opts := engine.Options{Catalog: cat, Lake: writes, Streams: streams, Deliveries: deliveries, Warehouse: wh, Parquet: pq, Path: filepath.Join(cfg.Data, "query.duckdb"), Log: log,
		Keys: keys, TempDir: tmp,
		MemoryLimit: cfg.Query.MemoryLimit, StatementMemoryLimit: cfg.Query.StatementMemoryLimit,
		QueryTimeout: timeout, MaxConcurrent: cfg.Query.MaxConcurrent}
	if l, ok := store.(lake.LocalFiles); ok {
		opts.Files, opts.LakeDir = l, filepath.Join(cfg.Data, "lake")
	} else {
		m, err := mirror.New(store, mirror.Options{Dir: filepath.Join(cfg.Data, "cache", "lake"),
			MaxBytes: int64(cfg.Query.CacheMaxBytes), Log: log, Registerer: reg})
		if err != nil {
			return nil, fmt.Errorf("query engine: %w", err)
		}
		opts.Files, opts.Prepare, opts.LakeDir = m, m.Sync, filepath.Join(cfg.Data, "cache", "lake")
	}
	e, err := engine.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("query engine: %w", err)
	}
	return e, nil
}
