package function

import (
	"archive/zip"
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Lambda's limits on unzipped code.
const (
	maxUnzipped = 250 << 20
	maxFiles    = 20000
)

var randRead = rand.Read

// unzip writes the zip's files under dir. It refuses names that leave dir
// (../, absolute paths) and symbolic links that point out of it, and
// bounds the unzipped size. The bootstrap of a provided runtime is made
// executable, as zips made on Windows lose the bit.
func unzip(data []byte, dir, runtime string) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return fmt.Errorf("could not unzip the uploaded file (%v): check the file, then upload it again", err)
	}
	if len(zr.File) > maxFiles {
		return fmt.Errorf("the zip holds %d files, more than %d", len(zr.File), maxFiles)
	}
	var total int64
	for _, f := range zr.File {
		name := path.Clean(strings.ReplaceAll(f.Name, `\`, "/"))
		if strings.HasPrefix(f.Name, "/") || name == ".." || strings.HasPrefix(name, "../") {
			return fmt.Errorf("zip entry %q lies outside the function's folder", f.Name)
		}
		target := filepath.Join(dir, filepath.FromSlash(name))
		mode := f.Mode()
		switch {
		case mode.IsDir() || strings.HasSuffix(f.Name, "/"):
			if err := os.MkdirAll(target, 0o755); err != nil {
				return err
			}
			continue
		case mode&os.ModeSymlink != 0:
			link, err := readAll(f, 4096)
			if err != nil {
				return err
			}
			dest := path.Clean(path.Join(path.Dir(name), string(link)))
			if path.IsAbs(string(link)) || dest == ".." || strings.HasPrefix(dest, "../") {
				return fmt.Errorf("zip entry %q is a link to %q, outside the function's folder", f.Name, link)
			}
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return err
			}
			if err := os.Symlink(string(link), target); err != nil {
				return err
			}
			continue
		case !mode.IsRegular() && mode != 0:
			return fmt.Errorf("zip entry %q is not a file, folder or link", f.Name)
		}
		total += int64(f.UncompressedSize64)
		if total > maxUnzipped || f.UncompressedSize64 > maxUnzipped {
			return fmt.Errorf("unzipped size must be smaller than %d bytes", maxUnzipped)
		}
		perm := os.FileMode(0o644)
		if mode&0o111 != 0 || name == "bootstrap" && strings.HasPrefix(runtime, "provided") {
			perm = 0o755
		}
		if err := writeEntry(f, target, perm); err != nil {
			return err
		}
	}
	return nil
}

func writeEntry(f *zip.File, target string, perm os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return err
	}
	rc, err := f.Open()
	if err != nil {
		return fmt.Errorf("zip entry %q: %w", f.Name, err)
	}
	defer rc.Close()
	out, err := os.OpenFile(target, os.O_CREATE|os.O_EXCL|os.O_WRONLY, perm)
	if err != nil {
		return fmt.Errorf("zip entry %q: %w", f.Name, err)
	}
	// The header's size may lie: copy no more than it says, plus one byte
	// to tell.
	n, err := io.Copy(out, io.LimitReader(rc, int64(f.UncompressedSize64)+1))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil && uint64(n) > f.UncompressedSize64 {
		err = fmt.Errorf("zip entry %q is larger than its header says", f.Name)
	}
	if err == nil {
		err = os.Chmod(target, perm) // umask may have taken bits off
	}
	return err
}

func readAll(f *zip.File, max int64) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(io.LimitReader(rc, max))
}
