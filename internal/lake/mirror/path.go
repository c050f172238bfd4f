package mirror

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/tarnlake/tarn/internal/lake"
)

// checkBucket refuses names that could leave the cache folder or collide
// with its own dot-files; the store itself judges the rest.
func checkBucket(bucket string) error {
	if bucket == "" || strings.HasPrefix(bucket, ".") || strings.ContainsAny(bucket, "/\\\x00") {
		return fmt.Errorf("%w: %q", lake.ErrInvalidBucket, bucket)
	}
	return nil
}

// LocalPath returns the file that holds the copy of key in bucket, or for a
// prefix ending in "/" (or "") its folder: the same shape as
// localfs.Store.LocalPath. The path may not exist until Sync has run.
func (m *Mirror) LocalPath(bucket, key string) (string, error) {
	if err := checkBucket(bucket); err != nil {
		return "", err
	}
	key = strings.TrimSuffix(key, "/")
	if key == "" {
		return filepath.Join(m.dir, bucket), nil
	}
	return m.filePath(bucket, key)
}

// filePath is where the copy of an object lives: where a local-folder lake
// keeps it (lake.KeyPath), so the engine's globs and hive partitioning read
// a mirror as they read a local lake.
func (m *Mirror) filePath(bucket, key string) (string, error) {
	rel, err := lake.KeyPath(key)
	if err != nil {
		return "", err
	}
	return filepath.Join(m.dir, bucket, filepath.FromSlash(rel)), nil
}
