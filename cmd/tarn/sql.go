package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/catalog"
	"github.com/tarnlake/tarn/internal/engine"
	"github.com/tarnlake/tarn/internal/lake"
	"github.com/tarnlake/tarn/internal/lake/mirror"
	"github.com/tarnlake/tarn/internal/query"
	"github.com/tarnlake/tarn/internal/stream"
)

// openEngine starts the query engine over the catalog. On the folder
// backend it reads the lake's files in place; on a remote store, local
// copies under DATA/cache/lake that each statement first brings up to date.
// writes is the lake CTAS and INSERT INTO write through (with events);
// store is the backend, whose files DuckDB may read in place.
func openEngine(cfg Config, cat catalog.Store, store lake.Store, writes lake.Objects, streams stream.Store, log *slog.Logger, reg prometheus.Registerer) (*engine.Engine, error) {
	timeout, _ := time.ParseDuration(cfg.Query.Timeout) // checked by validate
	opts := engine.Options{Catalog: cat, Lake: writes, Streams: streams, Path: filepath.Join(cfg.Data, "query.duckdb"), Log: log,
		MemoryLimit: cfg.Query.MemoryLimit, StatementMemoryLimit: cfg.Query.StatementMemoryLimit,
		QueryTimeout: timeout, MaxConcurrent: cfg.Query.MaxConcurrent}
	if l, ok := store.(interface {
		LocalPath(bucket, key string) (string, error)
	}); ok {
		opts.LocalPath = l.LocalPath
	} else {
		m, err := mirror.New(store, mirror.Options{Dir: filepath.Join(cfg.Data, "cache", "lake"),
			MaxBytes: int64(cfg.Query.CacheMaxBytes), Log: log, Registerer: reg})
		if err != nil {
			return nil, fmt.Errorf("query engine: %w", err)
		}
		opts.LocalPath, opts.Prepare = m.LocalPath, m.Sync
	}
	e, err := engine.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("query engine: %w", err)
	}
	return e, nil
}

// grantedEngine lets a key run SQL only with an account-wide read grant
// (the root key or "*"): a statement can reach every catalog table.
type grantedEngine struct {
	query.Engine
	keys *access.Keyring
}

func (g *grantedEngine) Session(ctx context.Context, user string) (query.Session, error) {
	k, ok := g.keys.Lookup(user)
	if !ok || !k.Allowed(access.Read, "") {
		return nil, &query.Error{Code: "42501", Message: fmt.Sprintf("permission denied: key %s has no read grant on every bucket ('*'), which SQL needs", user)}
	}
	return g.Engine.Session(ctx, user)
}
