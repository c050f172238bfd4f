package glueapi

import (
	"context"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/awsapi"
	"github.com/tarnlake/tarn/internal/crawl"
)

// logGroup is where Glue says crawler logs go; tarn logs a crawl under
// the crawler's name in its own log.
const logGroup = "/aws-glue/crawlers"

type s3TargetOut struct {
	Path       string
	Exclusions []string
	SampleSize int32 `json:",omitempty"`
}

type schedule struct {
	ScheduleExpression string
	State              string // SCHEDULED; a crawler without a schedule has none
}

type lastCrawl struct {
	Status       string
	ErrorMessage string `json:",omitempty"`
	LogGroup     string
	LogStream    string
	StartTime    *awsapi.Timestamp `json:",omitempty"`
}

type jdbcTargetOut struct {
	ConnectionName string
	Path           string
	Exclusions     []string
}

type crawlerOut struct {
	Name         string
	Role         string `json:",omitempty"`
	DatabaseName string `json:",omitempty"`
	Description  string `json:",omitempty"`
	Targets      struct {
		S3Targets       []s3TargetOut
		JdbcTargets     []jdbcTargetOut
		MongoDBTargets  []struct{}
		DynamoDBTargets []struct{}
		CatalogTargets  []struct{}
	}
	Classifiers        []string
	RecrawlPolicy      struct{ RecrawlBehavior string }
	SchemaChangePolicy struct{ UpdateBehavior, DeleteBehavior string }
	State              string
	TablePrefix        string    `json:",omitempty"`
	Schedule           *schedule `json:",omitempty"`
	CrawlElapsedTime   int64
	CreationTime       *awsapi.Timestamp `json:",omitempty"`
	LastUpdated        *awsapi.Timestamp `json:",omitempty"`
	LastCrawl          *lastCrawl        `json:",omitempty"`
	Version            int64
	Configuration      string `json:",omitempty"`
}

// orDefault is s, or def when s is empty: the service leaves defaults unset.
func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func crawler(cr crawl.Crawler) crawlerOut {
	out := crawlerOut{
		Name: cr.Name, Role: cr.Role, DatabaseName: cr.DatabaseName, Description: cr.Description,
		Classifiers: nonNil(cr.Classifiers), State: orDefault(cr.State, crawl.StateReady), TablePrefix: cr.TablePrefix,
		CrawlElapsedTime: cr.ElapsedMillis, CreationTime: stamp(cr.Created), LastUpdated: stamp(cr.Updated),
		Version: cr.Version, Configuration: cr.Configuration,
	}
	out.Targets.S3Targets = make([]s3TargetOut, len(cr.Targets))
	for i, t := range cr.Targets {
		out.Targets.S3Targets[i] = s3TargetOut{Path: t.Path, Exclusions: nonNil(t.Exclusions), SampleSize: int32(t.SampleSize)}
	}
	out.Targets.JdbcTargets = make([]jdbcTargetOut, len(cr.JdbcTargets))
	for i, t := range cr.JdbcTargets {
		out.Targets.JdbcTargets[i] = jdbcTargetOut{ConnectionName: t.ConnectionName, Path: t.Path, Exclusions: nonNil(t.Exclusions)}
	}
	out.Targets.MongoDBTargets = []struct{}{}
	out.Targets.DynamoDBTargets, out.Targets.CatalogTargets = []struct{}{}, []struct{}{}
	out.RecrawlPolicy.RecrawlBehavior = orDefault(cr.RecrawlBehavior, crawl.RecrawlAll)
	out.SchemaChangePolicy.UpdateBehavior = orDefault(cr.SchemaChangePolicy.UpdateBehavior, crawl.UpdateInDB)
	out.SchemaChangePolicy.DeleteBehavior = orDefault(cr.SchemaChangePolicy.DeleteBehavior, crawl.DeprecateInDB)
	if cr.Schedule != "" {
		out.Schedule = &schedule{cr.Schedule, "SCHEDULED"}
	}
	if lc := cr.LastCrawl; lc != nil {
		out.LastCrawl = &lastCrawl{lc.Status, lc.ErrorMessage, logGroup, cr.Name, stamp(lc.StartTime)}
	}
	return out
}

// crawlerName reads the request of an operation on one crawler or
// classifier, and admits it.
func (a *API) crawlerName(c *call, act access.Action) (string, error) {
	var req struct{ Name *string }
	if err := c.Decode(&req); err != nil {
		return "", err
	}
	name, err := required("Name", req.Name)
	if err != nil {
		return "", err
	}
	return name, a.crawlerCall(c, act)
}

func (a *API) getCrawler(c *call) (any, error) {
	name, err := a.crawlerName(c, access.Read)
	if err != nil {
		return nil, err
	}
	cr, err := a.crawlers.GetCrawler(c.Ctx, name)
	if err != nil {
		return nil, crawlErr(err, "Crawler "+name)
	}
	return struct{ Crawler crawlerOut }{crawler(cr)}, nil
}

// simple runs an operation on one crawler that answers nothing.
func (a *API) simple(c *call, do func(Crawlers, context.Context, string) error) (any, error) {
	name, err := a.crawlerName(c, access.Write)
	if err != nil {
		return nil, err
	}
	if err := do(a.crawlers, c.Ctx, name); err != nil {
		return nil, crawlErr(err, "Crawler "+name)
	}
	return struct{}{}, nil
}

func (a *API) deleteCrawler(c *call) (any, error) { return a.simple(c, Crawlers.DeleteCrawler) }
func (a *API) startCrawler(c *call) (any, error)  { return a.simple(c, Crawlers.StartCrawler) }
func (a *API) stopCrawler(c *call) (any, error)   { return a.simple(c, Crawlers.StopCrawler) }

// listRequest is the request of the paged crawler and classifier lists.
type listRequest struct {
	MaxResults *int32
	NextToken  *string
}

func (a *API) getCrawlers(c *call) (any, error) {
	var req listRequest
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	page, next, err := a.crawlerPage(c, req, "crawlers")
	if err != nil {
		return nil, err
	}
	out := make([]crawlerOut, len(page))
	for i, cr := range page {
		out[i] = crawler(cr)
	}
	return struct {
		Crawlers  []crawlerOut
		NextToken string `json:",omitempty"`
	}{out, next}, nil
}

// listCrawlers lists names. tarn keeps no tags, so a Tags filter matches
// no crawler.
func (a *API) listCrawlers(c *call) (any, error) {
	var req struct {
		listRequest
		Tags map[string]string
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	page, next, err := a.crawlerPage(c, req.listRequest, "crawler-names")
	if err != nil {
		return nil, err
	}
	names := []string{}
	for _, cr := range page {
		if len(req.Tags) == 0 {
			names = append(names, cr.Name)
		}
	}
	return struct {
		CrawlerNames []string
		NextToken    string `json:",omitempty"`
	}{names, next}, nil
}

func (a *API) crawlerPage(c *call, req listRequest, kind string) ([]crawl.Crawler, string, error) {
	limit, err := maxResults(req.MaxResults, 100)
	if err != nil {
		return nil, "", err
	}
	if err := a.crawlerCall(c, access.Read); err != nil {
		return nil, "", err
	}
	all, err := a.crawlers.ListCrawlers(c.Ctx)
	if err != nil {
		return nil, "", crawlErr(err, "Crawlers")
	}
	return paginate(all, kind, req.NextToken, limit, func(cr crawl.Crawler) string { return cr.Name }, ascending)
}
