package pipeline

import (
	"context"
	"slices"
	"strings"
)

// Export is what the target holds, as a spec: applied to a fresh tarn, it
// makes the same pipelines. Crawlers of the warehouse (JDBC targets) are
// not declared by specs yet and are left out, as are the catalog tables
// crawlers make (they make them again); functions are listed with a code
// folder named after them, which the Lambda API does not fill.
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
	var names []string
	for _, b := range buckets {
		if !t.own("bucket", b) {
			s.Buckets = append(s.Buckets, Bucket{Name: b})
			names = append(names, b)
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
		tables, err := exportCatalogTables(ctx, t, name)
		if err != nil {
			return s, err
		}
		s.Databases = append(s.Databases, Database{Name: name, Description: dbs[name], Tables: tables})
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
	if t.Lambda != nil {
		if s.Functions, err = exportFunctions(ctx, t); err != nil {
			return s, err
		}
	}
	if t.Warehouse != nil {
		if s.WarehouseTables, err = exportWarehouseTables(ctx, t, dbs); err != nil {
			return s, err
		}
	}
	if t.Firehose != nil {
		if s.Deliveries, err = exportDeliveries(ctx, t); err != nil {
			return s, err
		}
	}
	if s.Rules, err = exportRules(ctx, t, names); err != nil {
		return s, err
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
