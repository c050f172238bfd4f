package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/tarnlake/tarn/internal/access"
)

// The root key lives in <data>/credentials in the aws CLI's own format, so
// AWS_SHARED_CREDENTIALS_FILE=<data>/credentials makes any client use it.
const credentialsFile = "credentials"

// rootKey returns the root key from the environment, else from the data
// folder, else a new one saved there (mode 0600) and printed once to out.
func rootKey(data string, out io.Writer) (access.Key, error) {
	id, secret := os.Getenv("TARN_ACCESS_KEY_ID"), os.Getenv("TARN_SECRET_ACCESS_KEY")
	if id != "" || secret != "" {
		if id == "" || secret == "" {
			return access.Key{}, errors.New("set both TARN_ACCESS_KEY_ID and TARN_SECRET_ACCESS_KEY, or neither")
		}
		return access.Key{ID: id, Secret: secret, Name: "root", Root: true}, nil
	}
	file := filepath.Join(data, credentialsFile)
	b, err := os.ReadFile(file)
	if err == nil {
		k, err := parseCredentials(b)
		if err != nil {
			return k, fmt.Errorf("%s: %w", file, err)
		}
		return k, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return access.Key{}, err
	}
	k := access.NewKey("root")
	k.Root = true
	text := fmt.Sprintf("[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n", k.ID, k.Secret)
	if err := access.WriteSecret(file, []byte(text)); err != nil {
		return access.Key{}, fmt.Errorf("save root credentials: %w", err)
	}
	fmt.Fprintf(out, "tarn: generated root credentials (saved in %s, shown only now):\n  AWS_ACCESS_KEY_ID=%s\n  AWS_SECRET_ACCESS_KEY=%s\n", file, k.ID, k.Secret)
	return k, nil
}

func parseCredentials(b []byte) (access.Key, error) {
	k := access.Key{Name: "root", Root: true}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), "=")
		if !ok {
			continue
		}
		switch strings.TrimSpace(name) {
		case "aws_access_key_id":
			k.ID = strings.TrimSpace(value)
		case "aws_secret_access_key":
			k.Secret = strings.TrimSpace(value)
		}
	}
	if k.ID == "" || k.Secret == "" {
		return k, errors.New("no aws_access_key_id and aws_secret_access_key found")
	}
	return k, nil
}
