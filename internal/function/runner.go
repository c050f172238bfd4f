package function

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Options configure a Runner; zero fields take the defaults.
type Options struct {
	Log        *slog.Logger
	Registerer prometheus.Registerer // nil: metrics are kept but not exported
	// WorkDir holds the runtime loops and each process's scratch dir (its
	// HOME and TMPDIR). When RunAs is set, the function user must be able
	// to search every directory above it. Default: $TMPDIR/tarn-functions.
	WorkDir string
	LogDir  string // the functions' log files (default WorkDir/logs)
	// RunAs is the user functions run as; nil: tarn's own.
	RunAs *Credential
	// Interpreters: default /usr/bin/python3 and /usr/bin/node when they
	// exist (user shims under /root are unreadable to other users), else
	// python3 and node on PATH.
	Python, Node   string
	MaxConcurrency int           // processes per function (default 10)
	IdleTimeout    time.Duration // a warm process is kept this long after its last invocation (default 5m)
	// QueueWait is how long an Invoke at the concurrency limit waits for a
	// process to free up before ErrTooManyRequests (default 1s; the
	// caller's deadline can cut it short).
	QueueWait time.Duration
}

// Credential is a user and group to run functions as, with no
// supplementary groups.
type Credential struct{ UID, GID uint32 }

// Runner runs functions. Its methods are safe for concurrent use.
type Runner struct {
	opts    Options
	log     *slog.Logger
	metrics *metrics

	setupOnce  sync.Once
	setupErr   error
	runtimeDir string
	python     string
	node       string
	cgroups    *cgroups // nil: RLIMIT_DATA

	mu     sync.Mutex
	closed bool
	pools  map[string]*pool // by function name
	logs   map[string]*logFile
	wg     sync.WaitGroup // process watchers
}

// pool is a function's processes.
type pool struct {
	all   map[*process]struct{}
	idle  []*process
	count int           // processes started and not yet dropped
	wake  chan struct{} // closed and replaced when a process frees up
}

// New returns a Runner; directories are created on first use.
func New(opts Options) *Runner {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.WorkDir == "" {
		opts.WorkDir = filepath.Join(os.TempDir(), "tarn-functions")
	}
	if opts.LogDir == "" {
		opts.LogDir = filepath.Join(opts.WorkDir, "logs")
	}
	if opts.MaxConcurrency <= 0 {
		opts.MaxConcurrency = 10
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = 5 * time.Minute
	}
	if opts.QueueWait <= 0 {
		opts.QueueWait = time.Second
	}
	return &Runner{
		opts:    opts,
		log:     opts.Log.With("component", "function"),
		metrics: newMetrics(opts.Registerer),
		pools:   map[string]*pool{},
		logs:    map[string]*logFile{},
	}
}

// setup creates the directories and runtime loops and picks the memory
// limit, once.
func (r *Runner) setup() error {
	r.setupOnce.Do(func() { r.setupErr = r.doSetup() })
	return r.setupErr
}

func (r *Runner) doSetup() error {
	o := r.opts
	r.runtimeDir = filepath.Join(o.WorkDir, "runtime")
	for _, d := range []struct {
		path string
		mode os.FileMode
	}{{o.WorkDir, 0o711}, {r.runtimeDir, 0o755}, {filepath.Join(o.WorkDir, "tmp"), 0o711}, {o.LogDir, 0o700}} {
		if err := os.MkdirAll(d.path, d.mode); err != nil {
			return fmt.Errorf("function runner: %w", err)
		}
		if err := os.Chmod(d.path, d.mode); err != nil {
			return fmt.Errorf("function runner: %w", err)
		}
	}
	if err := writeRuntimes(r.runtimeDir); err != nil {
		return fmt.Errorf("function runner: %w", err)
	}
	r.python = interpreter(o.Python, "/usr/bin/python3", "python3")
	r.node = interpreter(o.Node, "/usr/bin/node", "node")
	cg, err := findCgroups()
	if err == nil {
		r.cgroups = cg
		r.log.Info("function memory limited by cgroup v2 memory.max", "cgroup", cg.dir)
	} else {
		r.log.Info("function memory limited by RLIMIT_DATA", "why_not_cgroup", err.Error())
	}
	if o.RunAs != nil && !searchableByOthers(o.WorkDir) {
		r.log.Warn("the function user may not reach the work dir; functions will fail to start", "dir", o.WorkDir)
	}
	r.log.Info("function runner ready", "work_dir", o.WorkDir, "python", r.python, "node", r.node)
	return nil
}

func interpreter(chosen, preferred, name string) string {
	if chosen != "" {
		return chosen
	}
	if _, err := os.Stat(preferred); err == nil {
		return preferred
	}
	p, _ := exec.LookPath(name)
	return p
}

// searchableByOthers tells whether every directory above dir may be
// searched by any user.
func searchableByOthers(dir string) bool {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return false
	}
	for d := filepath.Dir(abs); ; d = filepath.Dir(d) {
		st, err := os.Stat(d)
		if err != nil || st.Mode().Perm()&0o001 == 0 {
			return false
		}
		if d == "/" {
			return true
		}
	}
}

// Run stops idle processes once they have been idle for IdleTimeout,
// until ctx ends.
func (r *Runner) Run(ctx context.Context) error {
	if err := r.setup(); err != nil {
		return err
	}
	t := time.NewTicker(min(max(r.opts.IdleTimeout/4, time.Second), 30*time.Second))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case now := <-t.C:
			r.reap(now)
		}
	}
}

func (r *Runner) reap(now time.Time) {
	var stale []*process
	r.mu.Lock()
	for _, pl := range r.pools {
		for _, p := range pl.idle {
			if now.Sub(p.lastUsed) >= r.opts.IdleTimeout {
				stale = append(stale, p)
			}
		}
	}
	for _, p := range stale {
		r.drop(p)
	}
	r.mu.Unlock()
	for _, p := range stale {
		p.kill()
	}
}

// Evict stops the function's idle processes and waits for them to end;
// busy ones are stopped when their invocation ends. Call it when the
// function's code or configuration changes or it is deleted.
func (r *Runner) Evict(name string) {
	var idle []*process
	r.mu.Lock()
	if pl := r.pools[name]; pl != nil {
		idle = append(idle, pl.idle...)
		for p := range pl.all {
			p.retired = true
		}
		for _, p := range idle {
			r.drop(p)
		}
	}
	r.mu.Unlock()
	stopAll(idle, 5*time.Second)
}

// Close kills every process and waits for them to end. Invocations in
// flight fail; later ones return an error.
func (r *Runner) Close() error {
	var all []*process
	r.mu.Lock()
	r.closed = true
	for _, pl := range r.pools {
		for p := range pl.all {
			all = append(all, p)
		}
	}
	r.mu.Unlock()
	var errs []error
	if !stopAll(all, 10*time.Second) {
		errs = append(errs, errors.New("function runner: some processes did not end"))
	}
	r.mu.Lock()
	for _, l := range r.logs {
		errs = append(errs, l.close())
	}
	r.mu.Unlock()
	return errors.Join(errs...)
}

// stopAll kills processes and waits, up to limit, for them to be gone.
func stopAll(ps []*process, limit time.Duration) bool {
	for _, p := range ps {
		p.kill()
	}
	deadline := time.After(limit)
	for _, p := range ps {
		select {
		case <-p.gone:
		case <-deadline:
			return false
		}
	}
	return true
}

// acquire returns a process for spec: a warm one of the same key, else a
// new one (cold) while the function is under its concurrency limit, else
// waits for one to free up.
func (r *Runner) acquire(ctx context.Context, spec Spec, key string) (*process, bool, error) {
	limit := spec.MaxConcurrency
	if limit <= 0 {
		limit = r.opts.MaxConcurrency
	}
	timer := time.NewTimer(r.opts.QueueWait)
	defer timer.Stop()
	for {
		r.mu.Lock()
		if r.closed {
			r.mu.Unlock()
			return nil, false, errors.New("function runner closed")
		}
		pl := r.pools[spec.Name]
		if pl == nil {
			pl = &pool{all: map[*process]struct{}{}, wake: make(chan struct{})}
			r.pools[spec.Name] = pl
		}
		var stale []*process
		var warm *process
		for _, p := range pl.idle {
			switch {
			case !p.healthy():
				stale = append(stale, p)
			case warm == nil && p.key == key:
				warm = p
			}
		}
		// Make room by stopping idle processes of another version.
		for i := 0; pl.count-len(stale) >= limit && warm == nil && i < len(pl.idle); i++ {
			if p := pl.idle[i]; p.key != key && p.healthy() {
				stale = append(stale, p)
			}
		}
		for _, p := range stale {
			r.drop(p)
		}
		if warm != nil {
			pl.idle = removeProcess(pl.idle, warm)
			warm.busy = true
			r.mu.Unlock()
			killAll(stale)
			return warm, false, nil
		}
		if pl.count < limit {
			pl.count++
			r.mu.Unlock()
			killAll(stale)
			p, err := r.start(spec, key)
			r.mu.Lock()
			if err != nil {
				pl.count--
				r.broadcast(pl)
			} else {
				pl.all[p] = struct{}{} // busy from birth, so not dropped behind our back
				r.metrics.processes.WithLabelValues(spec.Name).Inc()
				r.metrics.coldStarts.WithLabelValues(spec.Name).Inc()
			}
			r.mu.Unlock()
			return p, true, err
		}
		wake := pl.wake
		r.mu.Unlock()
		killAll(stale)
		select {
		case <-wake:
		case <-timer.C:
			return nil, false, ErrTooManyRequests
		case <-ctx.Done():
			return nil, false, ErrTooManyRequests
		}
	}
}

// release takes a process back after an invocation.
func (r *Runner) release(p *process) {
	r.mu.Lock()
	p.busy = false
	if r.closed || p.retired || !p.healthy() {
		r.drop(p)
		r.mu.Unlock()
		p.kill()
		return
	}
	p.lastUsed = time.Now()
	pl := r.pools[p.spec.Name]
	pl.idle = append(pl.idle, p)
	r.broadcast(pl)
	r.mu.Unlock()
}

// exitedProcess forgets a process that ended on its own while idle.
func (r *Runner) exitedProcess(p *process) {
	r.mu.Lock()
	if !p.busy {
		r.drop(p)
	}
	r.mu.Unlock()
}

// drop removes a process from its pool, once; r.mu is held.
func (r *Runner) drop(p *process) {
	if p.dropped {
		return
	}
	p.dropped = true
	pl := r.pools[p.spec.Name]
	pl.idle = removeProcess(pl.idle, p)
	delete(pl.all, p)
	pl.count--
	r.metrics.processes.WithLabelValues(p.spec.Name).Dec()
	r.broadcast(pl)
}

func (r *Runner) broadcast(pl *pool) {
	close(pl.wake)
	pl.wake = make(chan struct{})
}

func removeProcess(ps []*process, p *process) []*process {
	for i, q := range ps {
		if q == p {
			return append(ps[:i], ps[i+1:]...)
		}
	}
	return ps
}

func killAll(ps []*process) {
	for _, p := range ps {
		p.kill()
	}
}
