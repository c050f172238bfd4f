package pipeline

import (
	"context"
	"slices"
)

type bucketKind struct{}

func (bucketKind) plan(ctx context.Context, t Target, s Spec) ([]Change, int, error) {
	if s.Buckets == nil {
		return nil, 0, nil // no buckets: section, none managed (and none listed)
	}
	have, err := t.S3.ListBuckets(ctx)
	if err != nil {
		return nil, 0, err
	}
	var out []Change
	want := map[string]bool{}
	n := 0
	for _, b := range s.Buckets {
		want[b.Name] = true
		if slices.Contains(have, b.Name) {
			n++
			continue
		}
		out = append(out, Change{Op: Create, Kind: "bucket", Name: b.Name,
			do: func(ctx context.Context) error { return t.S3.CreateBucket(ctx, b.Name) }})
	}
	for _, name := range have {
		if s.Buckets != nil && !want[name] && !t.own("bucket", name) {
			out = append(out, Change{Op: Delete, Kind: "bucket", Name: name,
				do: func(ctx context.Context) error { return t.S3.DeleteBucket(ctx, name) }})
		}
	}
	return out, n, nil
}
