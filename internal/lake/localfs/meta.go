package localfs

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"github.com/tarnlake/tarn/internal/lake"
)

// An object's metadata lives in an extended attribute of its file, written to
// the temporary file before the rename: data and metadata appear together.
const metaAttr = "user.tarn"

// maxMeta bounds what fits in one xattr on ext4 with room to spare.
const maxMeta = 3 << 10

type meta struct {
	ETag        string            `json:"e"`
	ContentType string            `json:"t,omitempty"`
	Headers     map[string]string `json:"h,omitempty"`
	Metadata    map[string]string `json:"m,omitempty"`
	Tags        map[string]string `json:"g,omitempty"`
	Created     int64             `json:"c,omitempty"` // buckets: unix nanoseconds
}

func setMeta(f *os.File, m meta) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if len(b) > maxMeta {
		return fmt.Errorf("%w: %d bytes of headers, metadata and tags, the local lake keeps at most %d", lake.ErrMetadataTooLarge, len(b), maxMeta)
	}
	if err := unix.Fsetxattr(int(f.Fd()), metaAttr, b, 0); err != nil {
		return fmt.Errorf("store metadata of %s: %w (the data folder needs a file system with user xattrs)", f.Name(), err)
	}
	return nil
}

func getMeta(path string) (meta, error) {
	return readMeta(path, func(buf []byte) (int, error) { return unix.Getxattr(path, metaAttr, buf) })
}

// getMetaFile reads the metadata of an open file: by path it could be
// another version's, renamed into place meanwhile.
func getMetaFile(f *os.File) (meta, error) {
	return readMeta(f.Name(), func(buf []byte) (int, error) { return unix.Fgetxattr(int(f.Fd()), metaAttr, buf) })
}

func readMeta(path string, get func([]byte) (int, error)) (meta, error) {
	var m meta
	buf := make([]byte, 512)
	for {
		n, err := get(buf)
		if errors.Is(err, unix.ERANGE) {
			buf = make([]byte, len(buf)*4)
			continue
		}
		if err != nil {
			return m, fmt.Errorf("read metadata of %s: %w", path, err)
		}
		return m, json.Unmarshal(buf[:n], &m)
	}
}

func info(key string, fi os.FileInfo, m meta) lake.ObjectInfo {
	return lake.ObjectInfo{
		Key:          key,
		Size:         fi.Size(),
		ETag:         m.ETag,
		LastModified: ceilSecond(fi.ModTime()),
		ContentType:  m.ContentType,
		Headers:      m.Headers,
		Metadata:     m.Metadata,
		TagCount:     len(m.Tags),
	}
}

// ceilSecond rounds up to S3's whole seconds: the object was surely last
// modified by then, which keeps If-Modified-Since truthful and stops
// `aws s3 sync` from taking a file written earlier in the same second for
// newer than its upload.
func ceilSecond(t time.Time) time.Time {
	t = t.UTC()
	if s := t.Truncate(time.Second); !s.Equal(t) {
		return s.Add(time.Second)
	}
	return t
}
