package access

import (
	"fmt"
	"path"
	"strings"
)

// Kind is the kind of resource a grant covers. Grants of one kind never
// match a resource of another, whatever their pattern.
type Kind string

const (
	S3        Kind = "s3"        // buckets
	Kinesis   Kind = "kinesis"   // streams
	Glue      Kind = "glue"      // catalog databases (and the tables in them)
	Athena    Kind = "athena"    // workgroups
	Lambda    Kind = "lambda"    // functions
	Firehose  Kind = "firehose"  // delivery streams
	Warehouse Kind = "warehouse" // warehouse schemas
)

var kinds = map[Kind]bool{S3: true, Kinesis: true, Glue: true, Athena: true, Lambda: true, Firehose: true, Warehouse: true}

// Resource names one thing a key may read or write; Name "" stands for
// the whole account (of that kind).
type Resource struct {
	Kind Kind
	Name string
}

func (r Resource) String() string { return string(r.Kind) + ":" + r.Name }

// Bucket, Stream and Database name the resources of the APIs tarn serves.
// Database names are case-insensitive, as Glue's are.
func Bucket(name string) Resource    { return Resource{S3, name} }
func Stream(name string) Resource    { return Resource{Kinesis, name} }
func Database(name string) Resource  { return Resource{Glue, strings.ToLower(name)} }
func Workgroup(name string) Resource { return Resource{Athena, name} }
func Function(name string) Resource  { return Resource{Lambda, name} }
func Delivery(name string) Resource  { return Resource{Firehose, name} }

// Grant lets a key read and/or write the resources its pattern matches:
// "s3:landing", "s3:raw-*", "kinesis:clicks", "glue:analytics" (path.Match
// syntax after the kind). A pattern without a kind is a bucket pattern,
// as grants were written before kinds existed ("landing", "*").
type Grant struct {
	Resource string `json:"resource,omitempty"`
	// Bucket is the field older keys files used for Resource.
	Bucket string `json:"bucket,omitempty"`
	Read   bool   `json:"read,omitempty"`
	Write  bool   `json:"write,omitempty"`
}

// Target is the kind and name pattern the grant covers.
func (g Grant) Target() (Resource, error) {
	s := g.Resource
	if s == "" {
		s = g.Bucket
	}
	return ParsePattern(s)
}

// Matches reports whether the grant's pattern covers r. A grant whose
// pattern does not parse matches nothing.
func (g Grant) Matches(r Resource) bool {
	t, err := g.Target()
	if err != nil || t.Kind != r.Kind {
		return false
	}
	if t.Name == "*" {
		return true
	}
	if r.Name == "" {
		return false
	}
	ok, _ := path.Match(t.Name, r.Name)
	return ok
}

// ParsePattern reads "kind:pattern", or a bare bucket pattern.
func ParsePattern(s string) (Resource, error) {
	kind, name, ok := strings.Cut(s, ":")
	r := Resource{Kind: Kind(strings.ToLower(kind)), Name: name}
	if !ok {
		r = Resource{Kind: S3, Name: s}
	}
	if !kinds[r.Kind] {
		return Resource{}, fmt.Errorf("grant %q: unknown kind %q (want s3, kinesis, glue, athena, lambda, firehose or warehouse)", s, kind)
	}
	if r.Name == "" {
		return Resource{}, fmt.Errorf("grant %q: no name pattern after %s: (use %s:* for all)", s, r.Kind, r.Kind)
	}
	if _, err := path.Match(r.Name, ""); err != nil {
		return Resource{}, fmt.Errorf("grant %q: bad pattern: %w", s, err)
	}
	if r.Kind == Glue {
		r.Name = strings.ToLower(r.Name)
	}
	return r, nil
}

// RoleName is the key a role ARN stands for: functions and deliveries act
// with the grants of the key their role names
// (arn:aws:iam::ACCOUNT:role/[PATH/]NAME).
func RoleName(arn string) (string, bool) {
	i := strings.LastIndex(arn, ":role/")
	if i < 0 || !strings.HasPrefix(arn, "arn:") {
		return "", false
	}
	name := arn[i+len(":role/"):]
	name = name[strings.LastIndex(name, "/")+1:]
	return name, name != ""
}
