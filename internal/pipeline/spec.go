package pipeline

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Spec is the pipelines a config declares. Each resource keeps the line it
// was declared on, so that an error can name it.
type Spec struct {
	Keys      []Key      `yaml:"keys,omitempty"`
	Buckets   []Bucket   `yaml:"buckets,omitempty"`
	Streams   []Stream   `yaml:"streams,omitempty"`
	Databases []Database `yaml:"databases,omitempty"`
	Crawlers  []Crawler  `yaml:"crawlers,omitempty"`
}

// Empty reports whether s declares nothing: then there is nothing to plan.
func (s Spec) Empty() bool {
	return s.Keys == nil && s.Buckets == nil && s.Streams == nil && s.Databases == nil && s.Crawlers == nil
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
	Name        string `yaml:"name"`
	Description string `yaml:"description,omitempty"`
	Line        int    `yaml:"-"`
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
	Line        int    `yaml:"-"`
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
		if _, ok := recrawl[c.Recrawl]; !ok {
			add(c.Line, f+".recrawl", "%q is not one of everything, new_folders, events", c.Recrawl)
		}
		dup("crawler", c.Name, c.Line, f)
	}
	return errors.Join(ps...)
}

// recrawl maps the config's words to Glue's RecrawlBehavior.
var recrawl = map[string]string{"": "CRAWL_EVERYTHING", "everything": "CRAWL_EVERYTHING",
	"new_folders": "CRAWL_NEW_FOLDERS_ONLY", "events": "CRAWL_EVENT_MODE"}

// recrawlWord is the config's word for a RecrawlBehavior ("" for the
// default).
var recrawlWord = map[string]string{"CRAWL_NEW_FOLDERS_ONLY": "new_folders", "CRAWL_EVENT_MODE": "events"}
