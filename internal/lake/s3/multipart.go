package s3

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/tarnlake/tarn/internal/lake"
)

// maxParts is S3's highest part number.
const maxParts = 10000

// CreateUpload starts a multipart upload; opts.Size is not used.
func (s *Store) CreateUpload(ctx context.Context, bucket, key string, opts lake.PutOptions) (string, error) {
	what := bucket + "/" + key
	if err := checkObject(bucket, key); err != nil {
		return "", err
	}
	w, err := newWriteHeaders(opts)
	if err != nil {
		return "", err
	}
	out, err := s.client.CreateMultipartUpload(ctx, &awss3.CreateMultipartUploadInput{
		Bucket:             &bucket,
		Key:                &key,
		ContentType:        w.contentType,
		CacheControl:       w.cacheControl,
		ContentDisposition: w.contentDisposition,
		ContentEncoding:    w.contentEncoding,
		ContentLanguage:    w.contentLanguage,
		Expires:            w.expires,
		Metadata:           w.metadata,
		Tagging:            tagging(opts.Tags),
	})
	if err != nil {
		return "", fail("create upload", what, err, lake.ErrNoSuchBucket)
	}
	return aws.ToString(out.UploadId), nil
}

// UploadPart stores part n; its body is sent as Put's is (see body.go).
func (s *Store) UploadPart(ctx context.Context, bucket, key, uploadID string, n int, r io.Reader, size int64) (lake.Part, error) {
	what := bucket + "/" + key
	if err := checkObject(bucket, key); err != nil {
		return lake.Part{}, err
	}
	if n < 1 || n > maxParts {
		return lake.Part{}, fmt.Errorf("s3: upload part %s: part number %d outside 1..%d", what, n, maxParts)
	}
	b, err := s.sizedBody(r, size)
	if err != nil {
		return lake.Part{}, fmt.Errorf("s3: upload part %s: %w", what, err)
	}
	defer b.done()
	out, err := s.client.UploadPart(ctx, &awss3.UploadPartInput{
		Bucket:        &bucket,
		Key:           &key,
		UploadId:      &uploadID,
		PartNumber:    aws.Int32(int32(n)),
		Body:          b.r,
		ContentLength: &b.size,
	}, b.options()...)
	if err != nil {
		if berr := b.failure(); berr != nil {
			return lake.Part{}, fmt.Errorf("s3: upload part %s: %w", what, berr)
		}
		return lake.Part{}, fail("upload part", what, err, lake.ErrNoSuchUpload)
	}
	return lake.Part{Number: n, ETag: unquote(out.ETag), Size: b.size, LastModified: time.Now().UTC()}, nil
}

// CompleteUpload joins parts into the object, then heads it: S3's answer
// has the ETag but not the size or time.
func (s *Store) CompleteUpload(ctx context.Context, bucket, key, uploadID string, parts []lake.Part) (lake.ObjectInfo, error) {
	what := bucket + "/" + key
	if err := checkObject(bucket, key); err != nil {
		return lake.ObjectInfo{}, err
	}
	completed := make([]types.CompletedPart, len(parts))
	for i, p := range parts {
		// Checked here too: some stores sort the list instead of refusing it.
		if i > 0 && p.Number <= parts[i-1].Number {
			return lake.ObjectInfo{}, fmt.Errorf("s3: complete %s: part %d after %d: %w",
				what, p.Number, parts[i-1].Number, lake.ErrInvalidPartOrder)
		}
		// Quoted, as S3 sends ETags and as strict stores want them back.
		completed[i] = types.CompletedPart{PartNumber: aws.Int32(int32(p.Number)), ETag: aws.String(`"` + p.ETag + `"`)}
	}
	out, err := s.client.CompleteMultipartUpload(ctx, &awss3.CompleteMultipartUploadInput{
		Bucket:          &bucket,
		Key:             &key,
		UploadId:        &uploadID,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: completed},
	})
	if err != nil {
		return lake.ObjectInfo{}, fail("complete", what, err, lake.ErrNoSuchUpload)
	}
	info, err := s.Head(ctx, bucket, key)
	if err != nil {
		// The object is complete but already gone (or the store flaked):
		// describe what was completed, its size unknown, rather than report
		// a failure of an upload that can no longer be retried.
		return lake.ObjectInfo{Key: key, Size: -1, ETag: unquote(out.ETag), LastModified: time.Now().UTC()}, nil
	}
	return info, nil
}

// AbortUpload discards an upload and its parts.
func (s *Store) AbortUpload(ctx context.Context, bucket, key, uploadID string) error {
	what := bucket + "/" + key
	if err := checkObject(bucket, key); err != nil {
		return err
	}
	_, err := s.client.AbortMultipartUpload(ctx, &awss3.AbortMultipartUploadInput{
		Bucket: &bucket, Key: &key, UploadId: &uploadID,
	})
	if err != nil {
		return fail("abort", what, err, lake.ErrNoSuchUpload)
	}
	return nil
}

// ListParts lists an upload's parts by number, all pages of them.
func (s *Store) ListParts(ctx context.Context, bucket, key, uploadID string) ([]lake.Part, error) {
	what := bucket + "/" + key
	if err := checkObject(bucket, key); err != nil {
		return nil, err
	}
	in := &awss3.ListPartsInput{Bucket: &bucket, Key: &key, UploadId: &uploadID}
	var parts []lake.Part
	for {
		out, err := s.client.ListParts(ctx, in)
		if err != nil {
			return nil, fail("list parts", what, err, lake.ErrNoSuchUpload)
		}
		for _, p := range out.Parts {
			parts = append(parts, lake.Part{
				Number:       int(aws.ToInt32(p.PartNumber)),
				ETag:         unquote(p.ETag),
				Size:         aws.ToInt64(p.Size),
				LastModified: aws.ToTime(p.LastModified),
			})
		}
		next := aws.ToString(out.NextPartNumberMarker)
		if !aws.ToBool(out.IsTruncated) || !advances(next, aws.ToString(in.PartNumberMarker)) {
			return parts, nil
		}
		in.PartNumberMarker = &next
	}
}

// advances reports whether a part number marker moved forward, so that a
// store that keeps answering "truncated" cannot loop forever.
func advances(next, prev string) bool {
	n, err := strconv.Atoi(next)
	p, _ := strconv.Atoi(prev)
	return err == nil && n > p
}

// ListUploads lists the uploads in progress whose keys start with prefix.
func (s *Store) ListUploads(ctx context.Context, bucket, prefix string) ([]lake.Upload, error) {
	if err := checkBucket(bucket); err != nil {
		return nil, err
	}
	in := &awss3.ListMultipartUploadsInput{Bucket: &bucket, Prefix: nonEmpty(prefix)}
	var uploads []lake.Upload
	for {
		out, err := s.client.ListMultipartUploads(ctx, in)
		if err != nil {
			return nil, fail("list uploads", bucket, err, lake.ErrNoSuchBucket)
		}
		for _, u := range out.Uploads {
			uploads = append(uploads, lake.Upload{
				Key:       aws.ToString(u.Key),
				ID:        aws.ToString(u.UploadId),
				Initiated: aws.ToTime(u.Initiated),
			})
		}
		key, id := aws.ToString(out.NextKeyMarker), aws.ToString(out.NextUploadIdMarker)
		if !aws.ToBool(out.IsTruncated) || (key == aws.ToString(in.KeyMarker) && id == aws.ToString(in.UploadIdMarker)) {
			return uploads, nil
		}
		in.KeyMarker, in.UploadIdMarker = &key, &id
	}
}
