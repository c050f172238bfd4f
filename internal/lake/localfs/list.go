package localfs

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/tarnlake/tarn/internal/lake"
)

// entry is one name in a folder as it reads in key space.
type entry struct {
	key  string // full key (files) or key prefix ending in "/" (folders)
	path string
	dir  bool
}

// List walks the bucket's tree in key order, skipping subtrees that cannot
// hold a wanted key and rolling folders up into common prefixes without
// reading them when the delimiter is "/".
func (s *Store) List(ctx context.Context, bucket string, opts lake.ListOptions) (lake.ListResult, error) {
	dir, err := s.bucketDir(bucket)
	if err != nil {
		return lake.ListResult{}, err
	}
	max := opts.MaxKeys
	if max <= 0 {
		max = 1000
	}
	l := lister{ctx: ctx, opts: opts, max: max}
	err = l.walk(dir, "")
	if errors.Is(err, errStop) {
		err = nil
	}
	return l.res, err
}

var errStop = errors.New("stop")

type lister struct {
	ctx      context.Context
	opts     lake.ListOptions
	max      int
	res      lake.ListResult
	count    int
	lastCP   string
	lastItem string
}

// emit adds a key or common prefix; errStop once one more than max is seen.
func (l *lister) emit(oi *lake.ObjectInfo, cp string) error {
	if l.count == l.max {
		l.res.Truncated = true
		l.res.Next = l.lastItem
		return errStop
	}
	l.count++
	if oi != nil {
		l.res.Objects = append(l.res.Objects, *oi)
		l.lastItem = oi.Key
	} else {
		l.res.CommonPrefixes = append(l.res.CommonPrefixes, cp)
		l.lastItem, l.lastCP = cp, cp
	}
	return nil
}

// commonPrefix returns the common prefix key rolls up into, if any.
func (l *lister) commonPrefix(key string) (string, bool) {
	d := l.opts.Delimiter
	if d == "" || !strings.HasPrefix(key, l.opts.Prefix) {
		return "", false
	}
	i := strings.Index(key[len(l.opts.Prefix):], d)
	if i < 0 {
		return "", false
	}
	return key[:len(l.opts.Prefix)+i+len(d)], true
}

func (l *lister) walk(dir, prefix string) error {
	if err := l.ctx.Err(); err != nil {
		return err
	}
	entries, err := readEntries(dir, prefix)
	if err != nil {
		return err
	}
	p, after := l.opts.Prefix, l.opts.StartAfter
	for _, e := range entries {
		if e.dir {
			// Every key below starts with e.key: skip what cannot match.
			if !strings.HasPrefix(e.key, p) && !strings.HasPrefix(p, e.key) {
				continue
			}
			if e.key <= after && !strings.HasPrefix(after, e.key) {
				continue
			}
			if cp, ok := l.commonPrefix(e.key); ok && len(cp) <= len(e.key) {
				if cp == l.lastCP || cp <= after && !strings.HasPrefix(after, cp) || cp == after {
					continue
				}
				if !hasFile(e.path) {
					continue // left empty by a crash between delete and cleanup
				}
				if err := l.emit(nil, cp); err != nil {
					return err
				}
				continue
			}
			if err := l.walk(e.path, e.key); err != nil {
				return err
			}
			continue
		}
		if !strings.HasPrefix(e.key, p) || e.key <= after {
			continue
		}
		if cp, ok := l.commonPrefix(e.key); ok {
			if cp == l.lastCP || cp == after {
				continue
			}
			if err := l.emit(nil, cp); err != nil {
				return err
			}
			continue
		}
		fi, err := os.Stat(e.path)
		if err != nil {
			continue // deleted meanwhile
		}
		m, err := getMeta(e.path)
		if err != nil {
			continue
		}
		oi := info(e.key, fi, m)
		if err := l.emit(&oi, ""); err != nil {
			return err
		}
	}
	return nil
}

// readEntries reads a folder's names in key order, flattening continuation
// folders (long segments) so that their keys sort among their siblings.
func readEntries(dir, prefix string) ([]entry, error) {
	des, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil // removed meanwhile
		}
		return nil, err
	}
	out := make([]entry, 0, len(des))
	for _, de := range des {
		name, cont, err := decodeName(de.Name())
		if err != nil {
			continue // not written by tarn
		}
		e := entry{key: prefix + name, path: filepath.Join(dir, de.Name()), dir: de.IsDir()}
		switch {
		case cont && e.dir:
			sub, err := readEntries(e.path, e.key)
			if err != nil {
				return nil, err
			}
			out = append(out, sub...)
			continue
		case cont:
			continue
		case e.dir:
			e.key += "/"
		case !de.Type().IsRegular():
			continue
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key < out[j].key })
	return out, nil
}

// hasFile reports whether any regular file lies below dir.
func hasFile(dir string) bool {
	des, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, de := range des {
		if de.Type().IsRegular() || de.IsDir() && hasFile(filepath.Join(dir, de.Name())) {
			return true
		}
	}
	return false
}
