package localfs

import (
	"context"
	"errors"
	"maps"
	"os"
)

// Tags live in the same extended attribute as the rest of an object's or a
// bucket's metadata. Replacing them is one setxattr on the open file: the
// kernel swaps the attribute's value whole, so a crash leaves the old tags or
// the new ones, and the data is never rewritten (nor its modification time
// changed, as S3 leaves LastModified alone when tags change).

func (s *Store) ObjectTags(ctx context.Context, bucket, key string) (map[string]string, error) {
	f, _, m, err := s.openMeta(bucket, key)
	if err != nil {
		return nil, err
	}
	return m.Tags, f.Close()
}

// SetObjectTags rewrites the metadata of the file it opened. A Put that
// renames a new version into place meanwhile keeps the tags it came with,
// as on S3, where the later write wins.
func (s *Store) SetObjectTags(ctx context.Context, bucket, key string, tags map[string]string) error {
	f, _, m, err := s.openMeta(bucket, key)
	if err != nil {
		return err
	}
	return errors.Join(setTags(f, m, tags), f.Close())
}

func (s *Store) BucketTags(ctx context.Context, bucket string) (map[string]string, error) {
	dir, err := s.bucketDir(bucket)
	if err != nil {
		return nil, err
	}
	m, err := getMeta(dir)
	return m.Tags, err
}

func (s *Store) SetBucketTags(ctx context.Context, bucket string, tags map[string]string) error {
	dir, err := s.bucketDir(bucket)
	if err != nil {
		return err
	}
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	m, err := getMetaFile(f)
	if err == nil {
		err = setTags(f, m, tags)
	}
	return errors.Join(err, f.Close())
}

// setTags stores m with tags in place of its own and makes it durable.
func setTags(f *os.File, m meta, tags map[string]string) error {
	m.Tags = nil
	if len(tags) > 0 {
		m.Tags = maps.Clone(tags)
	}
	if err := setMeta(f, m); err != nil {
		return err
	}
	return f.Sync()
}
