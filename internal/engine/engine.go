// Package engine runs SQL over every catalog table with embedded DuckDB:
// each catalog database is a SQL schema and each lake table a view over
// its files, read in place (read_parquet, read_json, read_csv with the
// catalog's schema and hive partitioning). Views follow the catalog: they
// are rebuilt when a table changes. All of tarn's cgo lives here.
package engine

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/catalog"
	"github.com/tarnlake/tarn/internal/hold"
	"github.com/tarnlake/tarn/internal/lake"
	"github.com/tarnlake/tarn/internal/query"
	"github.com/tarnlake/tarn/internal/stream"
	"github.com/tarnlake/tarn/internal/warehouse"
	"github.com/tarnlake/tarn/internal/warehouse/pqscan"
)

// Options configures the engine.
type Options struct {
	Catalog catalog.Metadata
	// Lake, when set, takes the Parquet files that CTAS and INSERT INTO a
	// lake table write.
	Lake lake.Objects
	// Streams, when set, makes every stream a table streams.<name> of the
	// records it holds now.
	Streams stream.Store
	// Warehouse, when set, makes every warehouse table a table of its
	// schema, and takes the statements that create and change them.
	Warehouse warehouse.Store
	// Parquet, when set, reads the Parquet files of warehouse COPYs.
	Parquet *pqscan.Scanner
	// Deliveries, with Streams, makes every delivery a table
	// pending.<name> of the records it has not written yet.
	Deliveries Deliveries
	// Files says where a lake location's files are on this machine; nil
	// when the lake is not on this machine.
	Files lake.LocalFiles
	// LakeDir, when set, is the folder that holds every bucket's files as
	// Files names them (LakeDir/<bucket>): a key's sandbox may read
	// the folders of the buckets it may read, including buckets made after
	// its session started. "": only the folders of the tables it may read
	// when the session starts.
	LakeDir string
	// Prepare, when set, runs before a statement for the location (bucket,
	// key or prefix) of each lake table it reads, to bring the local copy
	// that LocalPath names up to date (a remote lake's files); its error
	// fails the statement. It keeps the copy until ctx ends, which is when
	// the statement does. Nil: the files are read where they are.
	Prepare func(ctx context.Context, bucket, prefix string) error
	// Path is the DuckDB database file for tables made in SQL; "" keeps
	// them in memory.
	Path string
	// MemoryLimit bounds DuckDB's memory ("2GB"); default DuckDB's (80% of RAM).
	MemoryLimit string
	// StatementMemoryLimit, when set ("1GB"), runs each session in a DuckDB
	// of its own bounded by it, so that it bounds each statement (see
	// isolate.go); "" runs every session in the engine's one DuckDB,
	// bounded together by MemoryLimit.
	StatementMemoryLimit string
	// Keys finds the access key a session runs as (its user); the key's
	// grants decide which tables and streams the session sees and where
	// it may write. Nil: every session may read and write everything
	// (benchmarks and tests).
	Keys interface {
		Lookup(id string) (access.Key, bool)
	}
	// TempDir holds what CTAS and UNLOAD write before it enters the lake;
	// "": the system's temporary folder.
	TempDir string
	// IdleInstance is how long a key's sandboxed DuckDB stays open after
	// its last session ends; 0: 5 minutes.
	IdleInstance time.Duration
	// Threads DuckDB uses; 0: one per core.
	Threads int
	// QueryTimeout ends statements that run longer (57014); 0: none.
	QueryTimeout time.Duration
	// MaxConcurrent statements run at once; more wait for a slot (as
	// long as their context allows). 0: one per core, at least 2.
	MaxConcurrent int
	// SyncEvery is how stale views may be: the catalog is checked at most
	// this often; default 1s.
	SyncEvery time.Duration
	Log       *slog.Logger
}

// Engine is DuckDB with views over the catalog.
type Engine struct {
	opts Options
	conn *duckdb.Connector
	db   *sql.DB
	log  *slog.Logger

	slots chan struct{} // one per running statement

	syncMu      sync.Mutex
	synced      time.Time
	missSynced  time.Time            // the last sync a statement naming a missing table asked for
	views       map[string]viewState // "db.table" → what its view was made from
	schemas     map[string]bool
	streamViews map[[2]string]string // schema, name → a stream or pending view's SELECT
	whViews     map[[2]string]string // warehouse schema, table → its columns when its view was made
	extViews    map[[2]string]string // external schema, table → the catalog table's version it shows
	whCols      map[[2]string][]string
	unionViews  map[[2]string]string  // schema, <table>_all → its SELECT
	archives    *hold.Gate            // ARCHIVE's commits, apart from statements that read the unions
	remote      map[string]remoteView // "db.table" → its files through Prepare (remote.go)
	lastSync    error

	defsMu sync.Mutex
	defs   defs // the schemas and views sessions' instances replay (instance.go)

	poolMu sync.Mutex
	pool   map[string]*instance // key id → its shared instance
}

var _ query.Engine = (*Engine)(nil)

// Open starts DuckDB. Extensions that are not linked in are never fetched
// from the network: a query needing one fails at once.
func Open(opts Options) (*Engine, error) {
	if opts.SyncEvery == 0 {
		opts.SyncEvery = time.Second
	}
	if opts.MaxConcurrent <= 0 {
		opts.MaxConcurrent = max(2, runtime.NumCPU())
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	conn, err := duckdb.NewConnector(opts.Path, func(ex driver.ExecerContext) error {
		return initConn(ex, opts)
	})
	if err != nil {
		return nil, fmt.Errorf("open duckdb %q: %w", opts.Path, err)
	}
	e := &Engine{opts: opts, conn: conn, db: sql.OpenDB(conn), log: opts.Log.With("component", "engine"),
		views: map[string]viewState{}, schemas: map[string]bool{}, streamViews: map[[2]string]string{}, whViews: map[[2]string]string{}, extViews: map[[2]string]string{},
		whCols: map[[2]string][]string{}, unionViews: map[[2]string]string{}, archives: hold.New(), remote: map[string]remoteView{},
		slots: make(chan struct{}, opts.MaxConcurrent), defs: defs{schemas: map[string]bool{}, views: map[[2]string]viewDef{}},
		pool: map[string]*instance{}}
	if err := e.db.Ping(); err != nil {
		return nil, errors.Join(fmt.Errorf("open duckdb %q: %w", opts.Path, err), e.Close())
	}
	if err := registerAvro(context.Background(), e.db, func(string) bool { return true }); err != nil {
		return nil, errors.Join(fmt.Errorf("register tarn_avro: %w", err), e.Close())
	}
	if err := createPGCatalog(context.Background(), e.db); err != nil {
		return nil, errors.Join(fmt.Errorf("pg_catalog for PostgreSQL clients: %w", err), e.Close())
	}
	if opts.Streams != nil {
		if err := e.registerStreams(context.Background(), e.db, func(access.Resource) bool { return true }); err != nil {
			return nil, errors.Join(fmt.Errorf("register tarn_stream: %w", err), e.Close())
		}
	}
	if opts.Warehouse != nil {
		if err := e.registerWarehouse(context.Background(), e.db, func(access.Resource) bool { return true }); err != nil {
			return nil, errors.Join(fmt.Errorf("register tarn_warehouse: %w", err), e.Close())
		}
	}
	if opts.StatementMemoryLimit != "" { // a bad limit fails here, not in every session
		in, err := e.newInstance(context.Background(), nil, opts.StatementMemoryLimit)
		if err != nil {
			return nil, errors.Join(fmt.Errorf("statement memory limit %q: %w", opts.StatementMemoryLimit, err), e.Close())
		}
		in.close()
	}
	return e, nil
}

// initConn sets up each connection: DuckDB wants every connection of one
// database configured alike.
func initConn(ex driver.ExecerContext, opts Options) error {
	stmts := []string{
		"SET autoinstall_known_extensions = false",
		"SET autoload_known_extensions = false",
	}
	if opts.MemoryLimit != "" {
		stmts = append(stmts, fmt.Sprintf("SET memory_limit = '%s'", quoteString(opts.MemoryLimit)))
	}
	if opts.Threads > 0 {
		stmts = append(stmts, fmt.Sprintf("SET threads = %d", opts.Threads))
	}
	for _, s := range stmts {
		if _, err := ex.ExecContext(context.Background(), s, nil); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}

// MaxConcurrent is how many statements run at once.
func (e *Engine) MaxConcurrent() int { return cap(e.slots) }

// Close closes DuckDB.
func (e *Engine) Close() error {
	return errors.Join(e.closePool(), e.db.Close(), e.conn.Close())
}

// Session opens a session for the key user names, on a connection of its
// own in the key's sandboxed instance.
func (e *Engine) Session(ctx context.Context, user string) (query.Session, error) {
	var key *access.Key
	if e.opts.Keys != nil {
		k, ok := e.opts.Keys.Lookup(user)
		if !ok {
			return nil, &query.Error{Code: query.CodeInvalidAuth, Message: fmt.Sprintf("no access key %q", user)}
		}
		key = &k
	}
	if err := e.sync(ctx); err != nil {
		e.log.Warn("views not refreshed", "err", err)
	}
	in, err := e.acquire(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("open session: %w", err)
	}
	c, err := in.db.Conn(ctx)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("open session: %w", err), e.release(in))
	}
	if e.opts.Warehouse != nil {
		// Unqualified names are also the warehouse's public tables, as in
		// Redshift; a session may change it (SET search_path).
		if _, err := c.ExecContext(ctx, "SET search_path = 'main,public'"); err != nil {
			e.log.Warn("public not on the search path", "err", err)
		}
	}
	return &session{e: e, conn: c, user: user, key: key, inst: in}, nil
}
