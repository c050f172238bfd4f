package function

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Defaults of a Spec that leaves them zero, as Lambda's.
const (
	defaultTimeout = 3 * time.Second
	defaultMemory  = 128
	// initTimeout bounds a cold start (a longer function timeout extends it).
	initTimeout = 10 * time.Second
	// drainLimit bounds the wait for output printed before an answer.
	drainLimit = 2 * time.Second
)

// invocation is one request to a function.
type invocation struct {
	id       string
	payload  []byte
	traceID  string
	deadline time.Time
	start    time.Time
	tail     tail

	once sync.Once
	done chan struct{}
	out  outcome
}

// outcome is how an invocation ended.
type outcome struct {
	payload []byte
	failed  bool // payload is an error document
	timeout bool
}

// finish records the outcome, unless one was recorded already; it tells
// whether this one counts.
func (inv *invocation) finish(o outcome) bool {
	won := false
	inv.once.Do(func() {
		inv.out, won = o, true
		close(inv.done)
	})
	return won
}

// Invoke runs spec with payload and waits for its outcome. A function
// that fails (an error it returns, a crash, a timeout, an init failure, a
// response over MaxPayload) is a Result with FunctionError "Unhandled",
// as Lambda reports it; the error is for a payload over MaxPayload
// (ErrPayloadTooLarge), a function at its concurrency limit
// (ErrTooManyRequests), ctx ending, or tarn failing to start a process.
func (r *Runner) Invoke(ctx context.Context, spec Spec, payload []byte) (Result, error) {
	began := time.Now()
	if len(payload) > MaxPayload {
		return Result{}, fmt.Errorf("invoke %s: request of %d bytes: %w", spec.Name, len(payload), ErrPayloadTooLarge)
	}
	if err := r.setup(); err != nil {
		return Result{}, err
	}
	spec = withDefaults(spec)
	inv := &invocation{id: uuid.NewString(), payload: payload, done: make(chan struct{}), traceID: traceID()}
	if doc := checkEntrypoint(spec, inv.id); doc != nil {
		r.metrics.observe(spec.Name, outcomeError, time.Since(began))
		return Result{RequestID: inv.id, FunctionError: "Unhandled", Payload: doc}, nil
	}
	p, cold, err := r.acquire(ctx, spec, specKey(spec))
	if err != nil {
		outcome := outcomeFailed
		if err == ErrTooManyRequests {
			outcome = outcomeThrottled
		}
		r.metrics.observe(spec.Name, outcome, time.Since(began))
		return Result{}, err
	}
	res, err := r.run(ctx, p, cold, inv)
	r.release(p)
	outcome := outcomeOK
	switch {
	case err != nil:
		outcome = outcomeFailed
	case inv.out.timeout:
		outcome = outcomeTimeout
	case res.FunctionError != "":
		outcome = outcomeError
	}
	r.metrics.observe(spec.Name, outcome, time.Since(began))
	return res, err
}

// run takes inv through p: init on a cold start, then the invocation.
func (r *Runner) run(ctx context.Context, p *process, cold bool, inv *invocation) (Result, error) {
	res := Result{RequestID: inv.id}
	spec := p.spec
	if cold {
		p.setTail(inv) // init's output is shown with the first invocation
		doc, err := p.waitInit(ctx, inv.id, max(initTimeout, spec.Timeout))
		res.InitDuration = p.initDur
		if err != nil {
			p.kill()
			return res, err
		}
		if doc != nil {
			p.kill()
			p.drainOutput(drainLimit)
			p.setTail(nil)
			p.emit(inv, fmt.Sprintf("INIT_REPORT Init Duration: %s ms\tPhase: init\tStatus: error\tError Type: %s",
				ms(time.Since(p.started)), errorType(doc)))
			res.FunctionError, res.Payload, res.LogTail = "Unhandled", doc, inv.tail.bytes()
			res.InitDuration = time.Since(p.started)
			return res, nil
		}
	}
	p.emit(inv, fmt.Sprintf("START RequestId: %s Version: %s", inv.id, spec.Version))
	o, err := p.invoke(ctx, inv, spec.Timeout)
	res.Duration = time.Since(inv.start)
	if err != nil {
		p.setTail(nil)
		return res, err
	}
	if o.timeout {
		p.emit(inv, fmt.Sprintf("%s %s Task timed out after %.2f seconds",
			time.Now().UTC().Format("2006-01-02T15:04:05.000Z"), inv.id, spec.Timeout.Seconds()))
	}
	p.drainOutput(drainLimit)
	p.setTail(nil)
	p.emit(inv, "END RequestId: "+inv.id)
	report := fmt.Sprintf("REPORT RequestId: %s\tDuration: %s ms\tBilled Duration: %d ms\tMemory Size: %d MB\tMax Memory Used: %d MB",
		inv.id, ms(res.Duration), int64(math.Ceil(float64(res.Duration)/float64(time.Millisecond))), spec.MemoryMB, p.memoryUsedMB())
	if cold {
		report += "\tInit Duration: " + ms(res.InitDuration) + " ms"
	}
	p.emit(inv, report)
	res.Payload, res.LogTail = o.payload, inv.tail.bytes()
	if o.failed {
		res.FunctionError = "Unhandled"
	}
	return res, nil
}

// waitInit waits until the process asks for its first invocation. It
// returns an error document when init failed, and an error when ctx ended.
func (p *process) waitInit(ctx context.Context, reqID string, limit time.Duration) ([]byte, error) {
	t := time.NewTimer(limit)
	defer t.Stop()
	select {
	case <-p.ready:
		return nil, nil
	case doc := <-p.initErr:
		return doc, nil
	case <-p.exited:
		select {
		case doc := <-p.initErr:
			return doc, nil
		default:
		}
		return errorDoc("Runtime.ExitError", "RequestId: "+reqID+" Error: "+p.exitReason()), nil
	case <-t.C:
		return errorDoc("Sandbox.Timedout", fmt.Sprintf("RequestId: %s Error: Init timed out after %.2f seconds", reqID, limit.Seconds())), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// invoke hands inv to the process and waits for its answer, its exit,
// its timeout (which kills it) or ctx.
func (p *process) invoke(ctx context.Context, inv *invocation, timeout time.Duration) (outcome, error) {
	inv.start = time.Now()
	inv.deadline = inv.start.Add(timeout)
	p.setTail(inv)
	p.invs <- inv // never blocks: one invocation at a time
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-inv.done:
	case <-p.exited:
		inv.finish(outcome{failed: true, payload: errorDoc("Runtime.ExitError", "RequestId: "+inv.id+" Error: "+p.exitReason())})
	case <-t.C:
		msg := fmt.Sprintf("RequestId: %s Error: Task timed out after %.2f seconds", inv.id, timeout.Seconds())
		if inv.finish(outcome{failed: true, timeout: true, payload: errorDoc("Sandbox.Timedout", msg)}) {
			p.kill()
		}
	case <-ctx.Done():
		if inv.finish(outcome{}) {
			p.kill() // in an unknown state now
			return outcome{}, ctx.Err()
		}
	}
	return inv.out, nil
}

func (p *process) setTail(inv *invocation) {
	p.mu.Lock()
	p.tailTo = inv
	p.mu.Unlock()
}

func withDefaults(spec Spec) Spec {
	if spec.Timeout <= 0 {
		spec.Timeout = defaultTimeout
	}
	if spec.MemoryMB <= 0 {
		spec.MemoryMB = defaultMemory
	}
	if spec.Version == "" {
		spec.Version = "$LATEST"
	}
	return spec
}

// specKey identifies what a process runs: a warm process serves only
// invocations of the very same spec.
func specKey(spec Spec) string {
	b, _ := json.Marshal(spec) // maps are marshalled in key order
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// checkEntrypoint reports a provided runtime without an executable
// bootstrap the way Lambda does, before starting anything.
func checkEntrypoint(spec Spec, reqID string) []byte {
	if !strings.HasPrefix(spec.Runtime, "provided") {
		return nil
	}
	path := filepath.Join(spec.CodeDir, "bootstrap")
	st, err := os.Stat(path)
	if err == nil && st.Mode().IsRegular() && st.Mode().Perm()&0o111 != 0 {
		return nil
	}
	return errorDoc("Runtime.InvalidEntrypoint", fmt.Sprintf("RequestId: %s Error: Couldn't find valid bootstrap(s): [%s]", reqID, path))
}

// traceID is an X-Ray style trace header; nothing traces, but runtimes
// expect one.
func traceID() string {
	id := strings.ReplaceAll(uuid.NewString(), "-", "")
	return fmt.Sprintf("Root=1-%08x-%s;Sampled=0", time.Now().Unix(), id[:24])
}

func errorType(doc []byte) string {
	var e struct {
		Type string `json:"errorType"`
	}
	json.Unmarshal(doc, &e)
	return e.Type
}

// ms formats a duration in milliseconds as REPORT lines do.
func ms(d time.Duration) string {
	return fmt.Sprintf("%.2f", float64(d)/float64(time.Millisecond))
}
