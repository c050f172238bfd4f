package pipeline

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/tarnlake/tarn/internal/warehouse"
)

// Spec is the pipelines a config declares. Each resource keeps the line it
// was declared on, so that an error can name it.
type Spec struct {
	Keys            []Key            `yaml:"keys,omitempty"`
	Buckets         []Bucket         `yaml:"buckets,omitempty"`
	Streams         []Stream         `yaml:"streams,omitempty"`
	Databases       []Database       `yaml:"databases,omitempty"`
	Crawlers        []Crawler        `yaml:"crawlers,omitempty"`
	Functions       []Function       `yaml:"functions,omitempty"`
	WarehouseTables []WarehouseTable `yaml:"warehouse_tables,omitempty"`
	Deliveries      []Delivery       `yaml:"deliveries,omitempty"`
	// Rules are buckets' notification rules, to functions or tarn's
	// built-in actions (move, copy, crawl, load).
	Rules []Rule `yaml:"rules,omitempty"`
	// Dir is the config's folder, which the paths it names are relative to.
	Dir string `yaml:"-"`
}

// Empty reports whether s declares nothing: then there is nothing to plan.
func (s Spec) Empty() bool {
	return s.Keys == nil && s.Buckets == nil && s.Streams == nil && s.Databases == nil && s.Crawlers == nil &&
		s.Functions == nil && s.WarehouseTables == nil && s.Deliveries == nil && s.Rules == nil
}

// Bucket is an S3 bucket, declared by its name.
type Bucket struct {
	Name string
	Line int
}

func (b *Bucket) UnmarshalYAML(n *yaml.Node) error {
	b.Line = n.Line
	return n.Decode(&b.Name)
}

func (b Bucket) MarshalYAML() (any, error) { return b.Name, nil }

// Stream is a Kinesis data stream.
type Stream struct {
	Name           string `yaml:"name"`
	Shards         int    `yaml:"shards,omitempty"`          // default 1
	RetentionHours int    `yaml:"retention_hours,omitempty"` // default 24
	Line           int    `yaml:"-"`
}

func (s *Stream) UnmarshalYAML(n *yaml.Node) error {
	type plain Stream
	return decodeAt(n, (*plain)(s), &s.Line)
}

// Database is a catalog database.
type Database struct {
	Name        string         `yaml:"name"`
	Description string         `yaml:"description,omitempty"`
	Tables      []CatalogTable `yaml:"tables,omitempty"` // tables no crawler makes
	Line        int            `yaml:"-"`
}

func (d *Database) UnmarshalYAML(n *yaml.Node) error {
	type plain Database
	return decodeAt(n, (*plain)(d), &d.Line)
}

// Crawler is a Glue crawler of lake prefixes.
type Crawler struct {
	Name     string   `yaml:"name"`
	Database string   `yaml:"database"`
	Targets  []string `yaml:"targets"` // s3://bucket/prefix/
	// Schedule is Glue's cron expression ("cron(0 * * * ? *)"); none:
	// the crawler runs when started or, in event mode, on events.
	Schedule string `yaml:"schedule,omitempty"`
	// Recrawl is everything (default), new_folders or events.
	Recrawl     string `yaml:"recrawl,omitempty"`
	TablePrefix string `yaml:"table_prefix,omitempty"`
	// TableLevel is the folder depth tables are made at, a bucket's top
	// folders being 1 (Glue's TableLevelConfiguration): 2 makes each
	// folder below s3://lake/raw/ a table, even while there is one.
	// Default: found from the files' schemas.
	TableLevel int `yaml:"table_level,omitempty"`
	Line       int `yaml:"-"`
}

func (c *Crawler) UnmarshalYAML(n *yaml.Node) error {
	type plain Crawler
	return decodeAt(n, (*plain)(c), &c.Line)
}

// decodeAt decodes a mapping node into v strictly (an unknown field is an
// error, as a typo would be) and records its line.
func decodeAt(n *yaml.Node, v any, line *int) error {
	*line = n.Line
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: want a mapping (name: …), not %s", n.Line, kindName(n))
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i].Value; !hasField(v, k) {
			return fmt.Errorf("line %d: unknown field %q", n.Content[i].Line, k)
		}
	}
	return n.Decode(v)
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("%q", n.Value)
	}
	return "that"
}

// hasField reports whether v (a pointer to a struct) has a field whose
// YAML name is k.
func hasField(v any, k string) bool {
	t := reflect.TypeOf(v).Elem()
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); name == k && name != "-" {
			return true
		}
	}
	return false
}

// OwnPrefix begins the names of the streams tarn keeps for itself (its
// event log, function queue, direct PUT deliveries): no config declares,
// changes or deletes them.
const OwnPrefix = "tarn-"

// Problem is one thing wrong with a config: where and what.
type Problem struct {
	File  string
	Line  int
	Field string // "streams[0].shards"
	Msg   string
}

func (p Problem) Error() string {
	return fmt.Sprintf("%s:%d: %s: %s", p.File, p.Line, p.Field, p.Msg)
}

var (
	bucketName = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	streamName = regexp.MustCompile(`^[a-zA-Z0-9_.-]{1,128}$`)
	glueName   = regexp.MustCompile(`^[a-z0-9_.-]{1,255}$`)
	cronExpr   = regexp.MustCompile(`^cron\(\S+ \S+ \S+ \S+ \S+ \S+\)$`)
	identifier = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,126}$`) // lowercase: as the warehouse lists it
	// A type: words, then parameters (a length, MAX, a precision and
	// scale), or Hive's nested types; nothing a statement could be
	// smuggled in by.
	sqlType  = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9 ]*(\(\s*(\d+|[Mm][Aa][Xx])\s*(,\s*\d+\s*)?\))?$`)
	hiveType = regexp.MustCompile(`^[a-z][a-z0-9]*(\(\d+(,\d+)?\)|<[a-z0-9_:<>,() ]+>)?$`)
	funcName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
)

// Validate finds every problem of s, naming file, line and field; a spec
// with problems must change nothing.
func (s Spec) Validate(file string) error {
	var ps []error
	add := func(line int, field, format string, a ...any) {
		ps = append(ps, Problem{File: file, Line: line, Field: field, Msg: fmt.Sprintf(format, a...)})
	}
	seen := map[string]int{}
	dup := func(kind, name string, line int, field string) {
		if first, ok := seen[kind+"/"+name]; ok {
			add(line, field, "%s %q is declared twice (first on line %d)", kind, name, first)
		} else {
			seen[kind+"/"+name] = line
		}
	}
	for i, k := range s.Keys {
		f := fmt.Sprintf("keys[%d]", i)
		k.validate(add, f)
		dup("key", k.Name, k.Line, f)
	}
	buckets := map[string]bool{}
	for i, b := range s.Buckets {
		f := fmt.Sprintf("buckets[%d]", i)
		if !bucketName.MatchString(b.Name) || strings.Contains(b.Name, "..") {
			add(b.Line, f, "%q is not a bucket name: 3 to 63 lowercase letters, digits, dots and hyphens", b.Name)
		}
		dup("bucket", b.Name, b.Line, f)
		buckets[b.Name] = true
	}
	for i, st := range s.Streams {
		f := fmt.Sprintf("streams[%d]", i)
		if !streamName.MatchString(st.Name) {
			add(st.Line, f+".name", "%q is not a stream name: 1 to 128 letters, digits, _ . -", st.Name)
		}
		if strings.HasPrefix(st.Name, OwnPrefix) {
			add(st.Line, f+".name", "%q: names beginning with %s are tarn's own streams", st.Name, OwnPrefix)
		}
		if st.Shards < 0 || st.Shards > 500 {
			add(st.Line, f+".shards", "%d shards: want 1 to 500", st.Shards)
		}
		if st.RetentionHours != 0 && (st.RetentionHours < 24 || st.RetentionHours > 8760) {
			add(st.Line, f+".retention_hours", "%d: want 24 to 8760 hours", st.RetentionHours)
		}
		dup("stream", st.Name, st.Line, f)
	}
	dbs := map[string]bool{}
	for i, d := range s.Databases {
		f := fmt.Sprintf("databases[%d]", i)
		if !glueName.MatchString(d.Name) {
			add(d.Line, f+".name", "%q is not a database name: 1 to 255 lowercase letters, digits, _ . -", d.Name)
		}
		dup("database", d.Name, d.Line, f)
		dbs[d.Name] = true
		for j, c := range d.Tables {
			c.validate(add, fmt.Sprintf("%s.tables[%d]", f, j))
			dup("catalog table", d.Name+"."+c.Name, c.Line, fmt.Sprintf("%s.tables[%d]", f, j))
		}
	}
	for i, c := range s.Crawlers {
		f := fmt.Sprintf("crawlers[%d]", i)
		if c.Name == "" {
			add(c.Line, f+".name", "a crawler needs a name")
		}
		if !dbs[c.Database] {
			add(c.Line, f+".database", "database %q is not declared under databases", c.Database)
		}
		if len(c.Targets) == 0 {
			add(c.Line, f+".targets", "a crawler needs at least one s3://bucket/prefix/ target")
		}
		for j, t := range c.Targets {
			b, _, _ := strings.Cut(strings.TrimPrefix(t, "s3://"), "/")
			if !strings.HasPrefix(t, "s3://") || b == "" {
				add(c.Line, fmt.Sprintf("%s.targets[%d]", f, j), "%q is not an s3://bucket/prefix/ path", t)
			} else if len(s.Buckets) > 0 && !buckets[b] {
				add(c.Line, fmt.Sprintf("%s.targets[%d]", f, j), "bucket %q is not declared under buckets", b)
			}
		}
		if c.Schedule != "" && !cronExpr.MatchString(c.Schedule) {
			add(c.Line, f+".schedule", "%q is not a cron expression: cron(MIN HOUR DAY MONTH WEEKDAY YEAR)", c.Schedule)
		}
		if c.TableLevel < 0 || c.TableLevel > 100 {
			add(c.Line, f+".table_level", "%d: want the depth of the tables' folders, a bucket's top folders being 1", c.TableLevel)
		}
		if _, ok := recrawl[c.Recrawl]; !ok {
			add(c.Line, f+".recrawl", "%q is not one of everything, new_folders, events", c.Recrawl)
		}
		dup("crawler", c.Name, c.Line, f)
	}
	keys := map[string]bool{}
	for _, k := range s.Keys {
		keys[k.Name] = true
	}
	role := func(line int, field, name string) {
		switch {
		case name == "":
			add(line, field, "name the key it runs as (a key under keys, or one made with tarn keys add)")
		case len(s.Keys) > 0 && !keys[name] && name != "root":
			add(line, field, "key %q is not declared under keys", name)
		}
	}
	funcs := map[string]bool{}
	for i, fn := range s.Functions {
		f := fmt.Sprintf("functions[%d]", i)
		if !funcName.MatchString(fn.Name) {
			add(fn.Line, f+".name", "%q is not a function name: 1 to 64 letters, digits, _ -", fn.Name)
		}
		if fn.Runtime == "" {
			add(fn.Line, f+".runtime", "a function needs a runtime (python3.12, nodejs20.x, provided.al2023 …)")
		}
		if fn.Handler == "" && !strings.HasPrefix(fn.Runtime, "provided") {
			add(fn.Line, f+".handler", "a function needs a handler (app.handler)")
		}
		if fn.Code == "" {
			add(fn.Line, f+".code", "a function needs its code: a folder or a .zip, relative to the config")
		} else if _, err := os.Stat(s.path(fn.Code)); err != nil {
			add(fn.Line, f+".code", "%v", err)
		}
		role(fn.Line, f+".role", fn.Role)
		if fn.Timeout < 0 || fn.Timeout > 900 {
			add(fn.Line, f+".timeout", "%d seconds: want 1 to 900", fn.Timeout)
		}
		if fn.Memory != 0 && (fn.Memory < 128 || fn.Memory > 10240) {
			add(fn.Line, f+".memory", "%d MB: want 128 to 10240", fn.Memory)
		}
		dup("function", fn.Name, fn.Line, f)
		funcs[fn.Name] = true
	}
	for i, w := range s.WarehouseTables {
		f := fmt.Sprintf("warehouse_tables[%d]", i)
		schema, table := w.schemaTable()
		if !identifier.MatchString(schema) || !identifier.MatchString(table) {
			add(w.Line, f+".name", "%q is not a table name: [SCHEMA.]TABLE, each a lowercase letter or _, then lowercase letters, digits, _", w.Name)
		}
		if len(w.Columns) == 0 {
			add(w.Line, f+".columns", "a table needs columns")
		}
		cols := map[string]bool{}
		for j, c := range w.Columns {
			cf := fmt.Sprintf("%s.columns[%d]", f, j)
			if !identifier.MatchString(c.Name) {
				add(c.Line, cf+".name", "%q is not a column name: a lowercase letter or _, then lowercase letters, digits, _", c.Name)
			} else if cols[strings.ToLower(c.Name)] {
				add(c.Line, cf+".name", "column %q is declared twice", c.Name)
			}
			cols[strings.ToLower(c.Name)] = true
			if !sqlType.MatchString(c.Type) {
				add(c.Line, cf+".type", "%q is not a type: BIGINT, VARCHAR(256), DECIMAL(12,2), TIMESTAMP …", c.Type)
			} else if _, err := warehouse.ParseType(strings.ToLower(c.Type)); err != nil {
				add(c.Line, cf+".type", "%v", err)
			}
		}
		dup("warehouse table", schema+"."+table, w.Line, f)
	}
	for i, d := range s.Deliveries {
		f := fmt.Sprintf("deliveries[%d]", i)
		if !streamName.MatchString(d.Name) || len(d.Name) > 64 {
			add(d.Line, f+".name", "%q is not a delivery name: 1 to 64 letters, digits, _ . -", d.Name)
		}
		if strings.HasPrefix(d.Name, OwnPrefix) {
			add(d.Line, f+".name", "%q: names beginning with %s are tarn's own", d.Name, OwnPrefix)
		}
		role(d.Line, f+".role", d.Role)
		if d.Bucket == "" {
			add(d.Line, f+".bucket", "a delivery needs the bucket it writes")
		} else if len(s.Buckets) > 0 && !buckets[d.Bucket] {
			add(d.Line, f+".bucket", "bucket %q is not declared under buckets", d.Bucket)
		}
		if d.Stream != "" && len(s.Streams) > 0 && !slices.ContainsFunc(s.Streams, func(st Stream) bool { return st.Name == d.Stream }) {
			add(d.Line, f+".stream", "stream %q is not declared under streams", d.Stream)
		}
		if d.Interval < 0 || d.Interval > 900 {
			add(d.Line, f+".interval", "%d seconds: want 0 to 900", d.Interval)
		}
		if d.SizeMB < 0 || d.SizeMB > 128 {
			add(d.Line, f+".size_mb", "%d MB: want 1 to 128", d.SizeMB)
		}
		if d.Compression != "" && !compressions[d.Compression] {
			add(d.Line, f+".compression", "%q is not UNCOMPRESSED, GZIP, ZIP, Snappy, HADOOP_SNAPPY or ZSTD (as written)", d.Compression)
		}
		switch d.Format {
		case "":
			if d.Table != "" {
				add(d.Line, f+".table", "a table is what format converts by: give format: parquet too")
			}
		case "parquet":
			if d.SizeMB != 0 && d.SizeMB < 64 {
				add(d.Line, f+".size_mb", "%d MB: converting to Parquet wants 64 to 128", d.SizeMB)
			}
			if d.Compression != "" && d.Compression != "UNCOMPRESSED" {
				add(d.Line, f+".compression", "%s: Parquet is compressed by its own codec (Snappy); leave compression out when converting", d.Compression)
			}
			if db, _, ok := strings.Cut(d.Table, "."); !ok {
				add(d.Line, f+".table", "%q: name the catalog table records are converted by as DATABASE.TABLE", d.Table)
			} else if len(s.Databases) > 0 && !dbs[db] {
				add(d.Line, f+".table", "database %q is not declared under databases", db)
			}
		default:
			add(d.Line, f+".format", "%q is not parquet (the one format deliveries convert to here)", d.Format)
		}
		if d.Transform != "" && len(s.Functions) > 0 && !funcs[d.Transform] {
			add(d.Line, f+".transform", "function %q is not declared under functions", d.Transform)
		}
		dup("delivery", d.Name, d.Line, f)
	}
	for i, r := range s.Rules {
		f := fmt.Sprintf("rules[%d]", i)
		if _, err := r.Trigger("us-east-1"); err != nil {
			add(r.Line, f, "%v", err)
		}
		dup("rule", r.Bucket+"/"+r.ID, r.Line, f)
	}
	return errors.Join(ps...)
}

// compressions are Firehose's CompressionFormat values, spelled as it
// takes them.
var compressions = map[string]bool{"UNCOMPRESSED": true, "GZIP": true, "ZIP": true, "Snappy": true, "HADOOP_SNAPPY": true, "ZSTD": true}

// recrawl maps the config's words to Glue's RecrawlBehavior.
var recrawl = map[string]string{"": "CRAWL_EVERYTHING", "everything": "CRAWL_EVERYTHING",
	"new_folders": "CRAWL_NEW_FOLDERS_ONLY", "events": "CRAWL_EVENT_MODE"}

// recrawlWord is the config's word for a RecrawlBehavior ("" for the
// default).
var recrawlWord = map[string]string{"CRAWL_NEW_FOLDERS_ONLY": "new_folders", "CRAWL_EVENT_MODE": "events"}
