package s3

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/tarnlake/tarn/internal/lake"
)

// Put stores r under key with one PutObject. S3 makes the object visible
// only once the whole body has arrived, so a reader that fails mid-way
// breaks the request and leaves any older version in place.
func (s *Store) Put(ctx context.Context, bucket, key string, r io.Reader, opts lake.PutOptions) (lake.ObjectInfo, error) {
	what := bucket + "/" + key
	if err := checkObject(bucket, key); err != nil {
		return lake.ObjectInfo{}, err
	}
	w, err := newWriteHeaders(opts)
	if err != nil {
		return lake.ObjectInfo{}, err
	}
	b, err := s.sizedBody(r, opts.Size)
	if err != nil {
		return lake.ObjectInfo{}, fmt.Errorf("s3: put %s: %w", what, err)
	}
	defer b.done()
	in := &awss3.PutObjectInput{
		Bucket:             &bucket,
		Key:                &key,
		Body:               b.r,
		ContentLength:      &b.size,
		ContentType:        w.contentType,
		CacheControl:       w.cacheControl,
		ContentDisposition: w.contentDisposition,
		ContentEncoding:    w.contentEncoding,
		ContentLanguage:    w.contentLanguage,
		Expires:            w.expires,
		Metadata:           w.metadata,
		Tagging:            tagging(opts.Tags),
	}
	if len(opts.MD5) > 0 {
		// The store checks it and answers BadDigest (ErrBadDigest).
		in.ContentMD5 = aws.String(base64.StdEncoding.EncodeToString(opts.MD5))
	}
	out, err := s.client.PutObject(ctx, in, b.options()...)
	if err != nil {
		if berr := b.failure(); berr != nil {
			return lake.ObjectInfo{}, fmt.Errorf("s3: put %s: %w", what, berr)
		}
		return lake.ObjectInfo{}, fail("put", what, err, lake.ErrNoSuchBucket)
	}
	// PutObject does not answer with the modification time; the local clock
	// is close enough and saves a HeadObject on every write.
	return lake.ObjectInfo{
		Key:          key,
		Size:         b.size,
		ETag:         unquote(out.ETag),
		LastModified: time.Now().UTC(),
		ContentType:  opts.ContentType,
		Headers:      opts.Headers,
		Metadata:     opts.Metadata,
		TagCount:     len(opts.Tags),
	}, nil
}

// Get opens an object, or the range of it that rng selects.
func (s *Store) Get(ctx context.Context, bucket, key string, rng *lake.Range) (io.ReadCloser, lake.ObjectInfo, error) {
	what := bucket + "/" + key
	if err := checkObject(bucket, key); err != nil {
		return nil, lake.ObjectInfo{}, err
	}
	in := &awss3.GetObjectInput{Bucket: &bucket, Key: &key}
	if rng != nil {
		h, err := rangeHeader(*rng)
		if err != nil {
			return nil, lake.ObjectInfo{}, fmt.Errorf("s3: get %s: %w", what, err)
		}
		in.Range = &h
	}
	out, err := s.client.GetObject(ctx, in)
	if err != nil {
		return nil, lake.ObjectInfo{}, fail("get", what, err, lake.ErrNoSuchKey)
	}
	// A ranged answer gives the whole object's size after the slash of
	// Content-Range; a whole one in Content-Length.
	size := aws.ToInt64(out.ContentLength)
	if out.ContentRange != nil {
		if size, err = totalSize(*out.ContentRange); err != nil {
			out.Body.Close()
			return nil, lake.ObjectInfo{}, fmt.Errorf("s3: get %s: %w", what, err)
		}
	}
	info := readHeaders{
		etag:               out.ETag,
		contentType:        out.ContentType,
		cacheControl:       out.CacheControl,
		contentDisposition: out.ContentDisposition,
		contentEncoding:    out.ContentEncoding,
		contentLanguage:    out.ContentLanguage,
		expires:            out.ExpiresString,
		lastModified:       out.LastModified,
		metadata:           out.Metadata,
		tagCount:           out.TagCount,
	}.info(key, size)
	return out.Body, info, nil
}

// Head describes an object.
func (s *Store) Head(ctx context.Context, bucket, key string) (lake.ObjectInfo, error) {
	what := bucket + "/" + key
	if err := checkObject(bucket, key); err != nil {
		return lake.ObjectInfo{}, err
	}
	out, err := s.client.HeadObject(ctx, &awss3.HeadObjectInput{Bucket: &bucket, Key: &key})
	if err != nil {
		return lake.ObjectInfo{}, fail("head", what, s.headMiss(ctx, bucket, err), lake.ErrNoSuchKey)
	}
	return readHeaders{
		etag:               out.ETag,
		contentType:        out.ContentType,
		cacheControl:       out.CacheControl,
		contentDisposition: out.ContentDisposition,
		contentEncoding:    out.ContentEncoding,
		contentLanguage:    out.ContentLanguage,
		expires:            out.ExpiresString,
		lastModified:       out.LastModified,
		metadata:           out.Metadata,
		tagCount:           out.TagCount,
	}.info(key, aws.ToInt64(out.ContentLength)), nil
}

// headMiss tells a missing bucket from a missing key after a HeadObject
// failed: a HEAD answer has no body to say which, only 404.
func (s *Store) headMiss(ctx context.Context, bucket string, err error) error {
	if !errors.Is(translate(err, lake.ErrNoSuchKey), lake.ErrNoSuchKey) {
		return err
	}
	_, berr := s.client.HeadBucket(ctx, &awss3.HeadBucketInput{Bucket: &bucket})
	if errors.Is(translate(berr, lake.ErrNoSuchBucket), lake.ErrNoSuchBucket) {
		return lake.ErrNoSuchBucket
	}
	return err
}

// Delete removes key; S3 answers success for a missing key too.
func (s *Store) Delete(ctx context.Context, bucket, key string) error {
	what := bucket + "/" + key
	if err := checkObject(bucket, key); err != nil {
		return err
	}
	if _, err := s.client.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: &bucket, Key: &key}); err != nil {
		return fail("delete", what, err, lake.ErrNoSuchBucket)
	}
	return nil
}

// DeleteIf removes key with a DeleteObject that carries If-Match, which S3
// checks and applies as one step. With If-Match, S3 answers a missing key
// with 404 NoSuchKey rather than 204.
func (s *Store) DeleteIf(ctx context.Context, bucket, key, etag string) error {
	what := bucket + "/" + key
	if err := checkObject(bucket, key); err != nil {
		return err
	}
	match := quote(lake.UnquoteETag(etag))
	in := &awss3.DeleteObjectInput{Bucket: &bucket, Key: &key, IfMatch: &match}
	if _, err := s.client.DeleteObject(ctx, in); err != nil {
		return fail("delete", what, err, lake.ErrNoSuchKey)
	}
	return nil
}

// quote puts an ETag in the double quotes HTTP wants; "*" stays bare.
func quote(etag string) string {
	if etag == "*" {
		return etag
	}
	return `"` + etag + `"`
}

// rangeHeader writes r as an HTTP Range header. S3 ignores a malformed
// range and sends the whole object, so ranges it would misread are refused
// here.
func rangeHeader(r lake.Range) (string, error) {
	switch {
	case r.Start < 0 && r.End > 0:
		return fmt.Sprintf("bytes=-%d", r.End), nil
	case r.Start < 0:
		return "", fmt.Errorf("suffix range of %d bytes: %w", r.End, lake.ErrInvalidRange)
	case r.End < 0:
		return fmt.Sprintf("bytes=%d-", r.Start), nil
	case r.End < r.Start:
		return "", fmt.Errorf("range %d-%d: %w", r.Start, r.End, lake.ErrInvalidRange)
	}
	return fmt.Sprintf("bytes=%d-%d", r.Start, r.End), nil
}

// totalSize reads the whole size from a Content-Range "bytes 0-9/100".
func totalSize(contentRange string) (int64, error) {
	_, total, ok := strings.Cut(contentRange, "/")
	n, err := strconv.ParseInt(total, 10, 64)
	if !ok || err != nil || n < 0 {
		return 0, fmt.Errorf("content-range %q without a size", contentRange)
	}
	return n, nil
}
