package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/tarnlake/tarn/internal/crawl"
	"github.com/tarnlake/tarn/internal/crawl/benchlake"
)

// The generated lake: four tables of 250 partitions (dt × hour) with 10
// files each, one table per format. With a server of its own, bench pads
// the newline-delimited JSON files to 4 MiB with holes, making the lake
// about 10 GiB logical: a crawler must not read it all.
const (
	crawlTables    = 4
	crawlDays      = 25
	crawlHours     = 10
	crawlFilesEach = 10
	crawlPadTo     = 4 << 20
)

// benchCrawl times a full crawl of the generated lake against the least
// any crawler does (list it and read each file's head and tail), and an
// incremental CRAWL_NEW_FOLDERS_ONLY crawl after 100 new files.
func benchCrawl(ctx context.Context, o benchOptions) error {
	t, stop, err := benchClient(ctx, &o)
	if err != nil {
		return err
	}
	defer stop()
	sc := s3.NewFromConfig(t.cfg, func(so *s3.Options) { so.UsePathStyle, so.HTTPClient = true, t.http })
	gc := newJSONClient(t.cfg, t.http, "AWSGlue", "glue")
	bucket := fmt.Sprintf("crawl-%d", time.Now().UnixNano())
	if _, err := sc.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &bucket}); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	start := time.Now()
	files, err := generateLake(ctx, sc, bucket, 0)
	if err != nil {
		return err
	}
	lakeDir := filepath.Join(o.dir, "data", "lake", bucket)
	logical, err := padLake(lakeDir, t.pid != 0)
	if err != nil {
		return err
	}
	fmt.Printf("generated %d files, %s logical, in %.1fs\n", files, bytesIEC(logical), time.Since(start).Seconds())

	full := &figure{name: "crawl 10k files", unit: "s"}
	incr := &figure{name: "crawl +100 new", unit: "s"}
	var read int64
	for run := 1; run <= o.runs; run++ {
		refTime := time.Duration(0)
		if t.pid != 0 {
			if refTime, err = readHeads(lakeDir); err != nil {
				return err
			}
		}
		name := fmt.Sprintf("bench-%d-%d", time.Now().UnixNano(), run)
		db := strings.ReplaceAll(name, "-", "_")
		err := gc.Call(ctx, "CreateCrawler", map[string]any{"Name": name, "Role": "bench", "DatabaseName": db,
			"Targets":            map[string]any{"S3Targets": []map[string]string{{"Path": "s3://" + bucket + "/"}}},
			"SchemaChangePolicy": map[string]string{"UpdateBehavior": crawl.UpdateLog, "DeleteBehavior": crawl.DeleteLog},
			"RecrawlPolicy":      map[string]string{"RecrawlBehavior": crawl.RecrawlNew}}, nil)
		if err != nil {
			return fmt.Errorf("bench: %w", err)
		}
		secs, sum, err := timeCrawl(ctx, gc, name)
		if err != nil {
			return err
		}
		if sum.TablesCreated != crawlTables {
			return fmt.Errorf("bench: the crawl made %d tables, not %d: %v", sum.TablesCreated, crawlTables, sum.Changes)
		}
		read = sum.BytesRead
		full.add(secs.Seconds(), max(refTime.Seconds(), 1e-9))

		if _, err := generateLake(ctx, sc, bucket, run); err != nil {
			return err
		}
		secs, sum, err = timeCrawl(ctx, gc, name)
		if err != nil {
			return err
		}
		if sum.FilesClassified != 100 || sum.PartitionsAdded != 10 {
			return fmt.Errorf("bench: the incremental crawl classified %d files and added %d partitions, not 100 and 10", sum.FilesClassified, sum.PartitionsAdded)
		}
		incr.add(secs.Seconds(), 1)
	}
	fmt.Println(full.String() + "  (reference: list the folder, read each file's first and last 64 KiB)")
	fmt.Printf("%-16s %10.2f s (goal ≤ 1 s)\n", incr.name, median(incr.got))
	fmt.Printf("bytes read by the full crawl: %s of %s (%.3f%%)\n", bytesIEC(read), bytesIEC(logical), 100*float64(read)/float64(max(logical, 1)))
	return nil
}

// generateLake puts the lake's files (set 0), or for set n > 0 100 files
// in 10 new partitions of the first table.
func generateLake(ctx context.Context, c *s3.Client, bucket string, set int) (int, error) {
	type obj struct {
		key  string
		body []byte
	}
	tables := benchlake.Tables()
	var objs []obj
	if set == 0 {
		for _, tb := range tables {
			for d := 1; d <= crawlDays; d++ {
				for h := range crawlHours {
					for f := range crawlFilesEach {
						objs = append(objs, obj{fmt.Sprintf("%s/dt=2026-01-%02d/hour=%02d/part-%04d%s", tb.Name, d, h, f, tb.Ext), tb.Body})
					}
				}
			}
		}
	} else {
		for h := range 10 {
			for f := range 10 {
				objs = append(objs, obj{fmt.Sprintf("%s/dt=2026-02-%02d/hour=%02d/part-%04d%s", tables[0].Name, set, h, f, tables[0].Ext), tables[0].Body})
			}
		}
	}
	var next atomic.Int64
	err := parallel(16, func(int) error {
		for {
			i := int(next.Add(1) - 1)
			if i >= len(objs) {
				return nil
			}
			if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: &objs[i].key, Body: bytes.NewReader(objs[i].body)}); err != nil {
				return fmt.Errorf("bench: put %s: %w", objs[i].key, err)
			}
		}
	})
	return len(objs), err
}

// padLake extends the newline-delimited JSON files to crawlPadTo with a
// hole (when the lake folder is ours) and returns the lake's logical size.
func padLake(dir string, pad bool) (int64, error) {
	var total int64
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if pad && strings.HasSuffix(p, ".json") && !strings.HasSuffix(p, ".gz") {
			if err := os.Truncate(p, crawlPadTo); err != nil {
				return err
			}
		}
		fi, err := d.Info()
		if err == nil {
			total += fi.Size()
		}
		return err
	})
	return total, err
}

// readHeads is the reference: walk the lake folder and read the first and
// last 64 KiB of every file, the least a crawler must do.
func readHeads(dir string) (time.Duration, error) {
	start := time.Now()
	buf := make([]byte, 64<<10)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil {
			return err
		}
		if _, err := f.ReadAt(buf, 0); err != nil && err != io.EOF {
			return err
		}
		if _, err := f.ReadAt(buf, max(0, fi.Size()-int64(len(buf)))); err != nil && err != io.EOF {
			return err
		}
		return nil
	})
	return time.Since(start), err
}

// timeCrawl starts a crawler and waits for its run to end.
func timeCrawl(ctx context.Context, c *jsonClient, name string) (time.Duration, crawl.Summary, error) {
	start := time.Now()
	if err := c.Call(ctx, "StartCrawler", map[string]string{"Name": name}, nil); err != nil {
		return 0, crawl.Summary{}, fmt.Errorf("bench: %w", err)
	}
	for {
		var out struct{ Crawler struct{ State string } }
		if err := c.Call(ctx, "GetCrawler", map[string]string{"Name": name}, &out); err != nil {
			return 0, crawl.Summary{}, fmt.Errorf("bench: %w", err)
		}
		if out.Crawler.State == crawl.StateReady {
			took := time.Since(start)
			run, err := latestCrawl(ctx, c, name)
			if err != nil || run == nil {
				return 0, crawl.Summary{}, fmt.Errorf("bench: no run of %s: %v", name, err)
			}
			if run.State != crawl.RunCompleted {
				return 0, run.summary(), fmt.Errorf("bench: crawl %s: %s", run.State, run.ErrorMessage)
			}
			return took, run.summary(), nil
		}
		time.Sleep(5 * time.Millisecond)
	}
}
