package function

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// The functions of the tests live under base (searchable by anyone, so
// that the RunAs tests' user reaches them): the Go function built once
// from internal/echofn, and copies of testdata/python and testdata/node.
var base, goCode, pyCode, nodeCode string

func TestMain(m *testing.M) {
	// Invocations must not see tarn's environment.
	os.Setenv("TARN_SECRET_ACCESS_KEY", "do-not-leak")
	code := 1
	if err := setupFunctions(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	} else {
		code = m.Run()
	}
	os.RemoveAll(base)
	os.Exit(code)
}

func setupFunctions() error {
	var err error
	if base, err = os.MkdirTemp("", "tarn-function-test-"); err != nil {
		return err
	}
	if err := os.Chmod(base, 0o755); err != nil {
		return err
	}
	goCode = filepath.Join(base, "go")
	pyCode = filepath.Join(base, "python")
	nodeCode = filepath.Join(base, "node")
	build := exec.Command("go", "build", "-o", filepath.Join(goCode, "bootstrap"), "./internal/echofn")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("build echofn: %v\n%s", err, out)
	}
	for _, d := range []struct{ from, to string }{{"testdata/python", pyCode}, {"testdata/node", nodeCode}} {
		if err := os.CopyFS(d.to, os.DirFS(d.from)); err != nil {
			return err
		}
	}
	// CopyFS makes what the umask allows; the function user needs to read.
	return filepath.WalkDir(base, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return os.Chmod(path, 0o755)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		return os.Chmod(path, info.Mode().Perm()|0o444)
	})
}

// newRunner returns a Runner working in a fresh dir, closed with the test.
func newRunner(t testing.TB, opts Options) *Runner {
	t.Helper()
	dir, err := os.MkdirTemp(base, "work-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	opts.WorkDir = filepath.Join(dir, "work")
	if opts.Registerer == nil {
		opts.Registerer = prometheus.NewRegistry()
	}
	r := New(opts)
	t.Cleanup(func() {
		if err := r.Close(); err != nil {
			t.Error(err)
		}
		os.RemoveAll(dir)
	})
	return r
}

func goSpec(name string) Spec {
	return Spec{Name: name, ARN: "arn:aws:lambda:eu-west-1:000000000000:function:" + name, Runtime: "provided.al2023",
		Handler: "bootstrap", CodeDir: goCode, CodeHash: "go", Timeout: 10 * time.Second, MemoryMB: 128, Region: "eu-west-1"}
}

func pySpec(name, handler string) Spec {
	s := goSpec(name)
	s.Runtime, s.Handler, s.CodeDir, s.CodeHash = "python3.11", handler, pyCode, "py"
	return s
}

func nodeSpec(name, handler string) Spec {
	s := goSpec(name)
	s.Runtime, s.Handler, s.CodeDir, s.CodeHash = "nodejs20.x", handler, nodeCode, "node"
	return s
}

func invoke(t testing.TB, r *Runner, spec Spec, payload string) Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := r.Invoke(ctx, spec, []byte(payload))
	if err != nil {
		t.Fatalf("invoke %s: %v", spec.Handler, err)
	}
	return res
}

// errorOf decodes a function error document.
func errorOf(t testing.TB, res Result) (typ, msg string) {
	t.Helper()
	if res.FunctionError != "Unhandled" {
		t.Fatalf("FunctionError = %q, want Unhandled; payload %s\nlogs:\n%s", res.FunctionError, res.Payload, res.LogTail)
	}
	var doc struct {
		Type    string `json:"errorType"`
		Message string `json:"errorMessage"`
	}
	if err := json.Unmarshal(res.Payload, &doc); err != nil {
		t.Fatalf("error document %q: %v", res.Payload, err)
	}
	return doc.Type, doc.Message
}

func wantOK(t testing.TB, res Result) {
	t.Helper()
	if res.FunctionError != "" {
		t.Fatalf("function failed: %s\nlogs:\n%s", res.Payload, res.LogTail)
	}
}

// processesRunning lists the pids whose command line is exactly argv.
func processesRunning(argv ...string) []string {
	want := []byte(strings.Join(argv, "\x00") + "\x00")
	var pids []string
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join("/proc", d.Name(), "cmdline"))
		if err == nil && bytes.Equal(b, want) {
			pids = append(pids, d.Name())
		}
	}
	return pids
}

// eventually polls cond for a few seconds: a killed process takes a
// moment to disappear from /proc.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("%s: not after 5s", what)
}

func requireLinuxRoot(t *testing.T) {
	if runtime.GOOS != "linux" || os.Getuid() != 0 {
		t.Skip("needs root on Linux")
	}
}
