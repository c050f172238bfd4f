package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tarnlake/tarn/internal/catalog"
	"github.com/tarnlake/tarn/internal/catalog/embedded"
)

// BenchmarkViewScan aggregates 2M Parquet rows through a catalog view and,
// as the reference, with read_parquet on the same files.
func BenchmarkViewScan(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	cat, err := embedded.Open(filepath.Join(dir, "catalog.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer cat.Close()
	lakeDir := filepath.Join(dir, "lake")
	local := dirFiles(lakeDir)
	eng, err := Open(Options{Catalog: cat, Files: local, LakeDir: lakeDir, SyncEvery: time.Nanosecond})
	if err != nil {
		b.Fatal(err)
	}
	defer eng.Close()
	s, _ := eng.Session(ctx, "bench")
	defer s.Close()
	out := filepath.Join(lakeDir, "b", "t")
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		b.Fatal(err)
	}
	if _, err := eng.db.ExecContext(ctx, fmt.Sprintf(`COPY (SELECT range AS id, range %% 16 AS grp, (range %% 997)::DOUBLE AS score, range %% 4 AS part
		FROM range(2000000)) TO '%s' (FORMAT parquet, PARTITION_BY (part))`, out)); err != nil {
		b.Fatal(err)
	}
	cat.CreateDatabase(ctx, catalog.Database{Name: "d"})
	cat.CreateTable(ctx, catalog.Table{Database: "d", Name: "t", TableType: catalog.TableType,
		Parameters:    map[string]string{"classification": "parquet"},
		PartitionKeys: []catalog.Column{{Name: "part", Type: "string"}},
		Storage: catalog.StorageDescriptor{Location: "s3://b/t/", Columns: []catalog.Column{
			{Name: "id", Type: "bigint"}, {Name: "grp", Type: "bigint"}, {Name: "score", Type: "double"}}}})
	const q = "SELECT grp, count(*), sum(score) FROM %s GROUP BY grp"
	for _, c := range []struct{ name, from string }{
		{"view", "d.t"},
		{"read_parquet", fmt.Sprintf("read_parquet('%s/*/*.parquet', hive_partitioning = true)", out)},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if err := drain(s, ctx, fmt.Sprintf(q, c.from)); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(2e6*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// dirFiles is a lake of plain files under a folder, keys as paths.
type dirFiles string

func (d dirFiles) LocalPath(bucket, key string) (string, error) {
	return filepath.Join(string(d), bucket, key), nil
}
