package crawl

import (
	"context"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/tarnlake/tarn/internal/format"
	"github.com/tarnlake/tarn/internal/lake"
)

// sample is what one file told the crawler, kept between crawls (short
// JSON names: a state holds one per file).
type sample struct {
	Size       int64   `json:"s"`
	ETag       string  `json:"e"`
	Class      string  `json:"c,omitempty"`
	Schema     string  `json:"t,omitempty"` // struct<...>
	Comp       string  `json:"z,omitempty"`
	Delim      string  `json:"d,omitempty"`
	Header     bool    `json:"h,omitempty"`
	Records    int64   `json:"r,omitempty"` // records sampled (Parquet: all rows)
	Bytes      int64   `json:"b,omitempty"` // bytes those records took
	Classifier string  `json:"k,omitempty"` // the custom classifier that matched
	Confidence float64 `json:"f,omitempty"` // how sure the classifier was (1 for containers)
	Skip       string  `json:"x,omitempty"` // why the file is not part of any table
}

// state is what the last crawl saw: a sample per file ("bucket/key").
type state struct {
	// Classifiers fingerprints the custom classifiers in force: when they
	// change, every file is classified again.
	Classifiers string             `json:"classifiers"`
	Files       map[string]*sample `json:"files"`
}

// file is one object of a crawl.
type file struct {
	bucket, key string
	rel         string // relative to the target's prefix
	target      int
	size        int64
	etag        string
	s           *sample
}

func (f *file) id() string { return f.bucket + "/" + f.key }

// listTarget lists the files of one target, leaving out folder markers,
// hidden files (a path segment starting with "_" or ".", as Hadoop and
// Spark write them) and exclusions.
func (r *run) listTarget(ctx context.Context, i int, t S3Target) ([]*file, error) {
	bucket, prefix, err := parseS3Path(t.Path)
	if err != nil {
		return nil, err
	}
	var excl []func(string) bool
	for _, e := range t.Exclusions {
		re, err := compileGlob(e)
		if err != nil {
			return nil, err
		}
		excl = append(excl, re.MatchString)
	}
	var out []*file
	err = lake.ListPages(ctx, r.s.opts.Lake, bucket, lake.ListOptions{Prefix: prefix, MaxKeys: 1000}, func(page lake.ListResult) error {
	list:
		for _, o := range page.Objects {
			rel := strings.TrimPrefix(o.Key, prefix)
			if rel == "" || strings.HasSuffix(rel, "/") || strings.HasSuffix(rel, "_$folder$") {
				continue
			}
			for _, seg := range strings.Split(rel, "/") {
				if strings.HasPrefix(seg, "_") || strings.HasPrefix(seg, ".") {
					r.sum.FilesHidden++
					continue list
				}
			}
			for _, m := range excl {
				if m(rel) {
					r.sum.FilesExcluded++
					continue list
				}
			}
			out = append(out, &file{bucket: bucket, key: o.Key, rel: rel, target: i, size: o.Size, etag: o.ETag})
		}
		r.listed.Add(int64(len(page.Objects)))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", t.Path, err)
	}
	return out, nil
}

// sampleFiles gives every file a sample: from the previous state when the
// object is unchanged, else by classifying it. sampleSize > 0 classifies
// only the first n files of each folder; the rest take their first
// sibling's sample.
func (r *run) sampleFiles(ctx context.Context, files []*file, sampleSize int) {
	var todo []*file
	perFolder := map[string]int{}
	for _, f := range files {
		if old := r.prev.Files[f.id()]; old != nil && old.ETag == f.etag && old.Size == f.size {
			f.s = old
			continue
		}
		dir := path.Dir(f.key)
		if sampleSize > 0 && perFolder[dir] >= sampleSize {
			continue // filled from a sibling below
		}
		perFolder[dir]++
		todo = append(todo, f)
	}
	r.classifyAll(ctx, todo)
	first := map[string]*sample{}
	for _, f := range files {
		if f.s != nil && f.s.Skip == "" {
			if _, ok := first[path.Dir(f.key)]; !ok {
				first[path.Dir(f.key)] = f.s
			}
		}
	}
	for _, f := range files {
		if f.s == nil {
			if sib := first[path.Dir(f.key)]; sib != nil {
				c := *sib
				c.Size, c.ETag = f.size, f.etag
				f.s = &c
			} else {
				f.s = &sample{Size: f.size, ETag: f.etag, Skip: "not sampled and no sibling was classified"}
			}
		}
	}
}

// classifyAll classifies files with the service's workers.
func (r *run) classifyAll(ctx context.Context, files []*file) {
	sort.Slice(files, func(i, j int) bool {
		if files[i].bucket != files[j].bucket {
			return files[i].bucket < files[j].bucket
		}
		return files[i].key < files[j].key
	})
	next := atomic.Int64{}
	var wg sync.WaitGroup
	for range min(r.s.opts.Workers, len(files)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(files) || ctx.Err() != nil {
					return
				}
				files[i].s = r.classify(ctx, files[i])
				r.classified.Add(1)
			}
		})
	}
	wg.Wait()
}

// classify runs the custom classifiers in order, then the built-in ones.
func (r *run) classify(ctx context.Context, f *file) *sample {
	s := &sample{Size: f.size, ETag: f.etag}
	if f.size == 0 {
		s.Skip = "empty object"
		return s
	}
	rd := &objectReader{ctx: ctx, objs: r.s.opts.Lake, bucket: f.bucket, key: f.key, size: f.size}
	defer func() { r.bytesRead.Add(rd.bytesFetched()) }()
	for _, c := range r.classifiers {
		res, err := c.fn(rd, f.size, format.Options{})
		if err == nil && res.Confidence >= 1 {
			s.Classifier = c.name
			return fill(s, res)
		}
		if ctx.Err() != nil {
			s.Skip = ctx.Err().Error()
			return s
		}
	}
	res, err := format.Classify(rd, f.size, f.key, format.Options{})
	if err != nil {
		s.Skip = reason(err)
		return s
	}
	return fill(s, res)
}

func fill(s *sample, res format.Result) *sample {
	s.Class, s.Schema = res.Classification, res.Schema.String()
	if res.Compression != format.CompressionNone {
		s.Comp = res.Compression.String()
	}
	if res.Classification == "csv" {
		s.Delim, s.Header = string(res.Delimiter), res.HasHeader
	}
	s.Records, s.Bytes, s.Confidence = res.RecordsSampled, res.BytesRead, res.Confidence
	return s
}

// reason words a classification failure for the run report.
func reason(err error) string {
	if errors.Is(err, format.ErrUnknownFormat) {
		return "no classifier recognised it: " + err.Error()
	}
	return err.Error()
}
