package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// sftpClient is OpenSSH's sftp logging in to a tarn with a key pair that
// ssh-keygen made.
type sftpClient struct {
	srv  *server
	user string
	id   string // private key file
}

// newSFTPKey makes a key pair and returns its private key file; the
// public one is beside it (.pub).
func newSFTPKey(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/sftp", "/usr/bin/ssh-keygen"} {
		if _, err := os.Stat(p); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("OpenSSH's client is required in CI (apt-get install openssh-client): %v", err)
			}
			t.Skipf("%s not installed (apt-get install openssh-client)", p)
		}
	}
	id := filepath.Join(t.TempDir(), "id_ed25519")
	if out, err := exec.Command("/usr/bin/ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", id).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
	return id
}

// run runs a batch of sftp commands; an error is sftp's exit status with
// what it printed.
func (c sftpClient) run(t *testing.T, batch string) (string, error) {
	t.Helper()
	host, port, _ := strings.Cut(c.srv.SFTPAddr, ":")
	f := filepath.Join(t.TempDir(), "batch")
	if err := os.WriteFile(f, []byte(batch), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("/usr/bin/sftp", "-b", f, "-i", c.id, "-P", port,
		"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "IdentitiesOnly=yes",
		"-o", "PasswordAuthentication=no", "-o", "BatchMode=yes", "-o", "LogLevel=ERROR", c.user+"@"+host)
	cmd.Dir = t.TempDir()
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestSFTPFlatFileToWarehouse is flow 1 through SFTP: a partner's key,
// allowed to write the landing bucket and nothing else, logs in with its
// SSH key and uploads a CSV into landing/sales/; the rule loads it into
// public.sales once and moves it to loaded/. A file re-sent with the same
// bytes loads nothing.
func TestSFTPFlatFileToWarehouse(t *testing.T) {
	idFile := newSFTPKey(t)
	conf := filepath.Join(t.TempDir(), "tarn.yaml")
	if err := os.WriteFile(conf, []byte(loadConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, "--config", conf)
	cli := newAWSCLI(t, awsCLIPath(t), srv)
	cli.must(t, "s3", "mb", "s3://landing")
	psql := psqlRoot(t, srv)
	psql("-c", `CREATE TABLE sales (id bigint, region varchar(16), amount numeric(10,2), sold date)`)
	addKey(t, srv, "partner", "--write", "s3:landing", "--ssh-key", idFile+".pub")
	partner := sftpClient{srv: srv, user: "partner", id: idFile}

	dir := t.TempDir()
	csv := filepath.Join(dir, "2026-12-07.csv")
	os.WriteFile(csv, []byte("id,region,amount,sold\n1,north,10.50,2026-12-07\n2,south,3.25,2026-12-07\n"), 0o644)
	if out, err := partner.run(t, "cd /landing\nput "+csv+" sales/2026-12-07.csv\n"); err != nil {
		t.Fatalf("sftp put: %v\n%s", err, out)
	}
	count := func() string { return psql("-A", "-t", "-c", `SELECT count(*) || '|' || sum(amount) FROM sales`) }
	waitFor(t, srv, "the uploaded file loaded and moved", func() bool {
		return count() == "2|13.75\n" && len(listKeys(t, srv, "landing", "sales/")) == 0 &&
			strings.Join(listKeys(t, srv, "landing", "loaded/"), ",") == "loaded/2026-12-07.csv"
	})
	// The partner sees its upload moved, over SFTP too.
	if out, err := partner.run(t, "ls /landing/loaded\n"); err != nil || !strings.Contains(out, "2026-12-07.csv") {
		t.Fatalf("sftp ls: %v\n%s", err, out)
	}
	// The same bytes sent again: moved, not loaded again.
	if out, err := partner.run(t, "put "+csv+" /landing/sales/2026-12-07.csv\n"); err != nil {
		t.Fatalf("sftp put again: %v\n%s", err, out)
	}
	waitFor(t, srv, "the re-sent file moved", func() bool { return len(listKeys(t, srv, "landing", "sales/")) == 0 })
	if got := count(); got != "2|13.75\n" {
		t.Fatalf("the same file loaded twice: %q", got)
	}
}

// TestSFTPAttacks: a key that may only write (and read) bucket landing tries, over
// SFTP, to read, list and change what it may not, to log in with a key
// it does not hold, and to climb out of its buckets by path. Each is
// refused, nothing changes, and the server serves on.
func TestSFTPAttacks(t *testing.T) {
	idFile, strangerFile := newSFTPKey(t), newSFTPKey(t)
	srv := startServer(t)
	cli := newAWSCLI(t, awsCLIPath(t), srv)
	cli.must(t, "s3", "mb", "s3://landing")
	cli.must(t, "s3", "mb", "s3://lake")
	secret := filepath.Join(t.TempDir(), "secret.txt")
	os.WriteFile(secret, []byte("salaries\n"), 0o644)
	cli.must(t, "s3", "cp", secret, "s3://lake/hr/secret.txt")
	addKey(t, srv, "partner", "--write", "s3:landing", "--ssh-key", idFile+".pub")
	partner := sftpClient{srv: srv, user: "partner", id: idFile}
	local := filepath.Join(t.TempDir(), "x.txt")
	os.WriteFile(local, []byte("x\n"), 0o644)

	for _, a := range []struct{ name, batch string }{
		{"list another bucket", "ls /lake\n"},
		{"list another bucket's folder", "ls /lake/hr\n"},
		{"read another bucket's object", "get /lake/hr/secret.txt\n"},
		{"write another bucket", "put " + local + " /lake/hr/x.txt\n"},
		{"climb out of its bucket", "put " + local + " /landing/../lake/hr/x.txt\n"},
		{"overwrite by rename", "put " + local + " /landing/x.txt\nrename /landing/x.txt /lake/hr/secret.txt\n"},
		{"delete another bucket's object", "rm /lake/hr/secret.txt\n"},
		{"read the server's files", "get /etc/passwd\n"},
		{"read the server's data folder", "get " + filepath.Join(srv.Data, "keys.json") + "\n"},
	} {
		if out, err := partner.run(t, a.batch); err == nil {
			t.Errorf("%s: sftp succeeded:\n%s", a.name, out)
		}
	}
	// A key pair tarn does not know, under the partner's name and root's.
	for _, user := range []string{"partner", "root", rootID} {
		if out, err := (sftpClient{srv: srv, user: user, id: strangerFile}).run(t, "ls /\n"); err == nil {
			t.Errorf("a stranger's SSH key logged in as %s:\n%s", user, out)
		}
	}
	// The root of the partner's view holds only what it may see.
	out, err := partner.run(t, "ls -1 /\n")
	if err != nil || strings.Contains(out, "lake") || !strings.Contains(out, "landing") {
		t.Errorf("ls / as partner: %v\n%s", err, out)
	}
	// Nothing changed in lake, and the server serves every key.
	if got := listKeys(t, srv, "lake", ""); strings.Join(got, ",") != "hr/secret.txt" {
		t.Errorf("lake holds %v", got)
	}
	got := cli.must(t, "s3", "cp", "s3://lake/hr/secret.txt", "-")
	if got != "salaries\n" {
		t.Errorf("lake/hr/secret.txt is %q", got)
	}
}
