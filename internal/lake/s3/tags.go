package s3

import (
	"context"
	"errors"
	"net/url"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/tarnlake/tarn/internal/lake"
)

// Tags map onto S3's own tagging calls: the remote store keeps them with the
// object (a tagging call does not rewrite the data) and with the bucket.

// ObjectTags returns an object's tags.
func (s *Store) ObjectTags(ctx context.Context, bucket, key string) (map[string]string, error) {
	what := bucket + "/" + key
	if err := checkObject(bucket, key); err != nil {
		return nil, err
	}
	out, err := s.client.GetObjectTagging(ctx, &awss3.GetObjectTaggingInput{Bucket: &bucket, Key: &key})
	if err != nil {
		return nil, fail("get tags of", what, err, lake.ErrNoSuchKey)
	}
	return fromTagSet(out.TagSet), nil
}

// SetObjectTags replaces an object's tags; no tags deletes the tag set.
func (s *Store) SetObjectTags(ctx context.Context, bucket, key string, tags map[string]string) error {
	what := bucket + "/" + key
	if err := checkObject(bucket, key); err != nil {
		return err
	}
	var err error
	if len(tags) == 0 {
		_, err = s.client.DeleteObjectTagging(ctx, &awss3.DeleteObjectTaggingInput{Bucket: &bucket, Key: &key})
	} else {
		_, err = s.client.PutObjectTagging(ctx, &awss3.PutObjectTaggingInput{
			Bucket: &bucket, Key: &key, Tagging: &types.Tagging{TagSet: toTagSet(tags)},
		})
	}
	if err != nil {
		return fail("set tags of", what, err, lake.ErrNoSuchKey)
	}
	return nil
}

// BucketTags returns a bucket's tags; S3 answers NoSuchTagSet for none.
func (s *Store) BucketTags(ctx context.Context, bucket string) (map[string]string, error) {
	if err := checkBucket(bucket); err != nil {
		return nil, err
	}
	out, err := s.client.GetBucketTagging(ctx, &awss3.GetBucketTaggingInput{Bucket: &bucket})
	if err != nil {
		var apiErr smithy.APIError
		if errors.As(err, &apiErr) && apiErr.ErrorCode() == "NoSuchTagSet" {
			return nil, nil
		}
		return nil, fail("get tags of", bucket, err, lake.ErrNoSuchBucket)
	}
	return fromTagSet(out.TagSet), nil
}

// SetBucketTags replaces a bucket's tags; no tags deletes the tag set.
func (s *Store) SetBucketTags(ctx context.Context, bucket string, tags map[string]string) error {
	if err := checkBucket(bucket); err != nil {
		return err
	}
	var err error
	if len(tags) == 0 {
		_, err = s.client.DeleteBucketTagging(ctx, &awss3.DeleteBucketTaggingInput{Bucket: &bucket})
	} else {
		_, err = s.client.PutBucketTagging(ctx, &awss3.PutBucketTaggingInput{
			Bucket: &bucket, Tagging: &types.Tagging{TagSet: toTagSet(tags)},
		})
	}
	if err != nil {
		return fail("set tags of", bucket, err, lake.ErrNoSuchBucket)
	}
	return nil
}

func toTagSet(tags map[string]string) []types.Tag {
	set := make([]types.Tag, 0, len(tags))
	for k, v := range tags {
		set = append(set, types.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	sort.Slice(set, func(i, j int) bool { return *set[i].Key < *set[j].Key })
	return set
}

func fromTagSet(set []types.Tag) map[string]string {
	if len(set) == 0 {
		return nil
	}
	tags := make(map[string]string, len(set))
	for _, t := range set {
		tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return tags
}

// tagging encodes tags as the x-amz-tagging header of a write: URL query
// parameters. nil for no tags.
func tagging(tags map[string]string) *string {
	if len(tags) == 0 {
		return nil
	}
	v := url.Values{}
	for k, t := range tags {
		v.Set(k, t)
	}
	return aws.String(v.Encode())
}
