package delivery

import (
	"context"
	"errors"
	"strings"

	"github.com/tarnlake/tarn/internal/catalog"
)

// addPartitions registers, in the conversion's table, the partitions the
// buffer's objects went into, so that they are queryable at once without
// a crawl. An object's folder below the table's location gives the
// values: key=value segments (Hive style) or plain ones, in the order of
// the table's partition keys; a folder that does not fit is left alone.
func (w *worker) addPartitions(ctx context.Context, bucket string, tb catalog.Table, objects []string) error {
	if !w.cfg.S3.Conversion.On() || len(objects) == 0 || len(tb.PartitionKeys) == 0 {
		return nil
	}
	loc := strings.TrimSuffix(tb.Storage.Location, "/") + "/"
	seen := map[string]bool{}
	var parts []catalog.Partition
	for _, o := range objects {
		full := "s3://" + bucket + "/" + o
		rel, ok := strings.CutPrefix(full, loc)
		if !ok {
			continue
		}
		segs := strings.Split(rel, "/")
		segs = segs[:len(segs)-1] // the file
		if len(segs) != len(tb.PartitionKeys) {
			continue
		}
		values := make([]string, len(segs))
		for i, s := range segs {
			if k, v, ok := strings.Cut(s, "="); ok {
				if !strings.EqualFold(k, tb.PartitionKeys[i].Name) {
					values = nil
					break
				}
				s = v
			}
			values[i] = s
		}
		if values == nil || seen[strings.Join(values, "\x00")] {
			continue
		}
		seen[strings.Join(values, "\x00")] = true
		sd := tb.Storage
		sd.Location = loc + strings.Join(segs, "/") + "/"
		parts = append(parts, catalog.Partition{Database: tb.Database, Table: tb.Name, Values: values, Storage: sd})
	}
	if len(parts) == 0 {
		return nil
	}
	errs, err := w.s.opts.Catalog.CreatePartitions(ctx, tb.Database, tb.Name, parts)
	if err != nil {
		return err
	}
	for _, e := range errs {
		if e != nil && !errors.Is(e, catalog.ErrExists) {
			return e
		}
	}
	return nil
}
