package crawl

import (
	"errors"
	"time"
)

// Crawler states, as Glue names them.
const (
	StateReady    = "READY"
	StateRunning  = "RUNNING"
	StateStopping = "STOPPING"
)

// SchemaChangePolicy values.
const (
	UpdateLog      = "LOG"
	UpdateInDB     = "UPDATE_IN_DATABASE"
	DeleteLog      = "LOG"
	DeleteFromDB   = "DELETE_FROM_DATABASE"
	DeprecateInDB  = "DEPRECATE_IN_DATABASE"
	RecrawlAll     = "CRAWL_EVERYTHING"
	RecrawlNew     = "CRAWL_NEW_FOLDERS_ONLY"
	RecrawlEvents  = "CRAWL_EVENT_MODE"
	LastSucceeded  = "SUCCEEDED"
	LastCancelled  = "CANCELLED"
	LastFailed     = "FAILED"
	RunRunning     = "RUNNING"
	RunCompleted   = "COMPLETED"
	RunFailed      = "FAILED"
	RunStopped     = "STOPPED"
	ContainsHeader = "PRESENT"
	LacksHeader    = "ABSENT"
	HeaderUnknown  = "UNKNOWN"
)

// Errors of the crawler service beyond the catalog's (catalog.ErrNotFound,
// ErrExists, ErrInvalid, ErrConflict), checked with errors.Is.
var (
	ErrRunning    = errors.New("crawler is running")
	ErrNotRunning = errors.New("crawler is not running")
	ErrStopping   = errors.New("crawler is stopping")
)

// Crawler is a crawler's definition and state, shaped like Glue's.
type Crawler struct {
	Name         string
	Role         string // kept for clients; tarn authorises by access key
	DatabaseName string
	Description  string
	TablePrefix  string
	Targets      []S3Target
	// JdbcTargets are warehouse tables to register (Glue's JDBC targets).
	JdbcTargets []JdbcTarget
	// Classifiers names custom classifiers that run before the built-in
	// ones, in this order.
	Classifiers []string
	// Schedule is a Glue cron expression, "cron(0 12 * * ? *)", or "".
	Schedule           string
	SchemaChangePolicy SchemaChangePolicy
	RecrawlBehavior    string // RecrawlAll (default), RecrawlNew, RecrawlEvents
	// Configuration is Glue's crawler configuration JSON (grouping
	// policy, table level), kept as given.
	Configuration string

	State     string // StateReady, StateRunning, StateStopping
	Created   time.Time
	Updated   time.Time
	Version   int64 // +1 per UpdateCrawler
	LastCrawl *LastCrawl
	// ElapsedMillis is how long the running crawl has run; 0 when ready.
	ElapsedMillis int64
}

// S3Target is a path in the lake to crawl: "s3://bucket/prefix/".
// JdbcTarget names warehouse tables as Glue's JDBC target does: a
// connection (any name: tarn has one warehouse) and a path
// "database/schema/table", where % matches any run of characters.
type JdbcTarget struct {
	ConnectionName string
	Path           string
	Exclusions     []string // glob patterns of "database/schema/table"
}

type S3Target struct {
	Path string
	// Exclusions are glob patterns relative to Path ("**.tmp", "logs/**").
	Exclusions []string
	// SampleSize is how many files per leaf folder are classified
	// (1..249); 0 means all.
	SampleSize int
}

// SchemaChangePolicy says what a crawl does when tables change or vanish.
type SchemaChangePolicy struct {
	UpdateBehavior string // UpdateLog or UpdateInDB (default)
	DeleteBehavior string // DeleteLog, DeleteFromDB or DeprecateInDB (default)
}

// LastCrawl is the outcome of the newest finished crawl.
type LastCrawl struct {
	Status       string // LastSucceeded, LastCancelled, LastFailed
	ErrorMessage string
	StartTime    time.Time
}

// Metrics are a crawler's figures, as GetCrawlerMetrics returns them.
type Metrics struct {
	CrawlerName          string
	TimeLeftSeconds      float64
	StillEstimating      bool
	LastRuntimeSeconds   float64
	MedianRuntimeSeconds float64
	TablesCreated        int
	TablesUpdated        int
	TablesDeleted        int
}

// Run is one crawl of a crawler: the run history entry.
type Run struct {
	ID           string
	Crawler      string
	State        string // RunRunning, RunCompleted, RunFailed, RunStopped
	Start        time.Time
	End          time.Time
	ErrorMessage string
	Summary      Summary
}

// Summary counts what a crawl did, and says what it would have done when
// the schema change policy is LOG.
type Summary struct {
	FilesListed     int
	FilesClassified int
	FilesSkipped    int
	FilesHidden     int // names starting with _ or . (Hadoop's markers)
	FilesExcluded   int // matched an exclusion pattern
	BytesRead       int64
	TablesCreated   int
	TablesUpdated   int
	TablesDeleted   int
	PartitionsAdded int
	// Skipped names each skipped file and why (at most maxSkipped kept).
	Skipped []Skip
	// Changes describes each change made or, under LOG, not made.
	Changes []string
}

// Skip is a file a crawl could not use.
type Skip struct {
	Path   string
	Reason string
}

// Classifier kinds.
const (
	KindGrok = "grok"
	KindCSV  = "csv"
	KindJSON = "json"
)

// Classifier is a custom classifier: exactly one of Grok, CSV, JSON is set
// according to Kind.
type Classifier struct {
	Name    string
	Kind    string
	Grok    *GrokClassifier
	CSV     *CSVClassifier
	JSON    *JSONClassifier
	Created time.Time
	Updated time.Time
	Version int64
}

// GrokClassifier matches each line of a text file against a grok pattern.
type GrokClassifier struct {
	Classification string
	GrokPattern    string
	CustomPatterns string // "NAME regex" lines
}

// CSVClassifier reads delimited text as told instead of guessing.
type CSVClassifier struct {
	Delimiter            string
	QuoteSymbol          string
	ContainsHeader       string // ContainsHeader, LacksHeader, HeaderUnknown
	Header               []string
	DisableValueTrimming bool
	AllowSingleColumn    bool
}

// JSONClassifier takes the records of a JSON file at JsonPath ("$[*]",
// "$.records[*]").
type JSONClassifier struct {
	JSONPath string
}
