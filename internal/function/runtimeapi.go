package function

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The Lambda Runtime API, served to one process on a listener of its own:
// https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html
const apiPrefix = "/2018-06-01/runtime/"

// maxErrorDoc bounds an error document a runtime posts.
const maxErrorDoc = 1 << 20

func (p *process) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path, ok := strings.CutPrefix(r.URL.Path, apiPrefix)
	if !ok {
		p.refuse(w, http.StatusNotFound, "InvalidPath", "unknown path "+r.URL.Path)
		return
	}
	var serve func()
	want := http.MethodPost
	switch {
	case path == "invocation/next":
		want, serve = http.MethodGet, func() { p.next(w, r) }
	case path == "init/error":
		serve = func() { p.initError(w, r) }
	case strings.HasPrefix(path, "invocation/"):
		id, action, _ := strings.Cut(strings.TrimPrefix(path, "invocation/"), "/")
		switch action {
		case "response":
			serve = func() { p.respond(w, r, id, false) }
		case "error":
			serve = func() { p.respond(w, r, id, true) }
		}
	}
	switch {
	case serve == nil:
		p.refuse(w, http.StatusNotFound, "InvalidPath", "unknown path "+r.URL.Path)
	case r.Method != want:
		p.refuse(w, http.StatusMethodNotAllowed, "InvalidMethod", r.Method+" not allowed on "+r.URL.Path)
	default:
		serve()
	}
}

// next hands the process its next invocation, blocking until there is one.
// The first call ends the process's init.
func (p *process) next(w http.ResponseWriter, r *http.Request) {
	p.readyOnce.Do(func() {
		p.initDur = time.Since(p.started)
		close(p.ready)
	})
	p.mu.Lock()
	busy := p.current
	p.mu.Unlock()
	if busy != nil {
		p.refuse(w, http.StatusBadRequest, "InvalidStateTransition", "invocation "+busy.id+" has not been answered")
		return
	}
	var inv *invocation
	select {
	case inv = <-p.invs:
	case <-r.Context().Done():
		return
	case <-p.stop:
		return
	}
	p.mu.Lock()
	p.current = inv
	p.mu.Unlock()
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
	h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(inv.deadline.UnixMilli(), 10))
	h.Set("Lambda-Runtime-Invoked-Function-Arn", p.spec.ARN)
	h.Set("Lambda-Runtime-Trace-Id", inv.traceID)
	w.WriteHeader(http.StatusOK)
	w.Write(inv.payload)
}

// respond takes the answer to the invocation in flight, a response or an
// error document.
func (p *process) respond(w http.ResponseWriter, r *http.Request, id string, failed bool) {
	p.mu.Lock()
	inv, last := p.current, p.lastID
	p.mu.Unlock()
	if inv == nil || inv.id != id {
		if id == last && id != "" {
			p.refuse(w, http.StatusBadRequest, "InvalidStateTransition", "invocation "+id+" has already ended")
		} else {
			p.refuse(w, http.StatusNotFound, "InvalidRequestID", "no invocation "+id+" in flight")
		}
		return
	}
	limit := int64(MaxPayload)
	if failed {
		limit = maxErrorDoc
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return // the process hung up; its invocation times out
	}
	if int64(len(body)) > limit {
		msg := fmt.Sprintf("Response payload size exceeded maximum allowed payload size (%d bytes).", limit)
		p.complete(inv, outcome{failed: true, payload: errorDoc("Function.ResponseSizeTooLarge", msg)})
		// Not refuse: a function with a large result is not misbehaving.
		apiError(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", msg)
		return
	}
	if !failed {
		p.complete(inv, outcome{payload: body})
		accepted(w)
		return
	}
	doc, ok := fixErrorDoc(body, r.Header.Get("Lambda-Runtime-Function-Error-Type"))
	if !ok {
		p.complete(inv, outcome{failed: true, payload: errorDoc("Runtime.InvalidErrorDocument",
			"RequestId: "+inv.id+" Error: the runtime posted an error that is not a JSON object")})
		p.refuse(w, http.StatusBadRequest, "InvalidErrorDocument", "the error must be a JSON object")
		return
	}
	p.complete(inv, outcome{failed: true, payload: doc})
	accepted(w)
}

// initError takes the error of a runtime that could not start; the
// process is killed once Invoke sees it.
func (p *process) initError(w http.ResponseWriter, r *http.Request) {
	select {
	case <-p.ready:
		p.refuse(w, http.StatusForbidden, "InvalidStateTransition", "init has already ended")
		return
	default:
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxErrorDoc+1))
	if err != nil {
		return
	}
	typ := r.Header.Get("Lambda-Runtime-Function-Error-Type")
	doc, ok := fixErrorDoc(body, typ)
	if !ok || len(body) > maxErrorDoc {
		if typ == "" {
			typ = "Runtime.InitError"
		}
		doc = errorDoc(typ, "the runtime failed to start and posted no readable error")
	}
	select {
	case p.initErr <- doc:
	default: // the first one counts
	}
	accepted(w)
}

// complete answers inv, which the process is then done with.
func (p *process) complete(inv *invocation, o outcome) {
	p.mu.Lock()
	if p.current == inv {
		p.current = nil
		p.lastID = inv.id
	}
	p.mu.Unlock()
	inv.finish(o)
}

// refuse answers a request that breaks the protocol; a process that sends
// one is not reused.
func (p *process) refuse(w http.ResponseWriter, status int, typ, msg string) {
	p.mu.Lock()
	p.untrusted = true
	p.mu.Unlock()
	apiError(w, status, typ, msg)
}

func apiError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(errorDoc(typ, msg))
}

func accepted(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	io.WriteString(w, `{"status":"OK"}`)
}

// errorDoc is an error as Lambda reports it.
func errorDoc(typ, msg string) []byte {
	b, _ := json.Marshal(struct {
		Message string `json:"errorMessage"`
		Type    string `json:"errorType"`
	}{msg, typ})
	return b
}

// fixErrorDoc checks that a posted error is a JSON object and gives it an
// errorType (from the header) when it has none.
func fixErrorDoc(body []byte, typ string) ([]byte, bool) {
	var doc map[string]json.RawMessage
	if json.Unmarshal(body, &doc) != nil || doc == nil {
		return nil, false
	}
	if _, ok := doc["errorType"]; ok || typ == "" {
		return body, true
	}
	doc["errorType"], _ = json.Marshal(typ)
	b, err := json.Marshal(doc)
	return b, err == nil
}
