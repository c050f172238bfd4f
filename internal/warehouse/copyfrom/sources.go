package copyfrom

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/format"
	"github.com/tarnlake/tarn/internal/lake"
	"github.com/tarnlake/tarn/internal/warehouse/redshift"
)

type object struct{ bucket, key string }

func (f object) String() string { return "s3://" + f.bucket + "/" + f.key }

// open reads the object, decompressed.
func (f object) open(ctx context.Context, lk lake.Objects) (io.ReadCloser, error) {
	body, _, err := lk.Get(ctx, f.bucket, f.key, nil)
	if err != nil {
		return nil, fail("S3ServiceException: cannot read %s: %v", f, err)
	}
	plain, _, err := format.Open(body)
	if err != nil {
		body.Close()
		return nil, fail("%s: %v", f, err)
	}
	return both{plain, body}, nil
}

// both closes a decoder and then what it reads.
type both struct {
	io.ReadCloser
	body io.Closer
}

func (b both) Close() error { return errors.Join(b.ReadCloser.Close(), b.body.Close()) }

// sources are the objects a COPY reads: every object whose key starts
// with FROM's (a prefix names them all), or a manifest's entries.
func sources(ctx context.Context, lk lake.Objects, c *redshift.Copy, caller access.Key, exact bool) ([]object, error) {
	bucket, key, ok := splitURL(c.From)
	if !ok {
		return nil, fail("FROM %q is not an s3:// URL", c.From)
	}
	if !caller.Allowed(access.Read, access.Bucket(bucket)) {
		return nil, fail("permission denied: key %s may not read bucket %s; grant it read on s3:%s", caller.Name, bucket, bucket)
	}
	if c.Manifest {
		return manifest(ctx, lk, bucket, key, caller)
	}
	if exact {
		if _, err := lk.Head(ctx, bucket, key); err != nil {
			return nil, fail("S3ServiceException: s3://%s/%s: %v", bucket, key, err)
		}
		return []object{{bucket, key}}, nil
	}
	var out []object
	after := ""
	for {
		page, err := lk.List(ctx, bucket, lake.ListOptions{Prefix: key, StartAfter: after, MaxKeys: 1000})
		if err != nil {
			return nil, fail("S3ServiceException: listing s3://%s/%s: %v", bucket, key, err)
		}
		for _, o := range page.Objects {
			if !strings.HasSuffix(o.Key, "/") { // folder markers hold no rows
				out = append(out, object{bucket, o.Key})
			}
		}
		if !page.Truncated {
			break
		}
		after = page.Next
	}
	if len(out) == 0 {
		return nil, fail("S3ServiceException: The specified S3 prefix '%s' does not exist", key)
	}
	return out, nil
}

// manifest reads Redshift's manifest: {"entries": [{"url": "s3://…",
// "mandatory": true}]}; a missing mandatory file fails the COPY, a
// missing optional one is skipped.
func manifest(ctx context.Context, lk lake.Objects, bucket, key string, caller access.Key) ([]object, error) {
	b, err := readAll(ctx, lk, bucket, key, 16<<20)
	if err != nil {
		return nil, fail("S3ServiceException: manifest s3://%s/%s: %v", bucket, key, err)
	}
	var doc struct {
		Entries []struct {
			URL       string `json:"url"`
			Mandatory bool   `json:"mandatory"`
		} `json:"entries"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fail("manifest s3://%s/%s is not valid JSON: %v", bucket, key, err)
	}
	var out []object
	for i, e := range doc.Entries {
		eb, ek, ok := splitURL(e.URL)
		if !ok || ek == "" {
			return nil, fail("manifest s3://%s/%s: entry %d: url %q is not an s3:// object URL", bucket, key, i+1, e.URL)
		}
		if !caller.Allowed(access.Read, access.Bucket(eb)) {
			return nil, fail("permission denied: key %s may not read bucket %s (manifest entry %d)", caller.Name, eb, i+1)
		}
		if _, err := lk.Head(ctx, eb, ek); err != nil {
			if e.Mandatory {
				return nil, fail("S3ServiceException: mandatory file s3://%s/%s of the manifest is missing: %v", eb, ek, err)
			}
			continue
		}
		out = append(out, object{eb, ek})
	}
	if len(out) == 0 {
		return nil, fail("manifest s3://%s/%s names no file that exists", bucket, key)
	}
	return out, nil
}
