package glueapi

import (
	"context"
	"io"
	"log/slog"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tarnlake/tarn/internal/awsapi/awsapitest"
	"github.com/tarnlake/tarn/internal/catalog"
	"github.com/tarnlake/tarn/internal/catalog/embedded"
)

// FuzzPartitionExpression compiles arbitrary expressions: none may panic,
// errors carry a position, and a filter that compiles decides every row
// the opposite way once negated.
func FuzzPartitionExpression(f *testing.F) {
	for _, seed := range []string{
		"year = 2024", "year > '10' AND region LIKE 'e%'", "year IN (1, 2, 3) OR NOT region = 'x'",
		"year BETWEEN -1.5e3 AND 2e10", "(year <> 1) AND (price >= 0.5)", "region IS NOT NULL", "'a''b' = region",
	} {
		f.Add(seed)
	}
	rows := [][]string{{"2024", "eu", "10.50"}, {"", "", ""}, {"-7", "x%y", "1e400"}, {"99999999999999999999", "é", "abc"}}
	f.Fuzz(func(t *testing.T, expr string) {
		flt, err := compileFilter(expr, testKeys)
		if err != nil {
			if !strings.Contains(err.Error(), "at position ") {
				t.Fatalf("%q: error without a position: %v", expr, err)
			}
			return
		}
		neg, err := compileFilter("NOT ("+expr+")", testKeys)
		if err != nil {
			return // grew past the length or depth limit
		}
		for _, row := range rows {
			if flt.match(row) == neg.match(row) {
				t.Fatalf("%q and its negation agree on %q", expr, row)
			}
		}
	})
}

// FuzzBodies feeds arbitrary bodies to every operation, with a database,
// a partitioned table and a crawler in place: no input may panic, and
// every answer is JSON, a 200 or a 400 error with a type.
func FuzzBodies(f *testing.F) {
	for _, seed := range []string{
		``, `{}`, `null`, `[]`, `{"Name":"db"}`, `{"DatabaseName":"db","Name":"t"}`,
		`{"DatabaseInput":{"Name":"x","Parameters":{"a":"b"}}}`,
		`{"DatabaseName":"db","TableInput":{"Name":"t2","PartitionKeys":[{"Name":"k"}],"StorageDescriptor":{"Columns":[{"Name":""}]}}}`,
		`{"DatabaseName":"db","TableName":"t","Expression":"k = '1' OR k LIKE '%'","MaxResults":1,"NextToken":"eA"}`,
		`{"DatabaseName":"db","TableName":"t","PartitionInputList":[{"Values":["1"]},{"Values":["1"]},{"Values":[]}]}`,
		`{"DatabaseName":"db","TableName":"t","Segment":{"SegmentNumber":3,"TotalSegments":2}}`,
		`{"Name":"c","Role":"r","Targets":{"S3Targets":[{"Path":"s3://b/"}]},"Schedule":"cron(x)"}`,
		`{"CsvClassifier":{"Name":"c","Delimiter":",,"},"GrokClassifier":{"Name":"g"}}`,
		`{"CrawlerName":"c","MaxResults":0,"Filters":[{}]}`,
	} {
		f.Add(seed)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ops := slices.Sorted(maps.Keys((&API{}).operations()))
	f.Fuzz(func(t *testing.T, body string) {
		store, err := embedded.Open(filepath.Join(t.TempDir(), "catalog.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer store.Close()
		ctx := context.Background()
		store.CreateDatabase(ctx, catalog.Database{Name: "db"})
		store.CreateTable(ctx, catalog.Table{Database: "db", Name: "t", PartitionKeys: []catalog.Column{{Name: "k", Type: "int"}}})
		fc := newFakeCrawlers()
		api := New(store, fc, log, Options{})
		for _, op := range ops {
			awsapitest.DoFuzz(t, api, "AWSGlue."+op, body)
		}
	})
}
