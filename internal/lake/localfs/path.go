package localfs

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/tarnlake/tarn/internal/lake"
)

// Keys map to paths as lake.KeyPath says; decodeName reverses it.
const contMark = lake.KeyPathContinuation

// keyToPath returns the relative, slash-separated path that holds key.
func keyToPath(key string) (string, error) { return lake.KeyPath(key) }

// maxName is the longest file name KeyPath makes.
const maxName = lake.MaxPathName

// decodeName turns one file or folder name back into key bytes. cont reports
// a continuation folder: its decoded text joins its children without a "/".
func decodeName(name string) (seg string, cont bool, err error) {
	if name == "%" {
		return "", false, nil
	}
	if strings.HasSuffix(name, contMark) {
		name, cont = strings.TrimSuffix(name, contMark), true
	}
	if !strings.Contains(name, "%") {
		return name, cont, nil
	}
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		if name[i] != '%' {
			b.WriteByte(name[i])
			continue
		}
		if i+2 >= len(name) {
			return "", false, fmt.Errorf("bad escape in stored name %q", name)
		}
		switch name[i+1 : i+3] {
		case "25":
			b.WriteByte('%')
		case "00":
			b.WriteByte(0)
		case "2E":
			b.WriteByte('.')
		default:
			return "", false, fmt.Errorf("bad escape in stored name %q", name)
		}
		i += 2
	}
	return b.String(), cont, nil
}

// within reports whether path p (absolute, cleaned) lies inside dir.
func within(dir, p string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../") && !filepath.IsAbs(rel)
}
