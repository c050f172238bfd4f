package glueapi

import (
	"context"
	"encoding/json"
	"strings"
	"unicode/utf8"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/crawl"
)

// Crawlers is the crawler service the API drives (package crawl implements it).
type Crawlers interface {
	CreateCrawler(ctx context.Context, c crawl.Crawler) error
	GetCrawler(ctx context.Context, name string) (crawl.Crawler, error)
	ListCrawlers(ctx context.Context) ([]crawl.Crawler, error) // ordered by name
	// UpdateCrawler replaces the definition fields of c.Name (not State/LastCrawl/Created/Version).
	UpdateCrawler(ctx context.Context, c crawl.Crawler) error
	DeleteCrawler(ctx context.Context, name string) error
	StartCrawler(ctx context.Context, name string) error
	StopCrawler(ctx context.Context, name string) error
	CrawlerMetrics(ctx context.Context, names []string) ([]crawl.Metrics, error) // names empty = all
	ListCrawls(ctx context.Context, name string) ([]crawl.Run, error)            // newest first
	CreateClassifier(ctx context.Context, c crawl.Classifier) error
	GetClassifier(ctx context.Context, name string) (crawl.Classifier, error)
	ListClassifiers(ctx context.Context) ([]crawl.Classifier, error)
	UpdateClassifier(ctx context.Context, c crawl.Classifier) error
	DeleteClassifier(ctx context.Context, name string) error
}

type s3Target struct {
	Path       *string
	Exclusions []string
	SampleSize *int32
}

type jdbcTarget struct {
	ConnectionName *string
	Path           *string
	Exclusions     []string
}

// crawlerTargets holds every kind Glue has, to refuse all but S3 and JDBC
// (the warehouse).
type crawlerTargets struct {
	S3Targets       []s3Target
	JdbcTargets     []jdbcTarget
	MongoDBTargets  []json.RawMessage
	DynamoDBTargets []json.RawMessage
	CatalogTargets  []json.RawMessage
	DeltaTargets    []json.RawMessage
	IcebergTargets  []json.RawMessage
	HudiTargets     []json.RawMessage
}

// crawlerInput is CreateCrawler's and UpdateCrawler's request: a nil
// member is absent and leaves the crawler's value alone on update.
// Security, lineage and Lake Formation settings and tags are not kept.
type crawlerInput struct {
	Name               *string
	Role               *string
	DatabaseName       *string
	Description        *string
	Targets            *crawlerTargets
	Schedule           *string
	Classifiers        []string
	TablePrefix        *string
	SchemaChangePolicy *struct{ UpdateBehavior, DeleteBehavior *string }
	RecrawlPolicy      *struct{ RecrawlBehavior *string }
	Configuration      *string
}

// read decodes the request of CreateCrawler or UpdateCrawler and returns
// the crawler's name.
func (in *crawlerInput) read(c *call) (string, error) {
	if err := c.Decode(in); err != nil {
		return "", err
	}
	return required("Name", in.Name)
}

// oneOf checks an enum member.
func oneOf(field string, s *string, values ...string) error {
	for _, v := range values {
		if *s == v {
			return nil
		}
	}
	return invalidInput("%s %q is not one of %s.", field, *s, strings.Join(values, ", "))
}

// apply sets the members present in in on cr.
func (in *crawlerInput) apply(cr *crawl.Crawler) error {
	if in.Role != nil {
		cr.Role = *in.Role
	}
	if in.DatabaseName != nil {
		cr.DatabaseName = strings.ToLower(*in.DatabaseName)
	}
	if in.Description != nil {
		if n := utf8.RuneCountInString(*in.Description); n > 2048 {
			return invalidInput("Description is %d characters long; at most 2048 are allowed.", n)
		}
		cr.Description = *in.Description
	}
	if in.Targets != nil {
		targets, err := in.Targets.s3()
		if err != nil {
			return err
		}
		jdbc, err := in.Targets.jdbc()
		if err != nil {
			return err
		}
		cr.Targets, cr.JdbcTargets = targets, jdbc
	}
	if in.Schedule != nil {
		if err := checkSchedule(*in.Schedule); err != nil {
			return err
		}
		cr.Schedule = *in.Schedule
	}
	if in.Classifiers != nil {
		for _, n := range in.Classifiers {
			if _, err := optional("Classifiers member", n); err != nil {
				return err
			}
		}
		cr.Classifiers = in.Classifiers
	}
	if in.TablePrefix != nil {
		if n := utf8.RuneCountInString(*in.TablePrefix); n > 128 {
			return invalidInput("TablePrefix is %d characters long; at most 128 are allowed.", n)
		}
		cr.TablePrefix = *in.TablePrefix
	}
	if p := in.SchemaChangePolicy; p != nil {
		if p.UpdateBehavior != nil {
			if err := oneOf("SchemaChangePolicy.UpdateBehavior", p.UpdateBehavior, crawl.UpdateLog, crawl.UpdateInDB); err != nil {
				return err
			}
			cr.SchemaChangePolicy.UpdateBehavior = *p.UpdateBehavior
		}
		if p.DeleteBehavior != nil {
			if err := oneOf("SchemaChangePolicy.DeleteBehavior", p.DeleteBehavior, crawl.DeleteLog, crawl.DeleteFromDB, crawl.DeprecateInDB); err != nil {
				return err
			}
			cr.SchemaChangePolicy.DeleteBehavior = *p.DeleteBehavior
		}
	}
	if p := in.RecrawlPolicy; p != nil && p.RecrawlBehavior != nil {
		if err := oneOf("RecrawlPolicy.RecrawlBehavior", p.RecrawlBehavior, crawl.RecrawlAll, crawl.RecrawlNew, crawl.RecrawlEvents); err != nil {
			return err
		}
		cr.RecrawlBehavior = *p.RecrawlBehavior
	}
	if in.Configuration != nil {
		if *in.Configuration != "" && !json.Valid([]byte(*in.Configuration)) {
			return invalidInput("Configuration is not valid JSON.")
		}
		cr.Configuration = *in.Configuration
	}
	return nil
}

func (t *crawlerTargets) s3() ([]crawl.S3Target, error) {
	for kind, n := range map[string]int{
		"MongoDBTargets":  len(t.MongoDBTargets),
		"DynamoDBTargets": len(t.DynamoDBTargets), "CatalogTargets": len(t.CatalogTargets),
		"DeltaTargets": len(t.DeltaTargets), "IcebergTargets": len(t.IcebergTargets), "HudiTargets": len(t.HudiTargets),
	} {
		if n > 0 {
			return nil, invalidInput("Targets.%s: tarn crawls S3 targets and JDBC targets of its warehouse only.", kind)
		}
	}
	out := make([]crawl.S3Target, len(t.S3Targets))
	for i, s := range t.S3Targets {
		if s.Path == nil || *s.Path == "" {
			return nil, invalidInput("Targets.S3Targets[%d].Path is required.", i)
		}
		out[i] = crawl.S3Target{Path: *s.Path, Exclusions: s.Exclusions}
		if s.SampleSize != nil {
			if *s.SampleSize < 1 || *s.SampleSize > 249 {
				return nil, invalidInput("Targets.S3Targets[%d].SampleSize is %d; it must be between 1 and 249.", i, *s.SampleSize)
			}
			out[i].SampleSize = int(*s.SampleSize)
		}
	}
	return out, nil
}

func (t *crawlerTargets) jdbc() ([]crawl.JdbcTarget, error) {
	out := make([]crawl.JdbcTarget, len(t.JdbcTargets))
	for i, j := range t.JdbcTargets {
		if j.Path == nil || strings.Count(*j.Path, "/") != 2 {
			return nil, invalidInput("Targets.JdbcTargets[%d].Path must be database/schema/table (%% matches any run of characters).", i)
		}
		out[i] = crawl.JdbcTarget{Path: *j.Path, Exclusions: j.Exclusions}
		if j.ConnectionName != nil {
			out[i].ConnectionName = *j.ConnectionName
		}
	}
	return out, nil
}

// checkSchedule accepts "" (none) or a Glue cron expression; the crawler
// service parses the fields.
func checkSchedule(s string) error {
	if s != "" && (!strings.HasPrefix(s, "cron(") || !strings.HasSuffix(s, ")")) {
		return invalidInput("Schedule %q is not a cron expression such as cron(15 12 * * ? *).", s)
	}
	return nil
}

func (a *API) createCrawler(c *call) (any, error) {
	var in crawlerInput
	name, err := in.read(c)
	if err != nil {
		return nil, err
	}
	if in.Role == nil || *in.Role == "" {
		return nil, invalidInput("Role is required.")
	}
	if in.Targets == nil {
		return nil, invalidInput("Targets is required.")
	}
	cr := crawl.Crawler{Name: name}
	if err := in.apply(&cr); err != nil {
		return nil, err
	}
	if err := a.crawlerCall(c, access.Write); err != nil {
		return nil, err
	}
	if err := a.crawlers.CreateCrawler(c.Ctx, cr); err != nil {
		return nil, crawlErr(err, "Crawler "+name)
	}
	return struct{}{}, nil
}

// crawlerCall admits a crawler or classifier operation: crawlers are
// configured and the caller may act on the account.
func (a *API) crawlerCall(c *call, act access.Action) error {
	if err := a.needCrawlers(); err != nil {
		return err
	}
	return a.authorize(c, act, "")
}

// updateCrawler changes only the members present: get, apply, update.
func (a *API) updateCrawler(c *call) (any, error) {
	var in crawlerInput
	name, err := in.read(c)
	if err != nil {
		return nil, err
	}
	return a.changeCrawler(c, name, in.apply)
}

func (a *API) changeCrawler(c *call, name string, apply func(*crawl.Crawler) error) (any, error) {
	if err := a.crawlerCall(c, access.Write); err != nil {
		return nil, err
	}
	cr, err := a.crawlers.GetCrawler(c.Ctx, name)
	if err != nil {
		return nil, crawlErr(err, "Crawler "+name)
	}
	if err := apply(&cr); err != nil {
		return nil, err
	}
	if err := a.crawlers.UpdateCrawler(c.Ctx, cr); err != nil {
		return nil, crawlErr(err, "Crawler "+name)
	}
	return struct{}{}, nil
}

func (a *API) updateCrawlerSchedule(c *call) (any, error) {
	var req struct{ CrawlerName, Schedule *string }
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	name, err := required("CrawlerName", req.CrawlerName)
	if err != nil {
		return nil, err
	}
	return a.changeCrawler(c, name, func(cr *crawl.Crawler) error {
		return (&crawlerInput{Schedule: req.Schedule}).apply(cr)
	})
}
