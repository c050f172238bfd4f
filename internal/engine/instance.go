package engine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/tarnlake/tarn/internal/access"
)

// Sessions never run in the engine's own DuckDB: each runs in an
// instance, an in-memory DuckDB sandboxed for one key (sandbox.go). By
// default the sessions of one key share its instance, each on a
// connection of its own; with Options.StatementMemoryLimit each session
// gets an instance of its own bounded by that limit (DuckDB bounds memory
// per instance, and a session runs one statement at a time, so the limit
// is each statement's). An instance holds what the engine's database
// holds for reading, as far as the key may read it: the schemas and views
// over the catalog (replayed from defs as they change), the pg_catalog
// for PostgreSQL clients once a statement reads it, and the Avro and
// stream table functions.

// viewDef is a view every instance whose key may read res holds; dir is
// the folder its files are in, which the instance must allow.
type viewDef struct {
	body string
	res  access.Resource
	dir  string
	// sig tells apart views of one body over different columns (a
	// warehouse table's, after ALTER TABLE): DuckDB binds a view's
	// columns when it is made, so instances make it again when sig moves.
	sig string
}

// defs are the schemas and views of the engine's database that instances
// replay; gen counts their changes.
type defs struct {
	gen     uint64
	schemas map[string]bool
	views   map[[2]string]viewDef // {schema, view} →
}

func (e *Engine) defineSchema(ctx context.Context, name string) error {
	if _, err := e.db.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS "+quoteIdent(name)); err != nil {
		return err
	}
	e.defsMu.Lock()
	defer e.defsMu.Unlock()
	if !e.defs.schemas[name] {
		e.defs.schemas[name] = true
		e.defs.gen++
	}
	return nil
}

// defineView makes the view in the engine's database, which checks it,
// and records it for the instances whose key may read res.
func (e *Engine) defineView(ctx context.Context, schema, name, body string, res access.Resource) error {
	return e.defineViewSig(ctx, schema, name, body, "", res)
}

// defineViewSig is defineView for a view whose columns sig names.
func (e *Engine) defineViewSig(ctx context.Context, schema, name, body, sig string, res access.Resource) error {
	if _, err := e.db.ExecContext(ctx, createView(schema, name, body)); err != nil {
		return err
	}
	v := viewDef{body: body, res: res, sig: sig}
	if res.Kind == access.S3 && e.opts.Files != nil {
		dir, err := e.opts.Files.LocalPath(res.Name, "")
		if err != nil {
			return err
		}
		v.dir = dir
	}
	e.defsMu.Lock()
	defer e.defsMu.Unlock()
	e.defs.views[[2]string{schema, name}] = v
	e.defs.gen++
	return nil
}

func (e *Engine) dropView(ctx context.Context, schema, name string) {
	e.db.ExecContext(ctx, "DROP VIEW IF EXISTS "+quoteIdent(schema)+"."+quoteIdent(name))
	e.defsMu.Lock()
	defer e.defsMu.Unlock()
	if _, ok := e.defs.views[[2]string{schema, name}]; ok {
		delete(e.defs.views, [2]string{schema, name})
		e.defs.gen++
	}
}

func createView(schema, name, body string) string {
	return "CREATE OR REPLACE VIEW " + quoteIdent(schema) + "." + quoteIdent(name) + " AS " + body
}

// instance is a key's sandboxed DuckDB.
type instance struct {
	conn  *duckdb.Connector
	db    *sql.DB
	key   *access.Key // nil: may read everything
	grant string      // the key's grants when the instance was made
	dirs  []string    // the folders DuckDB may read, each ending in a separator
	tmp   string      // CTAS and UNLOAD results before they enter the lake

	mu   sync.Mutex
	held defs // what it holds of the engine's defs
	pg   bool // holds pgSchema, made for the first statement that reads it

	refs    int       // sessions using it (Engine.poolMu)
	retired bool      // replaced in the pool: closed by its last session
	idle    time.Time // when its last session ended (refs 0)
}

func grantsOf(k *access.Key) string {
	if k == nil {
		return "*"
	}
	return fmt.Sprint(k.Root, k.Grants)
}

// may reports whether the instance's key may read r.
func (in *instance) may(r access.Resource) bool {
	return in.key == nil || in.key.Allowed(access.Read, r)
}

// allows reports whether path is in a folder the instance may read.
func (in *instance) allows(path string) bool {
	path = filepath.Clean(path)
	for _, d := range in.dirs {
		if strings.HasPrefix(path+string(filepath.Separator), d) {
			return true
		}
	}
	return false
}

// wantDirs are the folders key may read: those of the buckets it may read
// under LakeDir, and those of the views it may read.
func (e *Engine) wantDirs(key *access.Key) []string {
	seen := map[string]bool{}
	add := func(dir string) { seen[filepath.Clean(dir)+string(filepath.Separator)] = true }
	if root := e.opts.LakeDir; root != "" {
		if key == nil || key.Allowed(access.Read, access.Bucket("")) {
			add(root)
		} else {
			entries, _ := os.ReadDir(root)
			for _, g := range key.Grants {
				t, err := g.Target()
				if err != nil || t.Kind != access.S3 || !g.Read && !g.Write {
					continue
				}
				if !strings.ContainsAny(t.Name, `*?[\`) {
					add(filepath.Join(root, t.Name))
					continue
				}
				for _, de := range entries {
					if ok, _ := path.Match(t.Name, de.Name()); ok && de.IsDir() {
						add(filepath.Join(root, de.Name()))
					}
				}
			}
		}
	}
	e.defsMu.Lock()
	defer e.defsMu.Unlock()
	for _, v := range e.defs.views {
		if v.dir != "" && (key == nil || key.Allowed(access.Read, v.res)) {
			add(v.dir)
		}
	}
	dirs := make([]string, 0, len(seen))
	for d := range seen {
		dirs = append(dirs, d)
	}
	slices.Sort(dirs)
	return dirs
}

// newInstance opens a DuckDB for key, bounded by memLimit, that may read
// only the folders of the views the key may read, and locks its
// configuration.
func (e *Engine) newInstance(ctx context.Context, key *access.Key, memLimit string) (*instance, error) {
	tmp, err := os.MkdirTemp(e.opts.TempDir, "sql-")
	if err != nil {
		return nil, fmt.Errorf("open a session's duckdb: %w", err)
	}
	conn, err := duckdb.NewConnector("", nil)
	if err != nil {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("open a session's duckdb: %w", err)
	}
	in := &instance{conn: conn, db: sql.OpenDB(conn), key: key, grant: grantsOf(key), tmp: tmp,
		dirs: append(e.wantDirs(key), filepath.Clean(tmp)+string(filepath.Separator)),
		held: defs{schemas: map[string]bool{}, views: map[[2]string]viewDef{}}}
	err = in.lock(ctx, e.opts, memLimit)
	if err == nil {
		err = registerAvro(ctx, in.db, in.allows)
	}
	if err == nil && e.opts.Streams != nil {
		err = e.registerStreams(ctx, in.db, in.may)
	}
	if err == nil && e.opts.Warehouse != nil {
		err = e.registerWarehouse(ctx, in.db, in.may)
	}
	if err == nil {
		err = in.refresh(ctx, e)
	}
	if err != nil {
		return nil, errors.Join(fmt.Errorf("prepare a session's duckdb: %w", err), in.close())
	}
	return in, nil
}

// lock configures the instance and locks its configuration: external
// access off but for its folders, no extension loading, its limits.
func (in *instance) lock(ctx context.Context, opts Options, memLimit string) error {
	quoted := make([]string, len(in.dirs))
	for i, d := range in.dirs {
		quoted[i] = "'" + quoteString(d) + "'"
	}
	stmts := []string{
		"SET autoinstall_known_extensions = false",
		"SET autoload_known_extensions = false",
		"SET allow_community_extensions = false",
		"SET allowed_directories = [" + strings.Join(quoted, ", ") + "]",
		"SET enable_external_access = false",
	}
	if memLimit != "" {
		stmts = append(stmts, fmt.Sprintf("SET memory_limit = '%s'", quoteString(memLimit)))
	}
	if opts.Threads > 0 {
		stmts = append(stmts, fmt.Sprintf("SET threads = %d", opts.Threads))
	}
	stmts = append(stmts, "SET lock_configuration = true")
	c, err := in.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	for _, s := range stmts {
		if _, err := c.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}

// pgCatalog makes pgSchema in the instance before a statement that reads
// the catalogs (most of a new instance's cost, and most sessions never
// need it).
func (in *instance) pgCatalog(ctx context.Context) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.pg {
		return nil
	}
	if err := createPGCatalog(ctx, in.db); err != nil {
		return err
	}
	in.pg = true
	return nil
}

// refresh brings the instance's schemas and views up to the engine's, as
// far as its key may read them. A view whose folder the instance does not
// allow (a bucket newer than the instance) is left out: the key's next
// session gets a new instance. A view that fails here failed in the
// engine's database too, or reads files that changed since: it is left
// out, as there.
func (in *instance) refresh(ctx context.Context, e *Engine) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	e.defsMu.Lock()
	if in.held.gen == e.defs.gen {
		e.defsMu.Unlock()
		return nil
	}
	want := defs{gen: e.defs.gen, schemas: make(map[string]bool, len(e.defs.schemas)), views: make(map[[2]string]viewDef, len(e.defs.views))}
	for k := range e.defs.schemas {
		want.schemas[k] = true
	}
	for k, v := range e.defs.views {
		if in.may(v.res) && (v.dir == "" || in.allows(v.dir)) {
			want.views[k] = v
		}
	}
	e.defsMu.Unlock()
	for s := range want.schemas {
		if !in.held.schemas[s] {
			if _, err := in.db.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS "+quoteIdent(s)); err != nil {
				return fmt.Errorf("schema %s: %w", s, err)
			}
		}
	}
	for k := range in.held.views {
		if _, ok := want.views[k]; !ok {
			in.db.ExecContext(ctx, "DROP VIEW IF EXISTS "+quoteIdent(k[0])+"."+quoteIdent(k[1]))
		}
	}
	for k, v := range want.views {
		if held := in.held.views[k]; held.body == v.body && held.sig == v.sig {
			continue
		}
		if _, err := in.db.ExecContext(ctx, createView(k[0], k[1], v.body)); err != nil {
			e.log.Debug("view not made in a session's duckdb", "view", k[0]+"."+k[1], "err", firstLine(err.Error()))
			delete(want.views, k)
		}
	}
	in.held = want
	return nil
}

func (in *instance) close() error {
	return errors.Join(in.db.Close(), in.conn.Close(), os.RemoveAll(in.tmp))
}

// acquire returns an instance for key's session: its own with a statement
// memory limit, else the key's shared one, made anew when the key's grants
// changed or it may read a folder the old one may not.
func (e *Engine) acquire(ctx context.Context, key *access.Key) (*instance, error) {
	if e.opts.StatementMemoryLimit != "" {
		in, err := e.newInstance(ctx, key, e.opts.StatementMemoryLimit)
		if err == nil {
			in.refs, in.retired = 1, true
		}
		return in, err
	}
	id := ""
	if key != nil {
		id = key.ID
	}
	e.poolMu.Lock()
	defer e.poolMu.Unlock()
	e.evictIdle(id)
	if in := e.pool[id]; in != nil {
		if in.grant == grantsOf(key) && in.covers(e.wantDirs(key)) {
			in.refs++
			return in, nil
		}
		in.retired = true
		if in.refs == 0 {
			in.close()
		}
		delete(e.pool, id)
	}
	in, err := e.newInstance(ctx, key, e.opts.MemoryLimit)
	if err != nil {
		return nil, err
	}
	in.refs = 1
	e.pool[id] = in
	return in, nil
}

func (in *instance) covers(dirs []string) bool {
	for _, d := range dirs {
		if !slices.Contains(in.dirs, d) {
			return false
		}
	}
	return true
}

// release ends a session's use of in.
func (e *Engine) release(in *instance) error {
	e.poolMu.Lock()
	defer e.poolMu.Unlock()
	in.refs--
	if in.refs == 0 {
		in.idle = time.Now()
	}
	if in.retired && in.refs == 0 {
		return in.close()
	}
	return nil
}

// idleInstance is how long a key's DuckDB outlives its last session: a
// key that comes back soon finds it ready; one that does not gives its
// memory back.
const idleInstance = 5 * time.Minute

// evictIdle closes the shared instances no session has used for
// idleInstance, but for key id's, which is about to be used. Called with
// poolMu held, as sessions open: no goroutine of its own.
func (e *Engine) evictIdle(id string) {
	ttl := e.opts.IdleInstance
	if ttl == 0 {
		ttl = idleInstance
	}
	for k, in := range e.pool {
		if k != id && in.refs == 0 && time.Since(in.idle) > ttl {
			in.close()
			delete(e.pool, k)
		}
	}
}

// closePool closes the shared instances.
func (e *Engine) closePool() error {
	e.poolMu.Lock()
	defer e.poolMu.Unlock()
	var errs []error
	for id, in := range e.pool {
		errs = append(errs, in.close())
		delete(e.pool, id)
	}
	return errors.Join(errs...)
}
