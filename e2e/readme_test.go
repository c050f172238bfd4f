package e2e

import (
	"bytes"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestReadmeQuickstart runs the README's quickstart as written, from a
// folder laid out as the repository (bin/tarn, examples/), against a fresh
// server on the default addresses that made its own credentials, as
// `make run` does.
func TestReadmeQuickstart(t *testing.T) {
	script := readmeBlock(t, "<!-- quickstart: run by e2e/readme_test.go -->")
	dir := readmeFolder(t, map[string]string{"aws": awsCLIPath(t), "psql": psqlPath(t)})
	bin := filepath.Join(dir, "bin")
	env := readmeEnv(dir)
	var serverLog bytes.Buffer
	srv := exec.Command(filepath.Join(bin, "tarn"), "serve", "--data", "tarn-data")
	srv.Dir, srv.Env, srv.Stdout, srv.Stderr = dir, env, &serverLog, &serverLog
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Process.Kill(); srv.Wait() })
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get("http://127.0.0.1:9801/healthz"); err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("tarn did not start:\n%s", serverLog.String())
		}
	}

	cmd := exec.Command("bash", "-euo", "pipefail", "-c", script)
	cmd.Dir, cmd.Env = dir, env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the quickstart failed: %v\n%s\nserver:\n%s", err, out, serverLog.String())
	}
	for _, want := range []string{
		"sales/day=2026-11-24/sales.csv",     // s3 ls
		"2026-11-24 | 4.3", "2026-11-25 | 5", // tarn sql: revenue per day
		" ann  |      2",                         // psql
		"DATA\tplum\nDATA\t10",                   // Athena: the best seller
		`{"user":"bob","action":"buy"}`,          // stream tail
		"events\n-",                              // tarn sql over the stream: a header…
		"3 ",                                     // …and its count
		`"hello": "tarn"`,                        // lambda invoke
		"new object: lake incoming/events.jsonl", // the function's log, from the notification
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the quickstart's output lacks %q:\n%s", want, out)
		}
	}
}

// readmeBlock is the README's sh block after marker.
func readmeBlock(t *testing.T, marker string) string {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), marker)
	if !ok {
		t.Fatalf("README.md has no %s", marker)
	}
	_, rest, ok = strings.Cut(rest, "```sh\n")
	block, _, closed := strings.Cut(rest, "\n```")
	if !ok || !closed {
		t.Fatalf("%s is not followed by a ```sh block", marker)
	}
	return block
}

// readmeFolder lays out a folder as the repository is (bin/ with tarn and
// the clients the README uses, examples/) and checks that tarn's default
// addresses are free, as the README's blocks need them.
func readmeFolder(t *testing.T, tools map[string]string) string {
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	os.Mkdir(bin, 0o755)
	tools["tarn"] = tarnBin
	for name, target := range tools {
		if err := os.Symlink(target, filepath.Join(bin, name)); err != nil {
			t.Fatal(err)
		}
	}
	examples, _ := filepath.Abs("../examples")
	if err := os.Symlink(examples, filepath.Join(dir, "examples")); err != nil {
		t.Fatal(err)
	}
	for _, addr := range defaultAddrs {
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			c.Close()
			t.Fatalf("%s is in use: the README's commands need tarn's default addresses", addr)
		}
	}
	return dir
}

var defaultAddrs = []string{"127.0.0.1:9800", "127.0.0.1:9801", "127.0.0.1:9802", "127.0.0.1:9822"}

// readmeEnv is the environment of a README block run in dir: none of the
// caller's credentials, dir as HOME, bin first on PATH.
func readmeEnv(dir string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TARN_") && !strings.HasPrefix(kv, "AWS_") && !strings.HasPrefix(kv, "PG") &&
			!strings.HasPrefix(kv, "HOME=") && !strings.HasPrefix(kv, "PATH=") {
			env = append(env, kv)
		}
	}
	return append(env, "HOME="+dir, "PATH="+filepath.Join(dir, "bin")+":"+os.Getenv("PATH"))
}
