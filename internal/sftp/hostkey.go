package sftp

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"golang.org/x/crypto/ssh"
)

// loadHostKey reads the host key in file, or generates an ed25519 key into
// it when the file does not exist yet: clients pin the host key, so it must
// outlive restarts.
func loadHostKey(file string, log *slog.Logger) (ssh.Signer, error) {
	if file == "" {
		return nil, errors.New("sftp: no host key file given")
	}
	b, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) {
		if b, err = generateHostKey(file); err == nil {
			log.Info("sftp: generated a host key", "file", file)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("sftp host key %s: %w", file, err)
	}
	if fi, err := os.Stat(file); err == nil && fi.Mode().Perm()&0o077 != 0 {
		log.Warn("sftp: host key file is readable by others; chmod 600 it", "file", file, "mode", fi.Mode().Perm())
	}
	signer, err := ssh.ParsePrivateKey(b)
	if err != nil {
		return nil, fmt.Errorf("sftp host key %s: %w", file, err)
	}
	return signer, nil
}

// generateHostKey writes a new key to file through a synced temporary file
// and returns the file's contents. It links rather than renames the
// temporary file into place, so that of two processes starting at once
// neither replaces the key the other may already serve: the loser reads
// the winner's key.
func generateHostKey(file string) ([]byte, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	block, err := ssh.MarshalPrivateKey(priv, "tarn sftp host key")
	if err != nil {
		return nil, err
	}
	b := pem.EncodeToMemory(block)
	dir := filepath.Dir(file)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(dir, ".hostkey-*") // mode 0600
	if err != nil {
		return nil, err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	if err := os.Link(tmp, file); errors.Is(err, os.ErrExist) {
		return os.ReadFile(file)
	} else if err != nil {
		return nil, err
	}
	return b, syncDir(dir)
}

// syncDir makes a new name in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
