package pipeline

import (
	"context"
	"slices"
	"strings"
)

// Export is what the target holds, as a spec: applied to a fresh tarn, it
// makes the same pipelines. Crawlers of the warehouse (JDBC targets) are
// not declared by specs yet and are left out.
func Export(ctx context.Context, t Target) (Spec, error) {
	var s Spec
	keys, err := exportKeys(t)
	if err != nil {
		return s, err
	}
	s.Keys = keys
	buckets, err := t.S3.ListBuckets(ctx)
	if err != nil {
		return s, err
	}
	for _, b := range buckets {
		if !t.own("bucket", b) {
			s.Buckets = append(s.Buckets, Bucket{Name: b})
		}
	}
	streams, err := listStreams(ctx, t)
	if err != nil {
		return s, err
	}
	for _, name := range sortedKeys(streams) {
		st := streams[name]
		s.Streams = append(s.Streams, Stream{Name: name, Shards: st.Shards, RetentionHours: st.RetentionHours})
	}
	dbs, err := listDatabases(ctx, t)
	if err != nil {
		return s, err
	}
	for _, name := range sortedKeys(dbs) {
		s.Databases = append(s.Databases, Database{Name: name, Description: dbs[name]})
	}
	crawlers, err := listCrawlers(ctx, t)
	if err != nil {
		return s, err
	}
	for _, name := range sortedKeys(crawlers) {
		if c := crawlers[name]; !c.jdbc {
			s.Crawlers = append(s.Crawlers, c.Crawler)
		}
	}
	return s, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, strings.Compare)
	return keys
}
