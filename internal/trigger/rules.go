package trigger

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"strings"

	"github.com/tarnlake/tarn/internal/catalog"
)

// Rule sends a bucket's events of some types, under a key prefix and with
// a key suffix, to one target: a function or a built-in action.
type Rule struct {
	ID       string   `json:"id"`
	Events   []string `json:"events"` // "s3:ObjectCreated:*", "s3:ObjectRemoved:Delete", …
	Prefix   string   `json:"prefix,omitempty"`
	Suffix   string   `json:"suffix,omitempty"`
	Function string   `json:"function,omitempty"` // a tarn function's ARN
	Action   *Action  `json:"action,omitempty"`   // a built-in action (config file)
}

// Action is a built-in action of a rule.
type Action struct {
	Kind    string `json:"kind"`              // "move", "copy", "crawl" or "load"
	Bucket  string `json:"bucket,omitempty"`  // move, copy: the target bucket
	Key     string `json:"key,omitempty"`     // move, copy: target key template ({key}, {name}, {date} …)
	Crawler string `json:"crawler,omitempty"` // crawl; move and copy may crawl after
	Table   string `json:"table,omitempty"`   // load: warehouse table
	Options string `json:"options,omitempty"` // load: COPY's options ("CSV IGNOREHEADER 1")
	Loaded  string `json:"loaded,omitempty"`  // load: key template a loaded file moves to ("": it stays)
	Failed  string `json:"failed,omitempty"`  // load: key template a file that cannot be loaded moves to
}

// eventTypes are the notification event types tarn emits, with their
// wildcards.
var eventTypes = map[string]bool{
	"s3:ObjectCreated:*": true, "s3:ObjectCreated:Put": true, "s3:ObjectCreated:Post": true,
	"s3:ObjectCreated:Copy": true, "s3:ObjectCreated:CompleteMultipartUpload": true,
	"s3:ObjectRemoved:*": true, "s3:ObjectRemoved:Delete": true, "s3:ObjectRemoved:DeleteMarkerCreated": true,
}

// matchesEvent reports whether the rule's types take an event name
// ("ObjectCreated:Put", as logged).
func (r Rule) matchesEvent(name string) bool {
	for _, t := range r.Events {
		t = strings.TrimPrefix(t, "s3:")
		if t == name || strings.HasSuffix(t, ":*") && strings.HasPrefix(name, strings.TrimSuffix(t, "*")) {
			return true
		}
	}
	return false
}

// Matches reports whether the rule takes an event on key.
func (r Rule) Matches(event, key string) bool {
	return r.matchesEvent(event) && strings.HasPrefix(key, r.Prefix) && strings.HasSuffix(key, r.Suffix)
}

// overlaps reports whether two rules could take one event: S3 refuses
// that within a bucket.
func overlaps(a, b Rule) bool {
	shared := false
	for _, t := range a.Events {
		for _, u := range b.Events {
			shared = shared || t == u || typeCovers(t, u) || typeCovers(u, t)
		}
	}
	prefixes := strings.HasPrefix(a.Prefix, b.Prefix) || strings.HasPrefix(b.Prefix, a.Prefix)
	suffixes := strings.HasSuffix(a.Suffix, b.Suffix) || strings.HasSuffix(b.Suffix, a.Suffix)
	return shared && prefixes && suffixes
}

func typeCovers(wild, t string) bool {
	return strings.HasSuffix(wild, ":*") && strings.HasPrefix(t, strings.TrimSuffix(wild, "*"))
}

// ConfigError is a notification configuration S3 would refuse.
type ConfigError struct {
	Code    string // S3's error code: InvalidArgument, MalformedXML
	Message string
}

func (e *ConfigError) Error() string { return e.Code + ": " + e.Message }

// S3Error gives the code and message S3 answers the client with.
func (e *ConfigError) S3Error() (string, string) { return e.Code, e.Message }

func invalid(format string, a ...any) error {
	return &ConfigError{Code: "InvalidArgument", Message: fmt.Sprintf(format, a...)}
}

// notificationXML is S3's NotificationConfiguration; tarn takes the Lambda
// configurations (SQS, SNS and EventBridge have no tarn analogue).
type notificationXML struct {
	XMLName xml.Name    `xml:"NotificationConfiguration"` // in any namespace
	Xmlns   string      `xml:"xmlns,attr,omitempty"`
	Lambda  []lambdaXML `xml:"CloudFunctionConfiguration"`
	Lambda2 []lambdaXML `xml:"LambdaFunctionConfiguration"`
	Queues  []struct{}  `xml:"QueueConfiguration"`
	Topics  []struct{}  `xml:"TopicConfiguration"`
	Bridge  *struct{}   `xml:"EventBridgeConfiguration"`
}

type lambdaXML struct {
	ID       string   `xml:"Id,omitempty"`
	Function string   `xml:"CloudFunction"`
	Events   []string `xml:"Event"`
	Filter   *struct {
		Rules []filterRuleXML `xml:"S3Key>FilterRule"`
	} `xml:"Filter,omitempty"`
}

type filterRuleXML struct {
	Name  string `xml:"Name"`
	Value string `xml:"Value"`
}

// ParseNotification reads and checks a NotificationConfiguration
// document: its rules, or a *ConfigError saying what S3 would refuse.
// exists reports whether a function ARN names a tarn function.
func ParseNotification(doc []byte, exists func(arn string) (bool, error)) ([]Rule, error) {
	var n notificationXML
	if err := xml.Unmarshal(doc, &n); err != nil {
		return nil, &ConfigError{Code: "MalformedXML", Message: "The XML you provided was not well-formed or did not validate against our published schema: " + err.Error()}
	}
	if len(n.Queues) > 0 || len(n.Topics) > 0 || n.Bridge != nil {
		return nil, &ConfigError{Code: "NotImplemented", Message: "tarn sends bucket notifications to functions only (LambdaFunctionConfigurations); queues, topics and EventBridge have no tarn analogue"}
	}
	var rules []Rule
	ids := map[string]bool{}
	var unknown []string
	for _, c := range append(n.Lambda, n.Lambda2...) {
		r := Rule{ID: c.ID, Function: strings.TrimSpace(c.Function)}
		if r.ID == "" {
			r.ID = newID()
		}
		if ids[r.ID] {
			return nil, invalid("Same ID used for multiple configurations: %s", r.ID)
		}
		ids[r.ID] = true
		if len(c.Events) == 0 {
			return nil, invalid("A configuration (%s) names no event type.", r.ID)
		}
		for _, e := range c.Events {
			e = strings.TrimSpace(e)
			if !eventTypes[e] {
				return nil, invalid("The event is not supported for notifications: %s", e)
			}
			r.Events = append(r.Events, e)
		}
		if c.Filter != nil {
			for _, fr := range c.Filter.Rules {
				switch strings.ToLower(fr.Name) {
				case "prefix":
					if r.Prefix != "" {
						return nil, invalid("Cannot specify more than one prefix rule in a filter.")
					}
					r.Prefix = fr.Value
				case "suffix":
					if r.Suffix != "" {
						return nil, invalid("Cannot specify more than one suffix rule in a filter.")
					}
					r.Suffix = fr.Value
				default:
					return nil, invalid("filter rule name must be either prefix or suffix, not %q", fr.Name)
				}
			}
		}
		ok, err := exists(r.Function)
		if err != nil {
			return nil, err
		}
		if !ok {
			unknown = append(unknown, r.Function)
		}
		rules = append(rules, r)
	}
	if len(unknown) > 0 {
		return nil, invalid("Unable to validate the following destination configurations: %s (no such tarn function: create it with aws lambda create-function)", strings.Join(unknown, ", "))
	}
	if err := checkOverlaps(rules); err != nil {
		return nil, err
	}
	return rules, nil
}

func checkOverlaps(rules []Rule) error {
	for i := range rules {
		for j := i + 1; j < len(rules); j++ {
			if overlaps(rules[i], rules[j]) {
				return invalid("Configurations overlap. Configurations on the same bucket cannot share a common event type. (%s and %s)", rules[i].ID, rules[j].ID)
			}
		}
	}
	return nil
}

func newID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// NotificationXML renders a bucket's function rules as S3 returns them.
func NotificationXML(rules []Rule) ([]byte, error) {
	n := notificationXML{Xmlns: "http://s3.amazonaws.com/doc/2006-03-01/"}
	for _, r := range rules {
		if r.Function == "" {
			continue
		}
		c := lambdaXML{ID: r.ID, Function: r.Function, Events: r.Events}
		if r.Prefix != "" || r.Suffix != "" {
			c.Filter = &struct {
				Rules []filterRuleXML `xml:"S3Key>FilterRule"`
			}{}
			if r.Prefix != "" {
				c.Filter.Rules = append(c.Filter.Rules, filterRuleXML{"Prefix", r.Prefix})
			}
			if r.Suffix != "" {
				c.Filter.Rules = append(c.Filter.Rules, filterRuleXML{"Suffix", r.Suffix})
			}
		}
		n.Lambda = append(n.Lambda, c)
	}
	b, err := xml.Marshal(n)
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), b...), nil
}

// Document kinds of the rules in the catalog store: those set through
// the S3 API, and those declared in the config file (kept apart, so that
// a PutBucketNotificationConfiguration replaces only its own).
const (
	docRules       = "bucket-notification"
	docConfigRules = "bucket-notification-config"
)

type rulesDoc struct {
	Rules []Rule `json:"rules"`
}

func loadRules(ctx context.Context, docs catalog.Documents, kind, bucket string) ([]Rule, error) {
	d, err := docs.GetDoc(ctx, kind, bucket)
	if errors.Is(err, catalog.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("notification rules of %s: %w", bucket, err)
	}
	var rd rulesDoc
	if err := json.Unmarshal(d.Body, &rd); err != nil {
		return nil, fmt.Errorf("notification rules of %s: %w", bucket, err)
	}
	return rd.Rules, nil
}

func saveRules(ctx context.Context, docs catalog.Documents, kind, bucket string, rules []Rule) error {
	if len(rules) == 0 {
		err := docs.DeleteDoc(ctx, kind, bucket)
		if errors.Is(err, catalog.ErrNotFound) {
			return nil
		}
		return err
	}
	body, err := json.Marshal(rulesDoc{rules})
	if err != nil {
		return err
	}
	_, err = docs.PutDoc(ctx, catalog.Doc{Kind: kind, Name: bucket, Body: body}, catalog.AnyRev)
	return err
}
