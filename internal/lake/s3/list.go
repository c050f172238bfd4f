package s3

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/tarnlake/tarn/internal/lake"
)

// maxKeys is S3's largest page, and the seam's default.
const maxKeys = 1000

// List lists one page with ListObjectsV2.
//
// The seam resumes a listing after the last key or common prefix of a page
// (ListResult.Next), not with S3's opaque continuation token. Resuming after
// a key is S3's StartAfter. Resuming after a common prefix such as "a/" is
// not: the keys under it sort after it and S3 would roll them up into "a/"
// again. So that prefix is dropped from the answer, and one more entry is
// asked for to make up for it.
func (s *Store) List(ctx context.Context, bucket string, opts lake.ListOptions) (lake.ListResult, error) {
	if err := checkBucket(bucket); err != nil {
		return lake.ListResult{}, err
	}
	limit := opts.MaxKeys
	if limit <= 0 || limit > maxKeys {
		limit = maxKeys
	}
	skip := ""
	ask := limit
	if isCommonPrefix(opts) {
		skip = opts.StartAfter
		ask = min(limit+1, maxKeys)
	}
	out, err := s.client.ListObjectsV2(ctx, &awss3.ListObjectsV2Input{
		Bucket:     &bucket,
		Prefix:     nonEmpty(opts.Prefix),
		Delimiter:  nonEmpty(opts.Delimiter),
		StartAfter: nonEmpty(opts.StartAfter),
		MaxKeys:    aws.Int32(int32(ask)),
	})
	if err != nil {
		return lake.ListResult{}, fail("list", bucket, err, lake.ErrNoSuchBucket)
	}
	res := page(out.Contents, out.CommonPrefixes, skip, limit)
	if !res.Truncated && aws.ToBool(out.IsTruncated) {
		res.Truncated = true
		res.Next = res.lastKey
	}
	if res.Truncated && res.Next == "" {
		return lake.ListResult{}, fmt.Errorf("s3: list %s: store answered an empty truncated page", bucket)
	}
	return res.ListResult, nil
}

// isCommonPrefix reports whether opts.StartAfter has the shape of a common
// prefix of this listing: the prefix, then a delimiter at its very end.
func isCommonPrefix(opts lake.ListOptions) bool {
	rest, ok := strings.CutPrefix(opts.StartAfter, opts.Prefix)
	if opts.Delimiter == "" || !ok {
		return false
	}
	i := strings.Index(rest, opts.Delimiter)
	return i >= 0 && i+len(opts.Delimiter) == len(rest)
}

// listPage is a ListResult being built.
type listPage struct {
	lake.ListResult
	lastKey string // the greatest key or common prefix in the page
}

// page merges objects and common prefixes in byte order, drops skip, and
// keeps at most limit of them; Truncated and Next are set when it cut.
func page(objs []types.Object, cps []types.CommonPrefix, skip string, limit int) listPage {
	var p listPage
	for n := 0; len(objs) > 0 || len(cps) > 0; {
		var entry string
		var obj *types.Object
		if len(cps) == 0 || (len(objs) > 0 && aws.ToString(objs[0].Key) < aws.ToString(cps[0].Prefix)) {
			obj, entry = &objs[0], aws.ToString(objs[0].Key)
			objs = objs[1:]
		} else {
			entry = aws.ToString(cps[0].Prefix)
			cps = cps[1:]
		}
		if obj == nil && entry == skip {
			continue
		}
		if n == limit {
			p.Truncated, p.Next = true, p.lastKey
			return p
		}
		n++
		p.lastKey = entry
		if obj == nil {
			p.CommonPrefixes = append(p.CommonPrefixes, entry)
			continue
		}
		p.Objects = append(p.Objects, lake.ObjectInfo{
			Key:          entry,
			Size:         aws.ToInt64(obj.Size),
			ETag:         unquote(obj.ETag),
			LastModified: aws.ToTime(obj.LastModified),
		})
	}
	return p
}
