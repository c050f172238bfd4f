package function

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzUnzip: any upload is unpacked or refused with an error; nothing is
// ever written outside the function's folder.
func FuzzUnzip(f *testing.F) {
	for _, entries := range [][]string{{"app.py"}, {"../evil"}, {"a/b/c.js", "a/"}, {"/abs"}, {`..\x`}} {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for _, e := range entries {
			w, _ := zw.Create(e)
			w.Write([]byte("x"))
		}
		zw.Close()
		f.Add(buf.Bytes())
	}
	f.Add([]byte("PK\x03\x04 not a zip"))
	f.Fuzz(func(t *testing.T, data []byte) {
		root := t.TempDir()
		dir := filepath.Join(root, "code")
		os.Mkdir(dir, 0o755)
		if err := unzip(data, dir, "provided.al2023"); err != nil && err.Error() == "" {
			t.Fatal("an error without a message")
		}
		filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err == nil && p != root && !strings.HasPrefix(p, dir) {
				t.Fatalf("unzip wrote %s, outside the function's folder", p)
			}
			return nil
		})
	})
}
