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

// quickstart is the README's quickstart block: what follows the marker,
// inside the next sh fence.
func quickstart(t *testing.T) string {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "<!-- quickstart: run by e2e/readme_test.go -->")
	if !ok {
		t.Fatal("README.md has no quickstart marker")
	}
	_, rest, ok = strings.Cut(rest, "```sh\n")
	block, _, closed := strings.Cut(rest, "\n```")
	if !ok || !closed {
		t.Fatal("the quickstart marker is not followed by a ```sh block")
	}
	return block
}

// TestReadmeQuickstart runs the README's quickstart as written, from a
// folder laid out as the repository (bin/tarn, examples/), against a fresh
// server on the default addresses that made its own credentials, as
// `make run` does.
func TestReadmeQuickstart(t *testing.T) {
	script := quickstart(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	os.Mkdir(bin, 0o755)
	for name, target := range map[string]string{"tarn": tarnBin, "aws": awsCLIPath(t), "psql": psqlPath(t)} {
		if err := os.Symlink(target, filepath.Join(bin, name)); err != nil {
			t.Fatal(err)
		}
	}
	examples, _ := filepath.Abs("../examples")
	if err := os.Symlink(examples, filepath.Join(dir, "examples")); err != nil {
		t.Fatal(err)
	}
	for _, addr := range []string{"127.0.0.1:9800", "127.0.0.1:9801", "127.0.0.1:9802", "127.0.0.1:9822"} {
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			c.Close()
			t.Fatalf("%s is in use: the quickstart needs tarn's default addresses", addr)
		}
	}
	var env []string // no credentials from the caller: the server makes its own
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TARN_") && !strings.HasPrefix(kv, "AWS_") && !strings.HasPrefix(kv, "PG") {
			env = append(env, kv)
		}
	}
	env = append(env, "HOME="+dir)
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
	cmd.Dir, cmd.Env = dir, append(env, "PATH="+bin+":"+os.Getenv("PATH"))
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
