package glueapi

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/awsapi"
	"github.com/tarnlake/tarn/internal/crawl"
)

type crawlerMetrics struct {
	CrawlerName          string
	TimeLeftSeconds      float64
	StillEstimating      bool
	LastRuntimeSeconds   float64
	MedianRuntimeSeconds float64
	TablesCreated        int
	TablesUpdated        int
	TablesDeleted        int
}

func (a *API) getCrawlerMetrics(c *call) (any, error) {
	var req struct {
		listRequest
		CrawlerNameList []string
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	if len(req.CrawlerNameList) > 100 {
		return nil, invalidInput("CrawlerNameList holds %d names; at most 100 are allowed.", len(req.CrawlerNameList))
	}
	limit, err := maxResults(req.MaxResults, 100)
	if err != nil {
		return nil, err
	}
	if err := a.crawlerCall(c, access.Read); err != nil {
		return nil, err
	}
	ms, err := a.crawlers.CrawlerMetrics(c.Ctx, req.CrawlerNameList)
	if err != nil {
		return nil, crawlErr(err, "Crawler metrics of "+strings.Join(req.CrawlerNameList, ", "))
	}
	slices.SortFunc(ms, func(x, y crawl.Metrics) int { return strings.Compare(x.CrawlerName, y.CrawlerName) })
	ms, next, err := paginate(ms, "metrics", req.NextToken, limit, func(m crawl.Metrics) string { return m.CrawlerName }, ascending)
	if err != nil {
		return nil, err
	}
	out := make([]crawlerMetrics, len(ms))
	for i, m := range ms {
		out[i] = crawlerMetrics(m)
	}
	return struct {
		CrawlerMetricsList []crawlerMetrics
		NextToken          string `json:",omitempty"`
	}{out, next}, nil
}

type crawlOut struct {
	CrawlId      string
	State        string
	StartTime    *awsapi.Timestamp `json:",omitempty"`
	EndTime      *awsapi.Timestamp `json:",omitempty"`
	Summary      string            // the run's crawl.Summary as JSON, as Glue's is a JSON string
	ErrorMessage string            `json:",omitempty"`
	LogGroup     string
	LogStream    string
	DPUHour      float64
}

// listCrawls pages a crawler's runs, newest first. Filters are refused
// rather than ignored, so no caller takes all runs for the ones it asked.
func (a *API) listCrawls(c *call) (any, error) {
	var req struct {
		listRequest
		CrawlerName *string
		Filters     []json.RawMessage
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	name, err := required("CrawlerName", req.CrawlerName)
	if err != nil {
		return nil, err
	}
	if len(req.Filters) > 0 {
		return nil, invalidInput("Filters: tarn does not filter crawls; list them without filters.")
	}
	limit, err := maxResults(req.MaxResults, 20)
	if err != nil {
		return nil, err
	}
	if err := a.crawlerCall(c, access.Read); err != nil {
		return nil, err
	}
	runs, err := a.crawlers.ListCrawls(c.Ctx, name)
	if err != nil {
		return nil, crawlErr(err, "Crawler "+name)
	}
	// The key orders runs by start time, then id; newer come first.
	key := func(r crawl.Run) string { return fmt.Sprintf("%020d/%s", r.Start.UnixNano(), r.ID) }
	older := func(k, last string) bool { return k < last }
	runs, next, err := paginate(runs, "crawls", req.NextToken, limit, key, older)
	if err != nil {
		return nil, err
	}
	out := make([]crawlOut, len(runs))
	for i, r := range runs {
		summary, err := json.Marshal(r.Summary)
		if err != nil {
			return nil, fmt.Errorf("crawl %s summary: %w", r.ID, err)
		}
		out[i] = crawlOut{
			CrawlId: r.ID, State: r.State, StartTime: stamp(r.Start), EndTime: stamp(r.End),
			Summary: string(summary), ErrorMessage: r.ErrorMessage, LogGroup: logGroup, LogStream: name,
		}
	}
	return struct {
		Crawls    []crawlOut
		NextToken string `json:",omitempty"`
	}{out, next}, nil
}
