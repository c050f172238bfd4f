package function

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// process is one running function process. It serves one invocation at a
// time, and only tarn talks to it, through its Runtime API listener.
type process struct {
	id      string // also its log stream and scratch dir
	spec    Spec
	key     string // specKey(spec): which invocations it may serve
	cmd     *exec.Cmd
	srv     *http.Server
	scratch string
	cg      *cgroup // nil without cgroup memory control
	out     *os.File
	log     *logFile
	started time.Time

	invs      chan *invocation // to the next /next call; one at a time
	ready     chan struct{}    // closed by the first /next: init is over
	readyOnce sync.Once
	initDur   time.Duration // set before ready is closed
	initErr   chan []byte   // an init/error document
	stop      chan struct{} // closed when tarn kills it or it exits
	stopOnce  sync.Once
	exited    chan struct{} // closed once it has exited and its group is killed
	exitErr   error         // set before exited is closed
	gone      chan struct{} // closed once everything of it is cleaned up
	outDone   chan struct{} // closed when its output is read to the end
	outMu     sync.Mutex    // a read from the pipe and its count are one step
	outTaken  atomic.Int64  // bytes read from the pipe
	outLogged atomic.Int64  // of those, bytes logged
	peakMB    int           // the last Max Memory Used reported

	mu        sync.Mutex
	current   *invocation // handed to the process, not yet answered
	lastID    string      // the invocation answered last
	tailTo    *invocation // whose LogTail the output goes to
	untrusted bool        // it broke the protocol

	// Guarded by Runner.mu.
	busy, retired, dropped bool
	lastUsed               time.Time
}

// start launches a process for spec. It returns once the process runs;
// Invoke then waits for its init.
func (r *Runner) start(spec Spec, key string) (_ *process, err error) {
	p := &process{
		id: randomID(), spec: spec, key: key, log: r.functionLog(spec.Name),
		invs: make(chan *invocation, 1), ready: make(chan struct{}), initErr: make(chan []byte, 1),
		stop: make(chan struct{}), exited: make(chan struct{}), gone: make(chan struct{}),
		outDone: make(chan struct{}), peakMB: -1, busy: true,
	}
	var cleanup []func()
	defer func() {
		if err != nil {
			for i := len(cleanup) - 1; i >= 0; i-- {
				cleanup[i]()
			}
		}
	}()

	p.scratch = filepath.Join(r.opts.WorkDir, "tmp", p.id)
	if err := os.Mkdir(p.scratch, 0o700); err != nil {
		return nil, fmt.Errorf("start %s: scratch dir: %w", spec.Name, err)
	}
	cleanup = append(cleanup, func() { os.RemoveAll(p.scratch) })
	cred := r.opts.RunAs
	if spec.RunAs != nil {
		cred = spec.RunAs
	}
	if c := cred; c != nil {
		if err := os.Chown(p.scratch, int(c.UID), int(c.GID)); err != nil {
			return nil, fmt.Errorf("start %s: scratch dir: %w", spec.Name, err)
		}
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("start %s: runtime api: %w", spec.Name, err)
	}
	cleanup = append(cleanup, func() { ln.Close() })
	if cred != nil {
		ln = &peerListener{Listener: ln, uid: cred.UID}
	} else {
		ln = &peerListener{Listener: ln, uid: uint32(os.Getuid())}
	}

	argv, err := r.argv(spec)
	if err != nil {
		return nil, err
	}
	if r.cgroups != nil {
		if p.cg, err = r.cgroups.create(p.id, spec.MemoryMB); err != nil {
			return nil, fmt.Errorf("start %s: %w", spec.Name, err)
		}
		cleanup = append(cleanup, p.cg.remove)
	} else {
		argv = withRlimit(argv, spec.MemoryMB)
	}

	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", spec.Name, err)
	}
	cleanup = append(cleanup, func() { pr.Close(); pw.Close() })
	p.out = pr

	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = spec.CodeDir
	cmd.Env = environ(spec, ln.Addr().String(), r.runtimeDir, p.scratch, logStream(spec, p.id))
	cmd.Stdout, cmd.Stderr = pw, pw
	attr := &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if c := cred; c != nil {
		attr.Credential = &syscall.Credential{Uid: c.UID, Gid: c.GID, Groups: []uint32{}}
	}
	if p.cg != nil {
		attr.UseCgroupFD, attr.CgroupFD = true, int(p.cg.fd.Fd())
	}
	cmd.SysProcAttr = attr
	p.cmd = cmd
	p.started = time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", spec.Name, err)
	}
	pw.Close()
	if p.cg != nil {
		p.cg.fd.Close()
		p.cg.fd = nil
	}
	p.srv = &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
	go p.srv.Serve(ln)
	go p.readOutput(pr)
	r.wg.Add(1)
	go r.watch(p)
	return p, nil
}

// argv is the command line of spec's runtime.
func (r *Runner) argv(spec Spec) ([]string, error) {
	rt := spec.Runtime
	switch {
	case strings.HasPrefix(rt, "provided"):
		return []string{filepath.Join(spec.CodeDir, "bootstrap")}, nil
	case strings.HasPrefix(rt, "python3"):
		if r.python == "" {
			return nil, fmt.Errorf("start %s: no python3 interpreter found", spec.Name)
		}
		return []string{r.python, "-u", filepath.Join(r.runtimeDir, "runtime.py")}, nil
	case isNode(rt):
		if r.node == "" {
			return nil, fmt.Errorf("start %s: no node interpreter found", spec.Name)
		}
		heap := max(spec.MemoryMB*9/10, 16)
		return []string{r.node, "--max-old-space-size=" + strconv.Itoa(heap), filepath.Join(r.runtimeDir, "runtime.js")}, nil
	}
	return nil, fmt.Errorf("start %s: unsupported runtime %q", spec.Name, rt)
}

func isNode(runtime string) bool { return strings.HasPrefix(runtime, "nodejs") }

// watch waits for the process to exit, kills what it left behind in its
// group and cleans up after it.
func (r *Runner) watch(p *process) {
	defer r.wg.Done()
	p.exitErr = p.cmd.Wait()
	p.killGroup()
	close(p.exited)
	p.stopOnce.Do(func() { close(p.stop) })
	p.srv.Close()
	select {
	case <-p.outDone:
	case <-time.After(2 * time.Second):
		// Something outside the group still holds the pipe.
	}
	p.out.Close()
	if p.cg != nil {
		p.cg.remove()
	}
	os.RemoveAll(p.scratch)
	r.exitedProcess(p)
	close(p.gone)
}

// kill ends the process and everything in its group; watch cleans up.
func (p *process) kill() {
	p.stopOnce.Do(func() { close(p.stop) })
	p.killGroup()
}

func (p *process) killGroup() {
	if p.cg != nil {
		p.cg.kill()
	}
	if p.cmd.Process != nil {
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	}
}

// healthy tells whether the process may serve another invocation.
func (p *process) healthy() bool {
	select {
	case <-p.stop:
		return false
	default:
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return !p.untrusted && p.current == nil
}

// exitReason says why the process ended, as Lambda words it.
func (p *process) exitReason() string {
	if p.exitErr == nil {
		return "Runtime exited without providing a reason"
	}
	var ee *exec.ExitError
	if errors.As(p.exitErr, &ee) {
		return "Runtime exited with error: " + ee.ProcessState.String()
	}
	return "Runtime exited with error: " + p.exitErr.Error()
}

// memoryUsedMB is the figure for REPORT's Max Memory Used.
func (p *process) memoryUsedMB() int {
	mb := -1
	if p.cg != nil {
		mb = p.cg.peakMB()
	} else if p.cmd.Process != nil {
		mb = peakRSSMB(p.cmd.Process.Pid)
	}
	if mb >= 0 {
		p.peakMB = mb
	}
	return max(p.peakMB, 0)
}

func logStream(spec Spec, id string) string {
	return time.Now().UTC().Format("2006/01/02") + "/[" + spec.Version + "]" + id
}

func randomID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
