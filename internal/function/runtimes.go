package function

import (
	"bytes"
	"embed"
	"os"
	"path/filepath"
)

// The runtime loops of the python and nodejs runtimes: small programs
// that speak the Runtime API and call the user's handler, run by the
// machine's python3 and node with their standard libraries only.
//
//go:embed bootstrap/runtime.py bootstrap/runtime.js
var runtimeFiles embed.FS

// writeRuntimes puts the runtime loops in dir, readable by the function
// user; a file already there with the same content is left alone.
func writeRuntimes(dir string) error {
	for _, name := range []string{"runtime.py", "runtime.js"} {
		b, err := runtimeFiles.ReadFile("bootstrap/" + name)
		if err != nil {
			return err
		}
		path := filepath.Join(dir, name)
		if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, b) {
			if err := os.Chmod(path, 0o755); err != nil {
				return err
			}
			continue
		}
		// Write aside and rename, so a process starting now never reads
		// half a file.
		tmp, err := os.CreateTemp(dir, "."+name+"-*")
		if err != nil {
			return err
		}
		_, werr := tmp.Write(b)
		cerr := tmp.Close()
		if err := firstErr(werr, cerr, os.Chmod(tmp.Name(), 0o755)); err != nil {
			os.Remove(tmp.Name())
			return err
		}
		if err := os.Rename(tmp.Name(), path); err != nil {
			os.Remove(tmp.Name())
			return err
		}
	}
	return nil
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
