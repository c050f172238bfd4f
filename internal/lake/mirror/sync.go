package mirror

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/tarnlake/tarn/internal/lake"
)

// sync is one sync of a prefix. Syncs of one prefix never overlap, but
// syncs of overlapping prefixes (a table and one of its partitions) may:
// each takes a generation before it lists, and a copy is replaced or
// removed only by a sync at least as new as the one that last confirmed
// it, so an older listing never undoes what a newer one saw.
func (m *Mirror) sync(ctx context.Context, bucket, prefix string) (err error) {
	start := time.Now()
	id := bucket + "/" + prefix
	defer func() {
		result := "ok"
		if err != nil {
			result = "error"
		}
		m.metrics.syncs.WithLabelValues(result).Inc()
		m.metrics.duration.Observe(time.Since(start).Seconds())
	}()
	m.mu.Lock()
	m.gen++
	g := m.gen
	m.pins[id]++ // what this sync keeps or fetches is not evicted under it
	m.mu.Unlock()
	defer m.unpin(id)

	remote, err := m.list(ctx, bucket, prefix)
	if err != nil {
		return err
	}
	now := time.Now().UnixNano()
	var fetch []string
	var need int64
	hits := 0
	m.mu.Lock()
	for key, o := range remote {
		if e := m.files[bucket+"/"+key]; e != nil && e.ETag == o.ETag && e.Size == o.Size {
			e.Used, e.gen = now, max(e.gen, g)
			hits++
			continue
		}
		fetch = append(fetch, key)
		need += o.Size
	}
	for _, fid := range m.underLocked(id) {
		if e := m.files[fid]; e != nil && e.gen < g {
			if _, ok := remote[strings.TrimPrefix(fid, bucket+"/")]; !ok {
				m.removeLocked(fid, e)
				m.metrics.removed.Inc()
			}
		}
	}
	m.evictLocked(need) // room first, so the cache stays under its bound
	m.mu.Unlock()
	m.metrics.hits.Add(float64(hits))

	err = m.fetchAll(ctx, bucket, fetch, g)
	if serr := m.save(); serr != nil {
		m.log.Warn("cache index not written", "err", serr)
	}
	if err != nil {
		return err
	}
	if len(fetch) > 0 {
		m.log.Debug("synced", "bucket", bucket, "prefix", prefix, "fetched", len(fetch), "bytes", need, "up_to_date", hits, "took", time.Since(start))
	}
	return nil
}

// list returns the objects under prefix that can have a local copy.
func (m *Mirror) list(ctx context.Context, bucket, prefix string) (map[string]lake.ObjectInfo, error) {
	out := map[string]lake.ObjectInfo{}
	err := lake.ListPages(ctx, m.store, bucket, lake.ListOptions{Prefix: prefix}, func(res lake.ListResult) error {
		for _, o := range res.Objects {
			if strings.HasSuffix(o.Key, "/") {
				continue // a folder marker holds no data
			}
			if _, err := lake.KeyPath(o.Key); err != nil {
				m.log.Warn("object not cached", "bucket", bucket, "key", o.Key, "err", err)
				continue
			}
			out[o.Key] = o
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list s3://%s/%s: %w", bucket, prefix, err)
	}
	// A key that is also a folder of other keys ("a" and "a/b") cannot
	// have a copy beside them: the folder wins, as tables are folders.
	dirs := map[string]bool{}
	for k := range out {
		for i := range len(k) {
			if k[i] == '/' {
				dirs[k[:i]] = true
			}
		}
	}
	for k := range out {
		if dirs[k] {
			m.log.Warn("object not cached: other keys use it as a folder", "bucket", bucket, "key", k)
			delete(out, k)
		}
	}
	return out, nil
}

// fetchAll downloads keys, Downloads at a time; the first failure stops
// the rest.
func (m *Mirror) fetchAll(ctx context.Context, bucket string, keys []string, g uint64) error {
	if len(keys) == 0 {
		return nil
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	work := make(chan string)
	var wg sync.WaitGroup
	for range min(m.opts.Downloads, len(keys)) {
		wg.Go(func() {
			for key := range work {
				if err := m.fetch(ctx, bucket, key, g); err != nil {
					cancel(err)
				}
			}
		})
	}
feed:
	for _, key := range keys {
		select {
		case work <- key:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	return context.Cause(ctx)
}

// fetch downloads one object into a temporary file and renames it into
// place.
func (m *Mirror) fetch(ctx context.Context, bucket, key string, g uint64) error {
	id := bucket + "/" + key
	dst, err := m.filePath(bucket, key)
	if err != nil {
		return err
	}
	body, info, err := m.store.Get(ctx, bucket, key, nil)
	if errors.Is(err, lake.ErrNoSuchKey) {
		// Deleted since the listing: so goes its copy.
		m.mu.Lock()
		if e := m.files[id]; e != nil && e.gen < g {
			m.removeLocked(id, e)
		}
		m.mu.Unlock()
		return nil
	}
	if err != nil {
		return fmt.Errorf("fetch s3://%s/%s: %w", bucket, key, err)
	}
	defer body.Close()
	tmp, err := os.CreateTemp(m.tmp, "fetch-*")
	if err != nil {
		return fmt.Errorf("fetch s3://%s/%s: %w", bucket, key, err)
	}
	n, err := io.Copy(tmp, body)
	var fi os.FileInfo
	if err == nil {
		fi, err = tmp.Stat()
	}
	err = errors.Join(err, tmp.Close())
	if err == nil && n != info.Size {
		err = fmt.Errorf("%w: %d bytes of %d", lake.ErrIncompleteBody, n, info.Size)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("fetch s3://%s/%s: %w", bucket, key, err)
	}

	m.mu.Lock()
	defer m.mu.Unlock()
	old := m.files[id]
	if old != nil && old.gen > g {
		os.Remove(tmp.Name()) // a newer sync placed its own copy meanwhile
		return nil
	}
	if fi, err := os.Lstat(dst); err == nil && fi.IsDir() {
		os.Remove(dst) // the folder of keys now gone ("a/b" before "a"); fails unless empty
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("place s3://%s/%s: %w", bucket, key, err)
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("place s3://%s/%s: %w", bucket, key, err)
	}
	if old != nil {
		m.total -= old.Size
	} else {
		m.stale = true
	}
	m.files[id] = &entry{ETag: info.ETag, Size: n, MTime: fi.ModTime().UnixNano(), Used: time.Now().UnixNano(), gen: g}
	m.total += n
	m.dirty = true
	m.metrics.fetched.Inc()
	m.metrics.fetchedBytes.Add(float64(n))
	m.metrics.cached.Set(float64(m.total))
	return nil
}
