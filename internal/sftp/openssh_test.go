package sftp

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

const (
	sftpPath      = "/usr/bin/sftp"
	sshKeygenPath = "/usr/bin/ssh-keygen"
)

// needOpenSSH skips the test where OpenSSH's client is not installed,
// except in CI, which must have it.
func needOpenSSH(t *testing.T) {
	t.Helper()
	for _, p := range []string{sftpPath, sshKeygenPath} {
		if _, err := os.Stat(p); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("OpenSSH's client is required in CI (apt-get install openssh-client): %v", err)
			}
			t.Skipf("%s not installed; skipping the OpenSSH client test", p)
		}
	}
}

// TestOpenSSH drives the server with OpenSSH's sftp in batch mode,
// logging in with a key pair made by ssh-keygen.
func TestOpenSSH(t *testing.T) {
	needOpenSSH(t)
	fx := start(t)
	work := t.TempDir()
	id := filepath.Join(work, "id_ed25519")
	if out, err := exec.Command(sshKeygenPath, "-q", "-t", "ed25519", "-N", "", "-C", "tarn-test", "-f", id).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
	pub, err := os.ReadFile(id + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	w := writerKey
	w.SSHKeys = []string{string(pub)}
	if err := writeKeys(fx, w); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the keyring to load the new SSH key", func() bool {
		k, _ := fx.srv.opts.Keys.Lookup(w.ID)
		return slices.Equal(k.SSHKeys, w.SSHKeys)
	})

	big := randomBytes(5<<20 + 4321)
	if err := os.WriteFile(filepath.Join(work, "big.bin"), big, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(work, "small.csv"), []byte("id,name\n1,a\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	out := runSFTP(t, fx, work, id, "writer", `
put big.bin /landing/in/big.bin
ls -l /landing/in
get /landing/in/big.bin got.bin
rename /landing/in/big.bin /landing/in/moved.bin
ls /landing/in
rm /landing/in/moved.bin
cd /landing
mkdir sub
cd sub
put -p small.csv
ls
`)
	if got, err := os.ReadFile(filepath.Join(work, "got.bin")); err != nil || !bytes.Equal(got, big) {
		t.Fatalf("get returned %d bytes (%v), want %d", len(got), err, len(big))
	}
	for _, want := range []string{"big.bin", "moved.bin", "small.csv"} {
		if !strings.Contains(out, want) {
			t.Errorf("the listings do not show %s:\n%s", want, out)
		}
	}
	for _, k := range []string{"in/big.bin", "in/moved.bin"} {
		if _, ok := fx.object(t, "landing", k); ok {
			t.Errorf("%s is still there", k)
		}
	}
	if got, ok := fx.object(t, "landing", "sub/small.csv"); !ok || string(got) != "id,name\n1,a\n" {
		t.Errorf("sub/small.csv: %q %v", got, ok)
	}
	for key, want := range map[string][]string{
		"in/big.bin":    {"ObjectCreated:Put", "ObjectRemoved:Delete"},
		"in/moved.bin":  {"ObjectCreated:Copy", "ObjectRemoved:Delete"},
		"sub/small.csv": {"ObjectCreated:Put"},
	} {
		if got := fx.events.named("landing", key); !slices.Equal(got, want) {
			t.Errorf("events for %s: %v, want %v", key, got, want)
		}
	}
}

// runSFTP runs a batch file with OpenSSH's sftp in dir and returns its
// output; the batch must succeed.
func runSFTP(t *testing.T, fx *fixture, dir, id, user, batch string) string {
	t.Helper()
	file := filepath.Join(dir, "batch")
	if err := os.WriteFile(file, []byte(strings.TrimSpace(batch)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(fx.addr)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, sftpPath, "-b", file, "-i", id, "-P", port, "-F", "/dev/null",
		"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes",
		"-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none", "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=10",
		user+"@127.0.0.1")
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("sftp: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	return stdout.String()
}
