package pgwire

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

const psqlPath = "/usr/bin/psql"

// psql runs the real psql against addr and returns stdout, stderr and
// whether it exited 0.
func psql(t *testing.T, addr string, args ...string) (string, string, bool) {
	t.Helper()
	if _, err := os.Stat(psqlPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("psql is required in CI: %v", err)
		}
		t.Skipf("psql not installed at %s; skipping psql tests", psqlPath)
	}
	host, port, _ := net.SplitHostPort(addr)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, psqlPath, append([]string{"-X", "-h", host, "-p", port, "-U", testKey, "-d", "tarn"}, args...)...)
	cmd.Env = append(os.Environ(), "PGPASSWORD="+testSecret, "PGCONNECT_TIMEOUT=5", "PGAPPNAME=psqltest")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("psql %v timed out; stderr: %s", args, stderr.String())
	}
	return stdout.String(), stderr.String(), err == nil
}

func TestPsql(t *testing.T) {
	for _, auth := range []string{"scram-sha-256", "password"} {
		t.Run(auth, func(t *testing.T) {
			_, _, addr := startServer(t, Options{Auth: auth})
			out, errOut, ok := psql(t, addr, "-At", "-c", "select n from series")
			if !ok || out != "1\n2\n3\n4\n5\n" {
				t.Fatalf("psql select: ok=%v out=%q err=%q", ok, out, errOut)
			}
		})
	}
	_, _, addr := startServer(t, Options{})
	for _, c := range []struct{ args []string }{
		{[]string{"-c", "select 1"}},
		{[]string{"-A", "-F", "|", "-c", "select * from types"}},
		{[]string{"-c", `\copy (select * from t) to stdout with csv header`}},
		{[]string{"-c", "COPY t TO STDOUT"}},
		{[]string{"-c", "begin", "-c", "insert into t values (1)", "-c", "commit"}},
	} {
		out, errOut, ok := psql(t, addr, c.args...)
		if !ok {
			t.Fatalf("psql %v: %s", c.args, errOut)
		}
		switch c.args[len(c.args)-1] {
		case "select 1":
			if !strings.Contains(out, "?column?") || !strings.Contains(out, "(1 row)") {
				t.Errorf("select 1: %q", out)
			}
		case "select * from types":
			lines := strings.Split(out, "\n")
			if len(lines) < 3 || lines[1] != strings.Join(typeText, "|") {
				t.Errorf("types through psql:\n%s\nwant\n%s", out, strings.Join(typeText, "|"))
			}
		case `\copy (select * from t) to stdout with csv header`:
			if out != tCSV {
				t.Errorf("\\copy: %q", out)
			}
		case "COPY t TO STDOUT":
			if !strings.HasPrefix(out, "1\tx,y\n") {
				t.Errorf("COPY: %q", out)
			}
		case "commit":
			if out != "BEGIN\nINSERT 0 1\nCOMMIT\n" {
				t.Errorf("transaction: %q", out)
			}
		}
	}
	_, errOut, ok := psql(t, addr, "-c", "selec 1")
	if ok || !strings.Contains(errOut, `ERROR:  syntax error at or near "selec"`) || !strings.Contains(errOut, "LINE 1: selec 1") {
		t.Errorf("psql error output: %q", errOut)
	}
	_, errOut, ok = psql(t, addr, "-c", "select 1", "-d", "other")
	if ok || !strings.Contains(errOut, `database "other" does not exist`) {
		t.Errorf("unknown database: %q", errOut)
	}
}
