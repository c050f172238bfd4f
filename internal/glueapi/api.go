// Package glueapi serves the AWS Glue JSON 1.1 API (X-Amz-Target
// "AWSGlue.<Op>") over the catalog (catalog.Metadata) and a crawler service: databases,
// tables with their versions, partitions with Glue's filter expressions,
// crawlers and classifiers, with Glue's shapes and error codes. The edge
// has verified the caller's signature before a request gets here; this
// package authorises it, per database (the resource "glue:<database>") or
// account-wide for crawlers and classifiers.
package glueapi

import (
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/awsapi"
	"github.com/tarnlake/tarn/internal/catalog"
)

// Options configures the API.
type Options struct {
	Region string // for ARNs in messages; default us-east-1
	// Now stamps what the API creates itself (databases); default
	// time.Now. Stores and the crawler service keep their own clocks.
	Now func() time.Time
}

// API is the Glue handler.
type API struct {
	store    catalog.Metadata
	crawlers Crawlers // nil: crawler and classifier operations fail
	log      *slog.Logger
	opts     Options
	srv      *awsapi.JSONServer
}

// New serves store and crawlers; crawlers may be nil.
func New(store catalog.Metadata, crawlers Crawlers, log *slog.Logger, opts Options) *API {
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	a := &API{
		store:    store,
		crawlers: crawlers,
		log:      log.With("component", "glueapi"),
		opts:     opts,
	}
	a.srv = &awsapi.JSONServer{
		Service: "Glue", MaxBody: maxBody, Internal: "InternalServiceException", Log: a.log,
		TooLarge: func(n int) error { return invalidInput("The request body is larger than %d bytes.", n) },
		BadBody:  badBody,
		Ops:      a.operations(),
	}
	return a
}

// maxBody bounds what is read of a request: 100 partitions with their
// storage descriptors fit many times over.
const maxBody = 10 << 20

// call is one request as an operation sees it.
type call = awsapi.Request

// operations maps X-Amz-Target's operation part to its implementation.
func (a *API) operations() map[string]func(*call) (any, error) {
	return map[string]func(*call) (any, error){
		"CreateDatabase":        a.createDatabase,
		"GetDatabase":           a.getDatabase,
		"GetDatabases":          a.getDatabases,
		"UpdateDatabase":        a.updateDatabase,
		"DeleteDatabase":        a.deleteDatabase,
		"CreateTable":           a.createTable,
		"GetTable":              a.getTable,
		"GetTables":             a.getTables,
		"UpdateTable":           a.updateTable,
		"DeleteTable":           a.deleteTable,
		"BatchDeleteTable":      a.batchDeleteTable,
		"GetTableVersions":      a.getTableVersions,
		"GetTableVersion":       a.getTableVersion,
		"CreatePartition":       a.createPartition,
		"BatchCreatePartition":  a.batchCreatePartition,
		"GetPartition":          a.getPartition,
		"GetPartitions":         a.getPartitions,
		"BatchGetPartition":     a.batchGetPartition,
		"DeletePartition":       a.deletePartition,
		"BatchDeletePartition":  a.batchDeletePartition,
		"CreateCrawler":         a.createCrawler,
		"GetCrawler":            a.getCrawler,
		"GetCrawlers":           a.getCrawlers,
		"ListCrawlers":          a.listCrawlers,
		"UpdateCrawler":         a.updateCrawler,
		"DeleteCrawler":         a.deleteCrawler,
		"StartCrawler":          a.startCrawler,
		"StopCrawler":           a.stopCrawler,
		"GetCrawlerMetrics":     a.getCrawlerMetrics,
		"ListCrawls":            a.listCrawls,
		"UpdateCrawlerSchedule": a.updateCrawlerSchedule,
		"CreateClassifier":      a.createClassifier,
		"GetClassifier":         a.getClassifier,
		"GetClassifiers":        a.getClassifiers,
		"UpdateClassifier":      a.updateClassifier,
		"DeleteClassifier":      a.deleteClassifier,
	}
}

func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.srv.ServeHTTP(w, r) }

// authorize checks that the caller may act on database db, or account-wide
// (crawlers, classifiers) when db is "".
func (a *API) authorize(c *call, act access.Action, db string) error {
	if c.Caller == nil || c.Caller.Allowed(act, access.Database(db)) {
		return nil
	}
	arn := "arn:aws:glue:" + a.opts.Region + ":" + account + ":catalog"
	if db != "" {
		arn = "arn:aws:glue:" + a.opts.Region + ":" + account + ":database/" + strings.ToLower(db)
	}
	return clientErr("AccessDeniedException", "User: %s is not authorized to perform: glue:%s on resource: %s",
		c.Caller.ID, c.Op, arn)
}

// mayRead reports whether the caller may read database db, for lists
// that leave out what the caller cannot see.
func mayRead(c *call, db string) bool {
	return c.Caller == nil || c.Caller.Allowed(access.Read, access.Database(db))
}
