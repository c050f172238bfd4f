package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/tarnlake/tarn/internal/crawl"
)

const crawlUsage = `Usage:
  tarn crawl s3://BUCKET/PREFIX/ [--database NAME] [--name CRAWLER] [flags]

Crawls a prefix of the lake through a running tarn: classifies its files
(JSON, CSV, Parquet, Avro, compressed or not), infers and merges schemas,
finds partitions and writes tables into the catalog. The crawler is created
on first use (named after the path unless --name is given) and kept, so the
next run reads only what changed. Progress (files classified) goes to
standard error: a bar on a terminal, a line every few seconds elsewhere. The
summary lists tables created and updated, partitions added, files skipped
with the reason, and why a crawl failed.

Examples:
  tarn crawl s3://lake/events/ --database analytics
  tarn crawl s3://lake/ --exclude '**.tmp' --exclude 'scratch/**'
  tarn crawl s3://lake/logs/ --update-behavior LOG   # report schema changes, make none
`

type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func crawlCmd(ctx context.Context, args []string, con console) error {
	fs := newCommand("crawl", crawlUsage, con)
	var cf clientFlags
	cf.register(fs.FlagSet)
	db := fs.String("database", "default", "catalog `database` of the tables")
	name := fs.String("name", "", "crawler `name` (default: made from the path)")
	prefix := fs.String("table-prefix", "", "`prefix` of the names of the tables made")
	update := fs.String("update-behavior", crawl.UpdateInDB, "UPDATE_IN_DATABASE or LOG (report changes to existing tables only)")
	del := fs.String("delete-behavior", crawl.DeprecateInDB, "DEPRECATE_IN_DATABASE, DELETE_FROM_DATABASE or LOG, for tables whose files are gone")
	var excl stringList
	fs.Var(&excl, "exclude", "glob of keys to leave out, relative to the path (repeatable)")
	paths, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(paths) != 1 || !strings.HasPrefix(paths[0], "s3://") {
		return fs.usageErr("want one s3://BUCKET/PREFIX/ path")
	}
	path := paths[0]
	cfg, err := cf.awsConfig()
	if err != nil {
		return err
	}
	at := cf.remote()
	if err := checkBucket(ctx, cfg, at, path); err != nil {
		return err
	}
	c := newJSONClient(cfg, nil, "AWSGlue", "glue")
	if *name == "" {
		*name = "tarn-crawl-" + strings.Trim(strings.NewReplacer("/", "-", ":", "").Replace(strings.TrimPrefix(path, "s3://")), "-")
	}
	def := crawlerDef{name: *name, db: *db, path: path, prefix: *prefix, update: *update, del: *del, excl: excl}
	if err := def.ensure(ctx, c); err != nil {
		return at.explain("crawler "+*name, err)
	}
	prev, err := latestCrawl(ctx, c, *name)
	if err != nil {
		return at.explain("crawler "+*name, err)
	}
	if err := c.Call(ctx, "StartCrawler", map[string]string{"Name": *name}, nil); err != nil {
		return at.explain("start crawler "+*name, err)
	}
	run, err := waitCrawl(ctx, c, *name, prev, newProgress(con.err))
	if err != nil {
		return at.explain("crawl "+path, err)
	}
	if run.State != crawl.RunCompleted && run.ErrorMessage == "" {
		run.ErrorMessage = lastCrawlError(ctx, c, *name)
	}
	printSummary(con.out, *name, run)
	if run.State != crawl.RunCompleted {
		return fmt.Errorf("crawl of %s %s: %s", path, strings.ToLower(run.State), run.ErrorMessage)
	}
	return nil
}

// checkBucket makes sure the bucket of an s3:// path exists before a
// crawler is made for it.
func checkBucket(ctx context.Context, cfg aws.Config, at remote, path string) error {
	bucket, _, _ := strings.Cut(strings.TrimPrefix(path, "s3://"), "/")
	_, err := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }).
		HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)})
	if code, _, _ := apiErr(err); code == "NotFound" || code == "NoSuchBucket" {
		return fmt.Errorf("bucket %s does not exist at %s: create it with `aws s3 mb s3://%s --endpoint-url %s`", bucket, at.url, bucket, at.url)
	}
	return at.explain("crawl "+path, err)
}

// lastCrawlError is why the crawler's last crawl failed, as GetCrawler says.
func lastCrawlError(ctx context.Context, c *jsonClient, name string) string {
	var out struct {
		Crawler struct{ LastCrawl struct{ ErrorMessage string } }
	}
	if err := c.Call(ctx, "GetCrawler", map[string]string{"Name": name}, &out); err == nil && out.Crawler.LastCrawl.ErrorMessage != "" {
		return out.Crawler.LastCrawl.ErrorMessage
	}
	return "tarn gave no reason: see the log of tarn serve"
}

type crawlerDef struct {
	name, db, path, prefix, update, del string
	excl                                []string
}

// ensure creates the crawler, or updates it to these flags.
func (d crawlerDef) ensure(ctx context.Context, c *jsonClient) error {
	def := map[string]any{
		"Name": d.name, "DatabaseName": d.db, "TablePrefix": d.prefix,
		"Targets":            map[string]any{"S3Targets": []map[string]any{{"Path": d.path, "Exclusions": d.excl}}},
		"SchemaChangePolicy": map[string]string{"UpdateBehavior": d.update, "DeleteBehavior": d.del},
	}
	err := c.Call(ctx, "UpdateCrawler", def, nil)
	if code, _, _ := apiErr(err); code == "EntityNotFoundException" {
		def["Role"] = "tarn"
		err = c.Call(ctx, "CreateCrawler", def, nil)
	}
	return err
}

// crawlRun is a crawl as ListCrawls returns it.
type crawlRun struct {
	CrawlId, State, ErrorMessage string
	StartTime, EndTime           float64
	Summary                      string
}

// summary decodes the Summary JSON tarn puts in a crawl's history entry.
func (r crawlRun) summary() crawl.Summary {
	var s crawl.Summary
	json.Unmarshal([]byte(r.Summary), &s)
	return s
}

// latestCrawl returns the crawler's newest run, if any.
func latestCrawl(ctx context.Context, c *jsonClient, name string) (*crawlRun, error) {
	var out struct{ Crawls []crawlRun }
	if err := c.Call(ctx, "ListCrawls", map[string]any{"CrawlerName": name, "MaxResults": 1}, &out); err != nil {
		return nil, err
	}
	if len(out.Crawls) == 0 {
		return nil, nil
	}
	return &out.Crawls[0], nil
}

// waitCrawl shows progress until the crawler's run after prev ends.
func waitCrawl(ctx context.Context, c *jsonClient, name string, prev *crawlRun, prog *progress) (crawlRun, error) {
	start := time.Now()
	for {
		run, err := latestCrawl(ctx, c, name)
		if err != nil {
			return crawlRun{}, err
		}
		if run != nil && (prev == nil || run.CrawlId != prev.CrawlId) {
			sum := run.summary()
			line := fmt.Sprintf("%d/%d files classified, %s read, %.1fs", sum.FilesClassified, sum.FilesListed, bytesIEC(sum.BytesRead), time.Since(start).Seconds())
			if prog.terminal {
				line = bar(sum.FilesClassified, sum.FilesListed, 30) + " " + line
			}
			if run.State != crawl.RunRunning {
				prog.done(line)
				return *run, nil
			}
			prog.update(line)
		}
		select {
		case <-ctx.Done():
			c.Call(context.WithoutCancel(ctx), "StopCrawler", map[string]string{"Name": name}, nil)
			prog.done("stopped")
			return crawlRun{}, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func bar(n, total, width int) string {
	fill := 0
	if total > 0 {
		fill = min(width, n*width/total)
	}
	return "[" + strings.Repeat("=", fill) + strings.Repeat(" ", width-fill) + "]"
}

func bytesIEC(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

func printSummary(w io.Writer, name string, run crawlRun) {
	s := run.summary()
	fmt.Fprintf(w, "crawler %s: %s in %.1fs\n", name, run.State, run.EndTime-run.StartTime)
	if run.ErrorMessage != "" {
		fmt.Fprintf(w, "  error: %s\n", run.ErrorMessage)
	}
	fmt.Fprintf(w, "  files: %d listed, %d classified, %d skipped; %s read\n", s.FilesListed, s.FilesClassified, s.FilesSkipped, bytesIEC(s.BytesRead))
	fmt.Fprintf(w, "  tables: %d created, %d updated, %d deleted; %d partitions added\n", s.TablesCreated, s.TablesUpdated, s.TablesDeleted, s.PartitionsAdded)
	for _, c := range s.Changes {
		fmt.Fprintln(w, "  -", c)
	}
	for i, sk := range s.Skipped {
		if i == 20 {
			fmt.Fprintf(w, "  … and %d more skipped files (see ListCrawls)\n", len(s.Skipped)-20)
			break
		}
		fmt.Fprintf(w, "  skipped %s: %s\n", sk.Path, sk.Reason)
	}
}
