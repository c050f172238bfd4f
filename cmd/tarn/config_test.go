package main

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func parse(t *testing.T, args ...string) (Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return loadConfig(fs, args)
}

func TestConfigPrecedence(t *testing.T) {
	file := filepath.Join(t.TempDir(), "tarn.yaml")
	os.WriteFile(file, []byte("data: /from/file\naws_addr: 127.0.0.1:1111\nhttp_addr: 127.0.0.1:2222\n"), 0o644)
	t.Setenv("TARN_AWS_ADDR", "127.0.0.1:3333")
	t.Setenv("TARN_DATA", "")
	cfg, err := parse(t, "--config", file, "--http-addr", "127.0.0.1:4444")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Data != "/from/file" || cfg.AWSAddr != "127.0.0.1:3333" || cfg.HTTPAddr != "127.0.0.1:4444" || cfg.PGAddr != "127.0.0.1:9802" {
		t.Fatalf("file < env < flag, defaults kept: %+v", cfg)
	}
}

func TestConfigErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("data: /x\nlake:\n  bakend: s3\n"), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--config", bad}, "line 3: field bakend not found"},
		{[]string{"--aws-addr", "nope"}, "aws_addr"},
		{[]string{"--tls-cert", "c.pem"}, "set both cert and key"},
		{[]string{"extra"}, "unexpected arguments"},
		{[]string{"--config", filepath.Join(dir, "missing.yaml")}, "no such file"},
	} {
		_, err := parse(t, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want it to mention %q", c.args, err, c.want)
		}
	}
}

func TestEmptyConfigFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "empty.yaml")
	os.WriteFile(file, nil, 0o644)
	if _, err := parse(t, "--config", file); err != nil {
		t.Fatalf("an empty config file is fine: %v", err)
	}
}

func TestRootKeyGeneratedOnce(t *testing.T) {
	t.Setenv("TARN_ACCESS_KEY_ID", "")
	t.Setenv("TARN_SECRET_ACCESS_KEY", "")
	dir := t.TempDir()
	var out strings.Builder
	k1, err := rootKey(dir, &out)
	if err != nil || !strings.Contains(out.String(), k1.Secret) {
		t.Fatalf("first start prints the new secret: %v %q", err, out.String())
	}
	fi, _ := os.Stat(filepath.Join(dir, credentialsFile))
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("credentials mode %v", fi.Mode().Perm())
	}
	out.Reset()
	k2, err := rootKey(dir, &out)
	if err != nil || k2.ID != k1.ID || k2.Secret != k1.Secret || out.Len() != 0 {
		t.Fatalf("second start reuses the key silently: %+v %v %q", k2, err, out.String())
	}
}
