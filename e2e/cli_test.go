package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// tarnCLI runs the tarn binary with stdin and an environment of its own
// (none of the caller's TARN_ variables), and returns its output and exit
// error.
func tarnCLI(t *testing.T, stdin string, env []string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx(t), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(c, tarnBin, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TARN_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	return out.String(), errOut.String(), err
}

// A second tarn serve on the ports of a running one stops at once, naming
// every busy address, before it generates credentials.
func TestServeBusyPorts(t *testing.T) {
	srv := startServer(t)
	data := filepath.Join(t.TempDir(), "second")
	_, stderr, err := tarnCLI(t, "", nil, "serve", "--data", data,
		"--aws-addr", srv.AWSAddr, "--http-addr", srv.HTTPAddr, "--pg-addr", srv.PGAddr, "--sftp-addr", srv.SFTPAddr)
	if err == nil {
		t.Fatal("a second tarn serve on the same ports started")
	}
	want := "tarn: --aws-addr " + srv.AWSAddr + " is in use, --http-addr " + srv.HTTPAddr + " is in use, --pg-addr " +
		srv.PGAddr + " is in use, --sftp-addr " + srv.SFTPAddr + " is in use: stop the other tarn or choose other addresses\n"
	if stderr != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", stderr, want)
	}
	if _, err := os.Stat(data); !os.IsNotExist(err) {
		t.Errorf("the second tarn made its data folder (credentials?): %v", err)
	}
}

// tarn sql reading a pipe: no prompt, every statement's result (several on
// a line too), errors on stderr and a failing exit status.
func TestTarnSQLPiped(t *testing.T) {
	srv := startServer(t)
	env := []string{"TARN_ACCESS_KEY_ID=" + rootID, "TARN_SECRET_ACCESS_KEY=" + rootSecret, "HOME=" + t.TempDir()}
	stdin := "SELECT 1 AS one; SELECT 'two' AS two;\nSELEC 3;\nSELECT 4\n  AS four;\nSELECT 5 AS five"
	stdout, stderr, err := tarnCLI(t, stdin, env, "sql", "--http", "http://"+srv.HTTPAddr)
	if err == nil || !strings.Contains(stderr, "tarn: 1 of 5 statements failed") {
		t.Errorf("exit %v, stderr %q", err, stderr)
	}
	if !strings.Contains(stderr, `ERROR: syntax error at or near "SELEC"`) || !strings.Contains(stderr, "SQLSTATE 42601") {
		t.Errorf("the error is not on stderr: %q", stderr)
	}
	for _, col := range []string{"one", "two", "four", "five"} {
		if !strings.Contains(stdout, col+"\n") {
			t.Errorf("no result with column %s:\n%s", col, stdout)
		}
	}
	if strings.Count(stdout, "(1 row,") != 4 || strings.Contains(stdout, "tarn>") {
		t.Errorf("want four results and no prompt:\n%s", stdout)
	}

	// -c with two statements prints both.
	stdout, stderr, err = tarnCLI(t, "", env, "sql", "--http", "http://"+srv.HTTPAddr, "--format", "csv", "-c", "SELECT 1 AS a; SELECT 2 AS b")
	if err != nil || stdout != "a\n1\nb\n2\n" {
		t.Errorf("-c with two statements: %v %q %q", err, stdout, stderr)
	}

	// A crawl of a bucket that is not there says so, with the fix.
	_, stderr, err = tarnCLI(t, "", env, "crawl", "s3://nope/", "--endpoint", srv.URL())
	if err == nil || !strings.Contains(stderr, "bucket nope does not exist at "+srv.URL()+": create it with `aws s3 mb s3://nope") {
		t.Errorf("crawl of a missing bucket: %v %q", err, stderr)
	}
}
