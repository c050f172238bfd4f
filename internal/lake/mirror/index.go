package mirror

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// index is the file that outlives the process: what each copy is of.
type index struct {
	Version int               `json:"version"`
	Files   map[string]*entry `json:"files"` // "bucket/key"
}

const indexVersion = 1

// load reads the index and makes the folder agree with it: a copy whose
// file is missing or changed is forgotten, a file the index does not name
// is removed, and so are the folders left empty.
func (m *Mirror) load() error {
	var idx index
	b, err := os.ReadFile(m.indexFile)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return err
	default:
		if err := json.Unmarshal(b, &idx); err != nil || idx.Version != indexVersion {
			m.log.Warn("cache index unreadable: starting empty", "file", m.indexFile, "err", err)
			idx = index{}
		}
	}
	keep := map[string]bool{}
	for id, e := range idx.Files {
		bucket, key, _ := strings.Cut(id, "/")
		if e == nil || checkBucket(bucket) != nil {
			continue
		}
		p, err := m.filePath(bucket, key)
		if err != nil {
			continue
		}
		fi, err := os.Lstat(p)
		if err != nil || !fi.Mode().IsRegular() || fi.Size() != e.Size || fi.ModTime().UnixNano() != e.MTime {
			continue
		}
		m.files[id] = e
		m.stale = true
		m.total += e.Size
		keep[p] = true
	}
	m.dirty = len(m.files) != len(idx.Files)

	var dirs []string
	err = filepath.WalkDir(m.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == m.dir {
			return nil
		}
		if filepath.Dir(p) == m.dir && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			dirs = append(dirs, p)
			return nil
		}
		if !keep[p] {
			return os.Remove(p)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("check copies: %w", err)
	}
	for _, d := range slices.Backward(dirs) { // children before parents
		os.Remove(d) // fails, as wanted, unless empty
	}
	m.metrics.cached.Set(float64(m.total))
	return nil
}

// save writes the index if it changed: to a temporary file, renamed over
// the old one, so a crash leaves one or the other whole.
func (m *Mirror) save() error {
	m.saveMu.Lock()
	defer m.saveMu.Unlock()
	m.mu.Lock()
	if !m.dirty {
		m.mu.Unlock()
		return nil
	}
	b, err := json.Marshal(index{Version: indexVersion, Files: m.files})
	m.dirty = false
	m.mu.Unlock()
	if err == nil {
		err = writeAtomic(m.tmp, m.indexFile, b)
	}
	if err != nil {
		m.mu.Lock()
		m.dirty = true
		m.mu.Unlock()
		return fmt.Errorf("write %s: %w", m.indexFile, err)
	}
	return nil
}

func writeAtomic(tmpDir, dst string, b []byte) error {
	f, err := os.CreateTemp(tmpDir, "index-*")
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if err = errors.Join(err, f.Close()); err == nil {
		err = os.Rename(f.Name(), dst)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// removeLocked deletes a copy. m.mu is held.
func (m *Mirror) removeLocked(id string, e *entry) {
	bucket, key, _ := strings.Cut(id, "/")
	if p, err := m.filePath(bucket, key); err == nil {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			m.log.Warn("cached copy not removed", "file", p, "err", err)
		}
	}
	delete(m.files, id)
	m.stale = true
	m.total -= e.Size
	m.dirty = true
	m.metrics.cached.Set(float64(m.total))
}

// evictLocked removes the least recently used copies outside pinned
// prefixes until need more bytes fit under MaxBytes. m.mu is held.
func (m *Mirror) evictLocked(need int64) {
	limit := m.opts.MaxBytes
	if limit <= 0 || m.total+need <= limit {
		return
	}
	type candidate struct {
		id string
		e  *entry
	}
	var cs []candidate
	for id, e := range m.files {
		if !m.pinnedLocked(id) {
			cs = append(cs, candidate{id, e})
		}
	}
	slices.SortFunc(cs, func(a, b candidate) int { return cmp.Compare(a.e.Used, b.e.Used) })
	for _, c := range cs {
		if m.total+need <= limit {
			break
		}
		m.removeLocked(c.id, c.e)
		m.metrics.evicted.Inc()
		m.metrics.evictedBytes.Add(float64(c.e.Size))
	}
	if need > 0 && m.total+need > limit {
		m.log.Warn("lake cache over its bound: the tables in use need more", "bytes", m.total+need, "max_bytes", limit)
	}
}

func (m *Mirror) pinnedLocked(id string) bool {
	for p := range m.pins {
		if strings.HasPrefix(id, p) {
			return true
		}
	}
	return false
}

// underLocked returns the ids of the copies under prefix id. The sorted
// ids are rebuilt only after copies came or went, so the statements that
// sync a table whose files did not change (most) search instead of
// walking every copy. m.mu is held; the slice is valid until it is
// released.
func (m *Mirror) underLocked(id string) []string {
	if m.stale || len(m.ids) != len(m.files) {
		m.ids = slices.Sorted(maps.Keys(m.files))
		m.stale = false
	}
	lo, _ := slices.BinarySearch(m.ids, id)
	hi := lo
	for hi < len(m.ids) && strings.HasPrefix(m.ids[hi], id) {
		hi++
	}
	return m.ids[lo:hi]
}
