package lake

import "context"

// ListPages lists bucket page by page from opts, calling fn with each page
// until the listing ends, fn fails, or a page does not move on (which
// would otherwise loop forever).
func ListPages(ctx context.Context, o Objects, bucket string, opts ListOptions, fn func(ListResult) error) error {
	for {
		res, err := o.List(ctx, bucket, opts)
		if err != nil {
			return err
		}
		if err := fn(res); err != nil {
			return err
		}
		if !res.Truncated || res.Next <= opts.StartAfter {
			return nil
		}
		opts.StartAfter = res.Next
	}
}
