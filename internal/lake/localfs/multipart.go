package localfs

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tarnlake/tarn/internal/lake"
)

// An upload is a folder .uploads/<id> holding upload.json and one file per
// part ("00001"...), each written atomically like an object.
type upload struct {
	Bucket    string          `json:"bucket"`
	Key       string          `json:"key"`
	Opts      lake.PutOptions `json:"opts"`
	Initiated time.Time       `json:"initiated"`
}

const uploadFile = "upload.json"

func (s *Store) CreateUpload(ctx context.Context, bucket, key string, opts lake.PutOptions) (string, error) {
	if _, _, err := s.objectPath(bucket, key); err != nil {
		return "", err
	}
	var b [16]byte
	rand.Read(b[:])
	id := hex.EncodeToString(b[:])
	dir := filepath.Join(s.uploads, id)
	if err := os.Mkdir(dir, 0o755); err != nil {
		return "", err
	}
	js, err := json.Marshal(upload{Bucket: bucket, Key: key, Opts: opts, Initiated: time.Now().UTC()})
	if err != nil {
		return "", err
	}
	tmp, _, _, err := s.writeTemp(strings.NewReader(string(js)), -1, nil, nil)
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, uploadFile))
	}
	if err == nil {
		err = errors.Join(syncDir(dir), syncDir(s.uploads))
	}
	if err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("create upload for %s/%s: %w", bucket, key, err)
	}
	return id, nil
}

// upload finds an upload and checks it belongs to bucket/key.
func (s *Store) upload(bucket, key, id string) (string, upload, error) {
	var u upload
	if len(id) != 32 || strings.Trim(id, "0123456789abcdef") != "" {
		return "", u, fmt.Errorf("%w: %q", lake.ErrNoSuchUpload, id)
	}
	dir := filepath.Join(s.uploads, id)
	b, err := os.ReadFile(filepath.Join(dir, uploadFile))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", u, fmt.Errorf("%w: %s", lake.ErrNoSuchUpload, id)
		}
		return "", u, err
	}
	if err := json.Unmarshal(b, &u); err != nil {
		return "", u, fmt.Errorf("upload %s: %w", id, err)
	}
	if u.Bucket != bucket || u.Key != key {
		return "", u, fmt.Errorf("%w: %s is not an upload of %s/%s", lake.ErrNoSuchUpload, id, bucket, key)
	}
	return dir, u, nil
}

func partName(n int) string { return fmt.Sprintf("%05d", n) }

func (s *Store) UploadPart(ctx context.Context, bucket, key, id string, n int, r io.Reader, size int64) (lake.Part, error) {
	if n < 1 || n > 10000 {
		return lake.Part{}, fmt.Errorf("%w: part number %d is outside 1..10000", lake.ErrInvalidPart, n)
	}
	dir, _, err := s.upload(bucket, key, id)
	if err != nil {
		return lake.Part{}, err
	}
	m := meta{}
	tmp, written, _, err := s.writeTemp(r, size, nil, &m)
	if err != nil {
		return lake.Part{}, fmt.Errorf("upload part %d of %s/%s: %w", n, bucket, key, err)
	}
	dst := filepath.Join(dir, partName(n))
	if err := os.Rename(tmp, dst); err != nil {
		os.Remove(tmp)
		if errors.Is(err, os.ErrNotExist) {
			return lake.Part{}, fmt.Errorf("%w: %s (aborted meanwhile)", lake.ErrNoSuchUpload, id)
		}
		return lake.Part{}, err
	}
	if err := syncDir(dir); err != nil {
		return lake.Part{}, err
	}
	return lake.Part{Number: n, ETag: m.ETag, Size: written, LastModified: time.Now().UTC()}, nil
}

func (s *Store) ListParts(ctx context.Context, bucket, key, id string) ([]lake.Part, error) {
	dir, _, err := s.upload(bucket, key, id)
	if err != nil {
		return nil, err
	}
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var parts []lake.Part
	for _, de := range des {
		n, err := strconv.Atoi(de.Name())
		if err != nil {
			continue
		}
		p := filepath.Join(dir, de.Name())
		fi, err := os.Stat(p)
		if err != nil {
			continue
		}
		m, err := getMeta(p)
		if err != nil {
			return nil, err
		}
		parts = append(parts, lake.Part{Number: n, ETag: m.ETag, Size: fi.Size(), LastModified: fi.ModTime().UTC()})
	}
	sort.Slice(parts, func(i, j int) bool { return parts[i].Number < parts[j].Number })
	return parts, nil
}

func (s *Store) CompleteUpload(ctx context.Context, bucket, key, id string, want []lake.Part) (lake.ObjectInfo, error) {
	dir, u, err := s.upload(bucket, key, id)
	if err != nil {
		return lake.ObjectInfo{}, err
	}
	have, err := s.ListParts(ctx, bucket, key, id)
	if err != nil {
		return lake.ObjectInfo{}, err
	}
	byNum := make(map[int]lake.Part, len(have))
	for _, p := range have {
		byNum[p.Number] = p
	}
	if len(want) == 0 {
		return lake.ObjectInfo{}, fmt.Errorf("%w: no parts given", lake.ErrInvalidPart)
	}
	files := make([]*os.File, 0, len(want))
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	// Order and existence are checked before sizes, as S3 does.
	for i, w := range want {
		if i > 0 && w.Number <= want[i-1].Number {
			return lake.ObjectInfo{}, fmt.Errorf("%w: part %d after part %d", lake.ErrInvalidPartOrder, w.Number, want[i-1].Number)
		}
		if p, ok := byNum[w.Number]; !ok || strings.Trim(w.ETag, `"`) != p.ETag {
			return lake.ObjectInfo{}, fmt.Errorf("%w: part %d with ETag %s was not uploaded", lake.ErrInvalidPart, w.Number, w.ETag)
		}
	}
	sums := md5.New()
	for i, w := range want {
		p := byNum[w.Number]
		if i < len(want)-1 && p.Size < lake.MinPartSize {
			return lake.ObjectInfo{}, fmt.Errorf("%w: part %d has %d bytes", lake.ErrEntityTooSmall, w.Number, p.Size)
		}
		raw, _ := hex.DecodeString(p.ETag)
		sums.Write(raw)
		f, err := os.Open(filepath.Join(dir, partName(w.Number)))
		if err != nil {
			return lake.ObjectInfo{}, err
		}
		files = append(files, f)
	}
	m := meta{
		ETag:        fmt.Sprintf("%s-%d", hex.EncodeToString(sums.Sum(nil)), len(want)),
		ContentType: u.Opts.ContentType, Headers: u.Opts.Headers, Metadata: u.Opts.Metadata, Tags: u.Opts.Tags,
	}
	readers := make([]io.Reader, len(files))
	for i, f := range files {
		readers[i] = f
	}
	bucketDir, dst, err := s.objectPath(bucket, key)
	if err != nil {
		return lake.ObjectInfo{}, err
	}
	tmp, _, _, err := s.writeTemp(io.MultiReader(readers...), -1, nil, &m)
	if err != nil {
		return lake.ObjectInfo{}, fmt.Errorf("complete %s/%s: %w", bucket, key, err)
	}
	if err := s.place(bucketDir, tmp, dst); err != nil {
		os.Remove(tmp)
		return lake.ObjectInfo{}, fmt.Errorf("complete %s/%s: %w", bucket, key, err)
	}
	// The object is durable; a crash before this removal leaves an upload
	// that completing again or aborting cleans up.
	os.RemoveAll(dir)
	fi, err := os.Stat(dst)
	if err != nil {
		return lake.ObjectInfo{}, err
	}
	return info(key, fi, m), nil
}

func (s *Store) AbortUpload(ctx context.Context, bucket, key, id string) error {
	dir, _, err := s.upload(bucket, key, id)
	if err != nil {
		return err
	}
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	return syncDir(s.uploads)
}

func (s *Store) ListUploads(ctx context.Context, bucket, prefix string) ([]lake.Upload, error) {
	if _, err := s.bucketDir(bucket); err != nil {
		return nil, err
	}
	des, err := os.ReadDir(s.uploads)
	if err != nil {
		return nil, err
	}
	var out []lake.Upload
	for _, de := range des {
		b, err := os.ReadFile(filepath.Join(s.uploads, de.Name(), uploadFile))
		if err != nil {
			continue
		}
		var u upload
		if json.Unmarshal(b, &u) != nil || u.Bucket != bucket || !strings.HasPrefix(u.Key, prefix) {
			continue
		}
		out = append(out, lake.Upload{Key: u.Key, ID: de.Name(), Initiated: u.Initiated})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Key != out[j].Key {
			return out[i].Key < out[j].Key
		}
		return out[i].Initiated.Before(out[j].Initiated)
	})
	return out, nil
}
