package hiveddl

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tarnlake/tarn/internal/catalog"
	"github.com/tarnlake/tarn/internal/lake"
	"github.com/tarnlake/tarn/internal/query"
)

// pageSize is how many keys one List call asks for; tests lower it to
// exercise paging.
var pageSize = 1000

// createBatch bounds the partitions one catalog transaction adds.
const createBatch = 1000

// msck is MSCK REPAIR TABLE [db.]name [ADD PARTITIONS]: it adds the
// partitions whose k=v folders are in the lake but not in the catalog.
type msck struct{ ref tableRef }

func (p *parser) msck() (command, error) {
	if err := p.expectKw("REPAIR", "TABLE"); err != nil {
		return nil, err
	}
	ref, err := p.tableName()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); isKw(t, "DROP") || isKw(t, "SYNC") {
		return nil, p.fail(query.CodeFeature, t, "MSCK REPAIR TABLE ... %s PARTITIONS is not supported: tarn only adds partitions (use ALTER TABLE ... DROP PARTITION)", strings.ToUpper(t.text))
	}
	p.kw("ADD", "PARTITIONS")
	return &msck{ref: ref}, p.end()
}

// folder is a partition folder found in the lake: its prefix (ending in
// "/") and the values its path gives.
type folder struct {
	prefix string
	vals   []string
}

func (c *msck) run(ctx context.Context, e *env) (Result, error) {
	res := Result{Tag: "MSCK REPAIR TABLE", Columns: []string{"result"}}
	t, err := e.table(ctx, c.ref)
	if err != nil {
		return res, err
	}
	if len(t.PartitionKeys) == 0 {
		return res, errorf(invalidValue, "table %s.%s is not partitioned: MSCK REPAIR TABLE has nothing to add", t.Database, t.Name)
	}
	bucket, prefix, ok := splitS3(t.Storage.Location)
	if !ok {
		return res, errorf(invalidValue, "table %s.%s has location %q, not in the lake (s3://bucket/prefix/)", t.Database, t.Name, t.Storage.Location)
	}
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	known := map[string]bool{}
	have, err := e.cat.GetPartitions(ctx, t.Database, t.Name)
	if err != nil {
		return res, e.tableErr(ctx, err, t.Database, t.Name)
	}
	for _, pt := range have {
		known[strings.Join(pt.Values, "\x00")] = true
	}
	// Walk one partition level at a time with the "/" delimiter, so the
	// lake rolls each folder up instead of listing every file in it.
	found := []folder{{prefix: prefix}}
	for _, key := range t.PartitionKeys {
		var next []folder
		for _, f := range found {
			err := e.listFolders(ctx, bucket, f.prefix, func(sub string) {
				if v, ok := partitionValue(strings.TrimSuffix(sub[len(f.prefix):], "/"), key.Name); ok {
					next = append(next, folder{prefix: sub, vals: append(f.vals[:len(f.vals):len(f.vals)], v)})
				}
			})
			if err != nil {
				return res, e.lakeErr(ctx, err, t)
			}
		}
		found = next
	}
	var parts []catalog.Partition
	for _, f := range found {
		if k := strings.Join(f.vals, "\x00"); !known[k] {
			known[k] = true
			sd := t.Storage
			sd.Location = "s3://" + bucket + "/" + f.prefix
			parts = append(parts, catalog.Partition{Values: f.vals, Storage: sd})
		}
	}
	for len(parts) > 0 {
		batch := parts[:min(len(parts), createBatch)]
		parts = parts[len(batch):]
		errs, err := e.cat.CreatePartitions(ctx, t.Database, t.Name, batch)
		if err != nil {
			return res, e.tableErr(ctx, err, t.Database, t.Name)
		}
		for i, err := range errs {
			// Partitions added meanwhile, or with values the catalog
			// refuses, are skipped as Hive skips folders it cannot use.
			if err == nil {
				res.Rows = append(res.Rows, []string{"Partitions not in metastore: " + t.Name + ":" + partName(t.PartitionKeys, batch[i].Values)})
			}
		}
	}
	return res, nil
}

// partitionValue reads a folder name of the form key=value, the value
// unescaped as Hive does; hidden folders (_temporary, .staging) and those
// of another key are not partitions.
func partitionValue(name, key string) (string, bool) {
	if name == "" || name[0] == '_' || name[0] == '.' {
		return "", false
	}
	k, v, ok := strings.Cut(name, "=")
	if !ok || !strings.EqualFold(unescapePathName(k), key) {
		return "", false
	}
	v = unescapePathName(v)
	if v == "" || !utf8.ValidString(v) || strings.IndexByte(v, 0) >= 0 {
		return "", false
	}
	return v, true
}

// listFolders calls fn with each folder directly under prefix, page by page.
func (e *env) listFolders(ctx context.Context, bucket, prefix string, fn func(string)) error {
	if e.objs == nil {
		return errors.New("no lake to list")
	}
	return lake.ListPages(ctx, e.objs, bucket, lake.ListOptions{Prefix: prefix, Delimiter: "/", MaxKeys: pageSize}, func(res lake.ListResult) error {
		for _, cp := range res.CommonPrefixes {
			if strings.HasPrefix(cp, prefix) && len(cp) > len(prefix)+1 {
				fn(cp)
			}
		}
		return nil
	})
}

func (e *env) lakeErr(ctx context.Context, err error, t catalog.Table) error {
	if errors.Is(err, lake.ErrNoSuchBucket) {
		return errorf(invalidValue, "table %s.%s: the bucket of its location %s does not exist", t.Database, t.Name, t.Storage.Location)
	}
	if ctx.Err() == nil {
		err = errors.New("list " + t.Storage.Location + ": " + err.Error())
	}
	return e.fail(ctx, err)
}

// partName is Hive's name for a partition, also its folder: k1=v1/k2=v2
// with both sides escaped.
func partName(keys []catalog.Column, vals []string) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		v := ""
		if i < len(vals) {
			v = vals[i]
		}
		parts[i] = escapePathName(k.Name) + "=" + escapePathName(v)
	}
	return strings.Join(parts, "/")
}

// escapePathName escapes the characters Hive escapes in partition folder
// names (FileUtils.escapePathName) as %XX.
func escapePathName(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c == 0x7f || strings.IndexByte("\"#%'*/:=?\\{[]^", c) >= 0 {
			fmt.Fprintf(&b, "%%%02X", c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// unescapePathName undoes escapePathName; a % not followed by two hex
// digits stays as it is.
func unescapePathName(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				b.WriteByte(byte(n))
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
