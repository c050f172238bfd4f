package glueapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"

	"github.com/tarnlake/tarn/internal/catalog"
	"github.com/tarnlake/tarn/internal/crawl"
)

func TestSDKCrawlers(t *testing.T) {
	e := newEnv(t)
	c, ctx := e.client(nil), ctxT(t)
	for i := range 5 {
		_, err := c.CreateCrawler(ctx, &glue.CreateCrawlerInput{
			Name: aws.String(fmt.Sprintf("c%d", i)), Role: aws.String("arn:aws:iam::000000000000:role/tarn"),
			DatabaseName: aws.String("Sales"), Description: aws.String("nightly"), TablePrefix: aws.String("raw_"),
			Targets:            &types.CrawlerTargets{S3Targets: []types.S3Target{{Path: aws.String("s3://lake/sales/"), Exclusions: []string{"**.tmp"}, SampleSize: aws.Int32(5)}}},
			Schedule:           aws.String("cron(0 12 * * ? *)"),
			Classifiers:        []string{"logs"},
			SchemaChangePolicy: &types.SchemaChangePolicy{UpdateBehavior: types.UpdateBehaviorLog, DeleteBehavior: types.DeleteBehaviorDeleteFromDatabase},
			RecrawlPolicy:      &types.RecrawlPolicy{RecrawlBehavior: types.RecrawlBehaviorCrawlNewFoldersOnly},
			Configuration:      aws.String(`{"Version":1.0}`),
			Tags:               map[string]string{"ignored": "yes"},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	got, err := c.GetCrawler(ctx, &glue.GetCrawlerInput{Name: aws.String("c1")})
	if err != nil {
		t.Fatal(err)
	}
	cr := got.Crawler
	if aws.ToString(cr.Name) != "c1" || aws.ToString(cr.DatabaseName) != "sales" || cr.State != types.CrawlerStateReady || cr.Version != 1 ||
		len(cr.Targets.S3Targets) != 1 || aws.ToInt32(cr.Targets.S3Targets[0].SampleSize) != 5 || cr.Targets.S3Targets[0].Exclusions[0] != "**.tmp" ||
		aws.ToString(cr.Schedule.ScheduleExpression) != "cron(0 12 * * ? *)" || cr.Schedule.State != types.ScheduleStateScheduled ||
		cr.SchemaChangePolicy.UpdateBehavior != types.UpdateBehaviorLog || cr.RecrawlPolicy.RecrawlBehavior != types.RecrawlBehaviorCrawlNewFoldersOnly ||
		cr.CreationTime == nil || cr.LastUpdated == nil || cr.LastCrawl != nil || aws.ToString(cr.Configuration) != `{"Version":1.0}` ||
		!slices.Equal(cr.Classifiers, []string{"logs"}) || aws.ToString(cr.TablePrefix) != "raw_" {
		t.Fatalf("crawler %+v", cr)
	}

	// UpdateCrawler changes what it is given and keeps the rest.
	_, err = c.UpdateCrawler(ctx, &glue.UpdateCrawlerInput{Name: aws.String("c1"), Description: aws.String("hourly"),
		SchemaChangePolicy: &types.SchemaChangePolicy{DeleteBehavior: types.DeleteBehaviorLog}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateCrawlerSchedule(ctx, &glue.UpdateCrawlerScheduleInput{CrawlerName: aws.String("c1"), Schedule: aws.String("cron(0 * * * ? *)")}); err != nil {
		t.Fatal(err)
	}
	cr = must(c.GetCrawler(ctx, &glue.GetCrawlerInput{Name: aws.String("c1")})).Crawler
	if aws.ToString(cr.Description) != "hourly" || cr.SchemaChangePolicy.UpdateBehavior != types.UpdateBehaviorLog ||
		cr.SchemaChangePolicy.DeleteBehavior != types.DeleteBehaviorLog || aws.ToString(cr.TablePrefix) != "raw_" ||
		aws.ToString(cr.Schedule.ScheduleExpression) != "cron(0 * * * ? *)" || cr.Version != 3 {
		t.Fatalf("updated %+v", cr)
	}

	// Start, see it run, stop, see the last crawl and the history.
	if _, err := c.StartCrawler(ctx, &glue.StartCrawlerInput{Name: aws.String("c1")}); err != nil {
		t.Fatal(err)
	}
	cr = must(c.GetCrawler(ctx, &glue.GetCrawlerInput{Name: aws.String("c1")})).Crawler
	if cr.State != types.CrawlerStateRunning || cr.CrawlElapsedTime != 1500 {
		t.Fatalf("running %+v", cr)
	}
	_, err = c.StartCrawler(ctx, &glue.StartCrawlerInput{Name: aws.String("c1")})
	var running *types.CrawlerRunningException
	if !errors.As(err, &running) || aws.ToString(running.Message) != "Crawler c1 is running." {
		t.Fatalf("start twice: %v", err)
	}
	if _, err := c.StopCrawler(ctx, &glue.StopCrawlerInput{Name: aws.String("c1")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.StopCrawler(ctx, &glue.StopCrawlerInput{Name: aws.String("c1")})
	var notRunning *types.CrawlerNotRunningException
	if !errors.As(err, &notRunning) {
		t.Fatalf("stop twice: %v", err)
	}
	cr = must(c.GetCrawler(ctx, &glue.GetCrawlerInput{Name: aws.String("c1")})).Crawler
	lc := cr.LastCrawl
	if lc == nil || lc.Status != types.LastCrawlStatusCancelled || aws.ToString(lc.LogGroup) != "/aws-glue/crawlers" ||
		aws.ToString(lc.LogStream) != "c1" || lc.StartTime == nil || aws.ToString(lc.ErrorMessage) != "stopped by request" {
		t.Fatalf("last crawl %+v", lc)
	}
	for range 2 { // three runs in all
		c.StartCrawler(ctx, &glue.StartCrawlerInput{Name: aws.String("c1")})
		c.StopCrawler(ctx, &glue.StopCrawlerInput{Name: aws.String("c1")})
	}
	var ids []string
	var token *string
	for {
		out, err := c.ListCrawls(ctx, &glue.ListCrawlsInput{CrawlerName: aws.String("c1"), MaxResults: aws.Int32(2), NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range out.Crawls {
			var sum crawl.Summary
			if err := json.Unmarshal([]byte(aws.ToString(h.Summary)), &sum); err != nil || sum.FilesListed != 3 ||
				h.State != types.CrawlerHistoryStateStopped || h.StartTime == nil || h.EndTime == nil {
				t.Fatalf("crawl %+v: %v", h, err)
			}
			ids = append(ids, aws.ToString(h.CrawlId))
		}
		if token = out.NextToken; token == nil {
			break
		}
	}
	if !slices.Equal(ids, []string{"run-3", "run-2", "run-1"}) {
		t.Fatalf("crawls %v", ids)
	}
	m, err := c.GetCrawlerMetrics(ctx, &glue.GetCrawlerMetricsInput{CrawlerNameList: []string{"c1", "c2"}})
	if err != nil || len(m.CrawlerMetricsList) != 2 || aws.ToString(m.CrawlerMetricsList[0].CrawlerName) != "c1" ||
		m.CrawlerMetricsList[0].TablesCreated != 3 || m.CrawlerMetricsList[0].LastRuntimeSeconds != 2.5 {
		t.Fatalf("metrics %+v %v", m, err)
	}

	// Paging over 5 crawlers, 2 a page, by both list operations.
	var full, names []string
	gp := glue.NewGetCrawlersPaginator(c, &glue.GetCrawlersInput{MaxResults: aws.Int32(2)})
	for gp.HasMorePages() {
		for _, cr := range must(gp.NextPage(ctx)).Crawlers {
			full = append(full, aws.ToString(cr.Name))
		}
	}
	lp := glue.NewListCrawlersPaginator(c, &glue.ListCrawlersInput{MaxResults: aws.Int32(2)})
	for lp.HasMorePages() {
		names = append(names, must(lp.NextPage(ctx)).CrawlerNames...)
	}
	want := []string{"c0", "c1", "c2", "c3", "c4"}
	if !slices.Equal(full, want) || !slices.Equal(names, want) {
		t.Fatalf("GetCrawlers %v, ListCrawlers %v", full, names)
	}

	if _, err := c.DeleteCrawler(ctx, &glue.DeleteCrawlerInput{Name: aws.String("c4")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetCrawler(ctx, &glue.GetCrawlerInput{Name: aws.String("c4")})
	var nf *types.EntityNotFoundException
	if !errors.As(err, &nf) || aws.ToString(nf.Message) != "Crawler c4 not found." {
		t.Fatalf("deleted: %v", err)
	}
}

// Each error of the crawler service reaches the SDK as its typed error.
func TestSDKCrawlerErrors(t *testing.T) {
	e := newEnv(t)
	c, ctx := e.client(nil), ctxT(t)
	for _, tc := range []struct {
		err   error
		check func(error) bool
	}{
		{catalog.ErrNotFound, func(err error) bool { var x *types.EntityNotFoundException; return errors.As(err, &x) }},
		{catalog.ErrExists, func(err error) bool { var x *types.AlreadyExistsException; return errors.As(err, &x) }},
		{fmt.Errorf("%w: bad cron", catalog.ErrInvalid), func(err error) bool { var x *types.InvalidInputException; return errors.As(err, &x) }},
		{catalog.ErrConflict, func(err error) bool { var x *types.ConcurrentModificationException; return errors.As(err, &x) }},
		{crawl.ErrRunning, func(err error) bool { var x *types.CrawlerRunningException; return errors.As(err, &x) }},
		{crawl.ErrNotRunning, func(err error) bool { var x *types.CrawlerNotRunningException; return errors.As(err, &x) }},
		{crawl.ErrStopping, func(err error) bool { var x *types.CrawlerStoppingException; return errors.As(err, &x) }},
		{errors.New("disk on fire"), func(err error) bool { var x *types.InternalServiceException; return errors.As(err, &x) }},
	} {
		e.crawlers.mu.Lock()
		e.crawlers.fail = tc.err
		e.crawlers.mu.Unlock()
		_, err := c.StartCrawler(ctx, &glue.StartCrawlerInput{Name: aws.String("any")})
		if !tc.check(err) {
			t.Errorf("%v: SDK got %v", tc.err, err)
		}
	}
	// S3 and JDBC (warehouse) targets only, and no crawler service at all.
	_, err := c.CreateCrawler(ctx, &glue.CreateCrawlerInput{Name: aws.String("j"), Role: aws.String("r"),
		Targets: &types.CrawlerTargets{JdbcTargets: []types.JdbcTarget{{ConnectionName: aws.String("pg")}}}})
	var ii *types.InvalidInputException
	if !errors.As(err, &ii) || !strings.Contains(aws.ToString(ii.Message), "Targets.JdbcTargets[0].Path must be database/schema/table") {
		t.Fatalf("jdbc without a path: %v", err)
	}
	_, err = c.CreateCrawler(ctx, &glue.CreateCrawlerInput{Name: aws.String("m"), Role: aws.String("r"),
		Targets: &types.CrawlerTargets{MongoDBTargets: []types.MongoDBTarget{{ConnectionName: aws.String("m")}}}})
	if !errors.As(err, &ii) || aws.ToString(ii.Message) != "Targets.MongoDBTargets: tarn crawls S3 targets and JDBC targets of its warehouse only." {
		t.Fatalf("mongodb: %v", err)
	}
	e.api.crawlers = nil
	_, err = c.GetCrawlers(ctx, &glue.GetCrawlersInput{})
	var ons *types.OperationNotSupportedException
	if !errors.As(err, &ons) {
		t.Fatalf("no crawlers: %v", err)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
