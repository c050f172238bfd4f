package function

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestGo(t *testing.T) {
	r := newRunner(t, Options{})
	spec := goSpec("go-echo")

	first := invoke(t, r, spec, `{"hello":"world","print":"printed by go"}`)
	wantOK(t, first)
	if string(first.Payload) != `{"hello":"world","print":"printed by go"}` {
		t.Errorf("payload = %s", first.Payload)
	}
	if first.InitDuration <= 0 {
		t.Errorf("cold start InitDuration = %v", first.InitDuration)
	}
	for _, want := range []string{"START RequestId: " + first.RequestID + " Version: $LATEST", "printed by go",
		"END RequestId: " + first.RequestID, "REPORT RequestId: " + first.RequestID, "Init Duration:"} {
		if !strings.Contains(string(first.LogTail), want) {
			t.Errorf("log tail lacks %q:\n%s", want, first.LogTail)
		}
	}
	warmBefore := r.pools[spec.Name].idle[0]

	t.Run("warm", func(t *testing.T) {
		res := invoke(t, r, spec, `"again"`)
		wantOK(t, res)
		if res.InitDuration != 0 || strings.Contains(string(res.LogTail), "Init Duration") {
			t.Errorf("warm invoke has init: %v\n%s", res.InitDuration, res.LogTail)
		}
		if pl := r.pools[spec.Name]; pl.count != 1 || pl.idle[0] != warmBefore {
			t.Errorf("the warm process was not reused: %d processes", pl.count)
		}
	})
	t.Run("error", func(t *testing.T) {
		typ, msg := errorOf(t, invoke(t, r, spec, `{"fail":"boom"}`))
		if msg != "boom" || typ != "errorString" {
			t.Errorf("error = %s %q", typ, msg)
		}
		// A returned error does not cost the process.
		if r.pools[spec.Name].count != 1 {
			t.Errorf("%d processes after an error", r.pools[spec.Name].count)
		}
	})
	t.Run("new code is cold", func(t *testing.T) {
		s := spec
		s.CodeHash = "other"
		if res := invoke(t, r, s, `1`); res.InitDuration == 0 {
			t.Error("a new code hash reused a warm process")
		}
	})
	t.Run("missing bootstrap", func(t *testing.T) {
		s := spec
		s.CodeDir = t.TempDir()
		typ, msg := errorOf(t, invoke(t, r, s, `{}`))
		if typ != "Runtime.InvalidEntrypoint" || !strings.Contains(msg, "bootstrap") {
			t.Errorf("error = %s %q", typ, msg)
		}
	})
	t.Run("logs", func(t *testing.T) {
		lines, err := r.Logs(spec.Name, time.Time{}, 0)
		if err != nil {
			t.Fatal(err)
		}
		var starts, printed int
		for _, l := range lines {
			if strings.HasPrefix(l.Text, "START ") {
				starts++
			}
			if l.Text == "printed by go" && l.RequestID == first.RequestID {
				printed++
			}
		}
		if starts < 4 || printed != 1 {
			t.Errorf("%d START lines, %d attributed prints in %d lines", starts, printed, len(lines))
		}
		last, _ := r.Logs(spec.Name, time.Time{}, 2)
		if len(last) != 2 || !strings.HasPrefix(last[1].Text, "REPORT ") {
			t.Errorf("last 2 lines: %+v", last)
		}
		if none, _ := r.Logs(spec.Name, time.Now().Add(time.Hour), 10); len(none) != 0 {
			t.Errorf("lines from the future: %+v", none)
		}
	})
}

func TestPython(t *testing.T) {
	r := newRunner(t, Options{})

	t.Run("echo and warm", func(t *testing.T) {
		spec := pySpec("py-who", "app.whoami")
		a, b := invoke(t, r, spec, `{}`), invoke(t, r, spec, `{}`)
		wantOK(t, a)
		wantOK(t, b)
		if string(a.Payload) != string(b.Payload) {
			t.Errorf("not the same process: %s then %s", a.Payload, b.Payload)
		}
		if a.InitDuration == 0 || b.InitDuration != 0 {
			t.Errorf("init durations %v, %v", a.InitDuration, b.InitDuration)
		}
		res := invoke(t, r, pySpec("py-echo", "pkg/nested.handler"), `{"a":[1,2]}`)
		if string(res.Payload) != `{"nested": {"a": [1, 2]}}` {
			t.Errorf("payload = %s", res.Payload)
		}
	})
	t.Run("exception", func(t *testing.T) {
		res := invoke(t, r, pySpec("py-fail", "app.fail"), `{"x":42}`)
		typ, msg := errorOf(t, res)
		if typ != "ValueError" || msg != "bad input: 42" {
			t.Errorf("error = %s %q", typ, msg)
		}
		var doc struct{ StackTrace []string }
		json.Unmarshal(res.Payload, &doc)
		if len(doc.StackTrace) == 0 || !strings.Contains(doc.StackTrace[len(doc.StackTrace)-1], "app.py") {
			t.Errorf("stack trace = %q", doc.StackTrace)
		}
	})
	t.Run("timeout kills the group", func(t *testing.T) {
		spec := pySpec("py-hang", "app.fork")
		spec.Timeout = 1 * time.Second
		res := invoke(t, r, spec, `{"sleep":1001,"hang":true}`)
		typ, msg := errorOf(t, res)
		if typ != "Sandbox.Timedout" || !strings.Contains(msg, "Task timed out after 1.00 seconds") {
			t.Errorf("error = %s %q", typ, msg)
		}
		if res.Duration < time.Second || res.Duration > 3*time.Second {
			t.Errorf("duration %v", res.Duration)
		}
		if !strings.Contains(string(res.LogTail), "Task timed out") {
			t.Errorf("log tail:\n%s", res.LogTail)
		}
		eventually(t, "the forked sleep is killed", func() bool { return len(processesRunning("sleep", "1001")) == 0 })
		if n := r.pools[spec.Name].count; n != 0 {
			t.Errorf("%d processes after a timeout", n)
		}
	})
	t.Run("evict kills the group", func(t *testing.T) {
		spec := pySpec("py-fork", "app.fork")
		wantOK(t, invoke(t, r, spec, `{"sleep":1002}`))
		if len(processesRunning("sleep", "1002")) != 1 {
			t.Fatal("the forked child is not running")
		}
		r.Evict(spec.Name)
		eventually(t, "the forked sleep is killed", func() bool { return len(processesRunning("sleep", "1002")) == 0 })
	})
	t.Run("crash", func(t *testing.T) {
		res := invoke(t, r, pySpec("py-crash", "app.crash"), `{}`)
		typ, msg := errorOf(t, res)
		if typ != "Runtime.ExitError" || !strings.Contains(msg, "Runtime exited with error: exit status 3") {
			t.Errorf("error = %s %q", typ, msg)
		}
		if !strings.Contains(string(res.LogTail), "crashing") {
			t.Errorf("log tail:\n%s", res.LogTail)
		}
	})
	t.Run("init exception", func(t *testing.T) {
		res := invoke(t, r, pySpec("py-initfail", "initfail.handler"), `{}`)
		typ, msg := errorOf(t, res)
		if typ != "RuntimeError" || msg != "cannot start: missing config" {
			t.Errorf("error = %s %q", typ, msg)
		}
		if !strings.Contains(string(res.LogTail), "INIT_REPORT") {
			t.Errorf("log tail:\n%s", res.LogTail)
		}
		typ, _ = errorOf(t, invoke(t, r, pySpec("py-nomod", "nothere.handler"), `{}`))
		if typ != "Runtime.ImportModuleError" {
			t.Errorf("missing module: %s", typ)
		}
		typ, _ = errorOf(t, invoke(t, r, pySpec("py-nofn", "app.nothere"), `{}`))
		if typ != "Runtime.HandlerNotFound" {
			t.Errorf("missing handler: %s", typ)
		}
	})
	t.Run("init exit", func(t *testing.T) {
		res := invoke(t, r, pySpec("py-initexit", "initexit.handler"), `{}`)
		typ, msg := errorOf(t, res)
		if typ != "Runtime.ExitError" || !strings.Contains(msg, "exit status 2") {
			t.Errorf("error = %s %q", typ, msg)
		}
		if !strings.Contains(string(res.LogTail), "exiting during init") {
			t.Errorf("log tail:\n%s", res.LogTail)
		}
	})
	t.Run("response too large", func(t *testing.T) {
		spec := pySpec("py-big", "app.big")
		typ, msg := errorOf(t, invoke(t, r, spec, `{}`))
		if typ != "Function.ResponseSizeTooLarge" || !strings.Contains(msg, "exceeded maximum allowed payload size") {
			t.Errorf("error = %s %q", typ, msg)
		}
		// The process goes on serving.
		res := invoke(t, r, spec, `{}`)
		if typ, _ := errorOf(t, res); typ != "Function.ResponseSizeTooLarge" || res.InitDuration != 0 {
			t.Errorf("second invoke: %s, init %v", typ, res.InitDuration)
		}
	})
	t.Run("chatty", func(t *testing.T) {
		spec := pySpec("py-chatty", "app.chatty")
		res := invoke(t, r, spec, `{"lines":20000}`)
		wantOK(t, res)
		if len(res.LogTail) > tailSize {
			t.Errorf("log tail of %d bytes", len(res.LogTail))
		}
		if !strings.Contains(string(res.LogTail), "line 19999 ") || !strings.Contains(string(res.LogTail), "REPORT") {
			t.Errorf("log tail lacks the last line:\n%s", res.LogTail)
		}
		// About 2 MiB per invocation: the log file rotates and stays bounded.
		for range 5 {
			wantOK(t, invoke(t, r, spec, `{"lines":20000}`))
		}
		st, err := os.Stat(r.logPath(spec.Name))
		if err != nil {
			t.Fatal(err)
		}
		old, err := os.Stat(r.logPath(spec.Name) + ".1")
		if err != nil || st.Size() > maxLogFile || old.Size() > maxLogFile {
			t.Errorf("log files not rotated: %v, %v", st.Size(), err)
		}
	})
	t.Run("runtime api garbage", func(t *testing.T) {
		spec := pySpec("py-garbage", "app.garbage")
		res := invoke(t, r, spec, `{}`)
		wantOK(t, res)
		var got map[string]int
		json.Unmarshal(res.Payload, &got)
		want := map[string]int{"unknown_id": 404, "bad_path": 404, "bad_method": 405, "next_in_flight": 400, "late_init_error": 403}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s: status %d, want %d", k, got[k], v)
			}
		}
		// A process that broke the protocol is not reused.
		if again := invoke(t, r, spec, `{}`); again.InitDuration == 0 {
			t.Error("an untrusted process served again")
		}
		typ, _ := errorOf(t, invoke(t, r, pySpec("py-garbage-error", "app.garbage_error"), `{}`))
		if typ != "Runtime.InvalidErrorDocument" {
			t.Errorf("garbage error: %s", typ)
		}
	})
}

func TestNode(t *testing.T) {
	r := newRunner(t, Options{})
	cases := []struct {
		handler, payload, want string
	}{
		{"app.echo", `{"a":1}`, `{"a":1}`},
		{"app.callback", `[1]`, `{"via":"callback","name":"node-app.callback","event":[1]}`},
		{"esm.handler", `"x"`, `{"esm":true,"event":"x","arn":"arn:aws:lambda:eu-west-1:000000000000:function:node-esm.handler"}`},
		{"app.log", `{}`, `true`},
	}
	for _, c := range cases {
		t.Run(c.handler, func(t *testing.T) {
			res := invoke(t, r, nodeSpec("node-"+c.handler, c.handler), c.payload)
			wantOK(t, res)
			if string(res.Payload) != c.want {
				t.Errorf("payload = %s, want %s", res.Payload, c.want)
			}
		})
	}
	t.Run("console lines", func(t *testing.T) {
		res := invoke(t, r, nodeSpec("node-app.log", "app.log"), `{}`)
		if !strings.Contains(string(res.LogTail), res.RequestID+"\tINFO\thello from "+res.RequestID) {
			t.Errorf("log tail:\n%s", res.LogTail)
		}
	})
	errs := []struct{ handler, typ, msg string }{
		{"app.fail", "RangeError", "out of range"},
		{"app.callbackError", "TypeError", "callback failed"},
		{"broken.handler", "Error", "broken at load"},
		{"app.missing", "Runtime.HandlerNotFound", "app.missing is undefined or not exported"},
	}
	for _, c := range errs {
		t.Run(c.handler, func(t *testing.T) {
			typ, msg := errorOf(t, invoke(t, r, nodeSpec("node-"+c.handler, c.handler), `{}`))
			if typ != c.typ || msg != c.msg {
				t.Errorf("error = %s %q, want %s %q", typ, msg, c.typ, c.msg)
			}
		})
	}
	t.Run("timeout", func(t *testing.T) {
		spec := nodeSpec("node-hang", "app.hang")
		spec.Timeout = 500 * time.Millisecond
		typ, _ := errorOf(t, invoke(t, r, spec, `{}`))
		if typ != "Sandbox.Timedout" {
			t.Errorf("error type %s", typ)
		}
	})
	t.Run("fork and close", func(t *testing.T) {
		wantOK(t, invoke(t, r, nodeSpec("node-fork", "app.fork"), `{"sleep":1003}`))
		if len(processesRunning("sleep", "1003")) != 1 {
			t.Fatal("the forked child is not running")
		}
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the forked sleep is killed", func() bool { return len(processesRunning("sleep", "1003")) == 0 })
		if _, err := r.Invoke(context.Background(), nodeSpec("node-fork", "app.fork"), []byte(`{}`)); err == nil {
			t.Error("invoke after Close worked")
		}
	})
}

func TestEnvironment(t *testing.T) {
	r := newRunner(t, Options{})
	spec := pySpec("py-env", "app.env")
	spec.Env = map[string]string{"MY_SETTING": "on", "AWS_REGION": "mars-1", "PATH": "/evil"}
	spec.AccessKeyID, spec.SecretAccessKey, spec.SessionToken = "AKIDTEST", "secret", "token"
	spec.Endpoint = "http://127.0.0.1:9000"
	spec.MemoryMB = 256
	res := invoke(t, r, spec, `{}`)
	wantOK(t, res)
	var got struct {
		Env     map[string]string
		Cwd     string
		Context map[string]any
	}
	if err := json.Unmarshal(res.Payload, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"_HANDLER": "app.env", "LAMBDA_TASK_ROOT": pyCode, "AWS_LAMBDA_FUNCTION_NAME": "py-env",
		"AWS_LAMBDA_FUNCTION_VERSION": "$LATEST", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
		"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-west-1", "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11",
		"AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/py-env", "AWS_ACCESS_KEY_ID": "AKIDTEST",
		"AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "token", "AWS_ENDPOINT_URL": "http://127.0.0.1:9000",
		"TZ": ":UTC", "PATH": "/usr/local/bin:/usr/bin:/bin", "MY_SETTING": "on", "LANG": "en_US.UTF-8",
	}
	for k, v := range want {
		if got.Env[k] != v {
			t.Errorf("%s = %q, want %q", k, got.Env[k], v)
		}
	}
	for _, k := range []string{"AWS_LAMBDA_RUNTIME_API", "LAMBDA_RUNTIME_DIR", "AWS_LAMBDA_LOG_STREAM_NAME", "HOME", "TMPDIR"} {
		if got.Env[k] == "" {
			t.Errorf("%s unset", k)
		}
	}
	if got.Env["HOME"] != got.Env["TMPDIR"] || !strings.HasPrefix(got.Env["HOME"], r.opts.WorkDir) {
		t.Errorf("HOME %q, TMPDIR %q", got.Env["HOME"], got.Env["TMPDIR"])
	}
	for k := range got.Env {
		if strings.HasPrefix(k, "TARN_") || k == "GOPATH" || k == "USER" {
			t.Errorf("tarn's %s leaked into the function", k)
		}
	}
	if got.Cwd != pyCode {
		t.Errorf("cwd = %q", got.Cwd)
	}
	c := got.Context
	if c["function_name"] != "py-env" || c["aws_request_id"] != res.RequestID || c["memory_limit_in_mb"] != "256" ||
		c["invoked_function_arn"] != spec.ARN || c["remaining"].(float64) <= 0 || c["log_group_name"] != "/aws/lambda/py-env" {
		t.Errorf("context = %v", c)
	}
}

func TestConcurrencyLimit(t *testing.T) {
	r := newRunner(t, Options{MaxConcurrency: 1, QueueWait: 200 * time.Millisecond})
	spec := pySpec("py-limit", "app.hang")
	spec.Timeout = 3 * time.Second
	started := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		close(started)
		r.Invoke(context.Background(), spec, []byte(`{}`))
	}()
	<-started
	eventually(t, "the first invocation holds the process", func() bool {
		r.mu.Lock()
		defer r.mu.Unlock()
		pl := r.pools[spec.Name]
		return pl != nil && pl.count == 1
	})
	begin := time.Now()
	_, err := r.Invoke(context.Background(), spec, []byte(`{}`))
	if !errors.Is(err, ErrTooManyRequests) {
		t.Errorf("err = %v, want ErrTooManyRequests", err)
	}
	if d := time.Since(begin); d < 150*time.Millisecond || d > 2*time.Second {
		t.Errorf("waited %v for a process", d)
	}
	wg.Wait()

	_, err = r.Invoke(context.Background(), spec, make([]byte, MaxPayload+1))
	if !errors.Is(err, ErrPayloadTooLarge) {
		t.Errorf("large request: %v", err)
	}
}

func TestRunAs(t *testing.T) {
	requireLinuxRoot(t)
	r := newRunner(t, Options{RunAs: &Credential{UID: 65534, GID: 65534}})
	secret := t.TempDir() // 0700, root's
	os.Chmod(secret, 0o700)

	res := invoke(t, r, pySpec("py-whoami", "app.whoami"), `{}`)
	wantOK(t, res)
	var who struct {
		UID, GID int
		Groups   []int
		PID      int
	}
	json.Unmarshal(res.Payload, &who)
	if who.UID != 65534 || who.GID != 65534 || len(who.Groups) > 1 {
		t.Errorf("ran as %+v", who)
	}
	res = invoke(t, r, pySpec("py-read", "app.read"), `{"path":"`+secret+`"}`)
	if string(res.Payload) != `"PermissionError"` {
		t.Errorf("reading a 0700 root dir: %s", res.Payload)
	}
	for _, spec := range []Spec{goSpec("go-runas"), nodeSpec("node-runas", "app.echo")} {
		wantOK(t, invoke(t, r, spec, `{"a":1}`))
	}
	// Nothing of the runner is open to the function user but the runtime
	// loops and the scratch dirs it owns.
	st, _ := os.Stat(r.opts.LogDir)
	if st.Mode().Perm()&0o077 != 0 {
		t.Errorf("log dir mode %v", st.Mode())
	}

	t.Run("runtime api refuses other users", func(t *testing.T) {
		res := invoke(t, r, pySpec("py-env-runas", "app.env"), `{}`)
		var got struct{ Env map[string]string }
		json.Unmarshal(res.Payload, &got)
		addr := got.Env["AWS_LAMBDA_RUNTIME_API"]
		if _, err := strconv.Atoi(addr[strings.LastIndex(addr, ":")+1:]); err != nil {
			t.Fatalf("runtime api %q", addr)
		}
		resp, err := httpGet("http://" + addr + "/2018-06-01/runtime/invocation/next")
		if err == nil {
			t.Errorf("root reached the function's runtime api: %s", resp)
		}
		scratch := got.Env["HOME"]
		st, err := os.Stat(scratch)
		if err != nil || st.Mode().Perm() != 0o700 || !ownedBy(st, 65534) {
			t.Errorf("scratch dir %s: %v %v", scratch, st.Mode(), err)
		}
		if filepath.Dir(scratch) == "" {
			t.Error("no scratch dir")
		}
	})
}

func TestColdStarts(t *testing.T) {
	r := newRunner(t, Options{})
	for _, spec := range []Spec{goSpec("cold-go"), pySpec("cold-python", "app.echo"), nodeSpec("cold-node", "app.echo")} {
		var init, first, warm []time.Duration
		for i := range 3 {
			s := spec
			s.CodeHash += strconv.Itoa(i)
			begin := time.Now()
			res := invoke(t, r, s, `{}`)
			wantOK(t, res)
			first = append(first, time.Since(begin))
			init = append(init, res.InitDuration)
			begin = time.Now()
			invoke(t, r, s, `{}`)
			warm = append(warm, time.Since(begin))
			r.Evict(s.Name)
		}
		t.Logf("%-8s init %v, cold invoke %v, warm invoke %v", spec.Runtime, init, first, warm)
	}
}

func BenchmarkInvokeWarm(b *testing.B) {
	r := newRunner(b, Options{})
	spec := goSpec("bench-go")
	invoke(b, r, spec, `{}`)
	payload := []byte(`{"hello":"world"}`)
	b.ResetTimer()
	for b.Loop() {
		res, err := r.Invoke(context.Background(), spec, payload)
		if err != nil || res.FunctionError != "" || res.InitDuration != 0 {
			b.Fatalf("%v %s", err, res.Payload)
		}
	}
}

func TestIdleReap(t *testing.T) {
	r := newRunner(t, Options{IdleTimeout: time.Minute})
	spec := goSpec("go-idle")
	wantOK(t, invoke(t, r, spec, `{}`))
	p := r.pools[spec.Name].idle[0]
	r.reap(time.Now())
	if r.pools[spec.Name].count != 1 {
		t.Fatal("a fresh process was reaped")
	}
	r.reap(time.Now().Add(2 * time.Minute))
	<-p.gone
	if r.pools[spec.Name].count != 0 {
		t.Error("an idle process was kept")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := r.Run(ctx); err != nil {
		t.Errorf("Run: %v", err)
	}
}
