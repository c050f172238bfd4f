package s3

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/tarnlake/tarn/internal/lake"
)

// CreateBucket creates a bucket in the store's region.
func (s *Store) CreateBucket(ctx context.Context, name string) error {
	if err := checkBucket(name); err != nil {
		return err
	}
	// AWS in us-east-1 answers 200 to creating a bucket its caller already
	// owns, so ask first to return ErrBucketExists everywhere.
	if _, err := s.client.HeadBucket(ctx, &awss3.HeadBucketInput{Bucket: &name}); err == nil {
		return fmt.Errorf("s3: create bucket %s: %w", name, lake.ErrBucketExists)
	}
	in := &awss3.CreateBucketInput{Bucket: &name}
	if s.region != "us-east-1" {
		in.CreateBucketConfiguration = &types.CreateBucketConfiguration{
			LocationConstraint: types.BucketLocationConstraint(s.region),
		}
	}
	if _, err := s.client.CreateBucket(ctx, in); err != nil {
		return fail("create bucket", name, err, nil)
	}
	return nil
}

// DeleteBucket removes an empty bucket.
func (s *Store) DeleteBucket(ctx context.Context, name string) error {
	if err := checkBucket(name); err != nil {
		return err
	}
	if _, err := s.client.DeleteBucket(ctx, &awss3.DeleteBucketInput{Bucket: &name}); err != nil {
		return fail("delete bucket", name, err, lake.ErrNoSuchBucket)
	}
	return nil
}

// HeadBucket says whether a bucket exists, and when it was created.
func (s *Store) HeadBucket(ctx context.Context, name string) (lake.Bucket, error) {
	if err := checkBucket(name); err != nil {
		return lake.Bucket{}, err
	}
	if _, err := s.client.HeadBucket(ctx, &awss3.HeadBucketInput{Bucket: &name}); err != nil {
		return lake.Bucket{}, fail("head bucket", name, err, lake.ErrNoSuchBucket)
	}
	// HeadBucket does not tell the creation date; the listing does. Callers
	// that may head but not list all buckets still learn that it exists.
	b := lake.Bucket{Name: name}
	if all, err := s.listBuckets(ctx, name); err == nil {
		if i := slices.IndexFunc(all, func(x lake.Bucket) bool { return x.Name == name }); i >= 0 {
			b = all[i]
		}
	}
	return b, nil
}

// ListBuckets lists every bucket, sorted by name.
func (s *Store) ListBuckets(ctx context.Context) ([]lake.Bucket, error) {
	all, err := s.listBuckets(ctx, "")
	if err != nil {
		return nil, fail("list buckets", "", err, nil)
	}
	return all, nil
}

// listBuckets pages through ListBuckets. Stores that ignore Prefix return
// all buckets, so it filters too.
func (s *Store) listBuckets(ctx context.Context, prefix string) ([]lake.Bucket, error) {
	in := &awss3.ListBucketsInput{}
	if prefix != "" {
		in.Prefix = &prefix
	}
	var all []lake.Bucket
	for {
		out, err := s.client.ListBuckets(ctx, in)
		if err != nil {
			return nil, err
		}
		for _, b := range out.Buckets {
			name := aws.ToString(b.Name)
			if strings.HasPrefix(name, prefix) {
				all = append(all, lake.Bucket{Name: name, Created: aws.ToTime(b.CreationDate)})
			}
		}
		token := aws.ToString(out.ContinuationToken)
		if token == "" || token == aws.ToString(in.ContinuationToken) {
			break
		}
		in.ContinuationToken = &token
	}
	slices.SortFunc(all, func(a, b lake.Bucket) int { return strings.Compare(a.Name, b.Name) })
	return all, nil
}
