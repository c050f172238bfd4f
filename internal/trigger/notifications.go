package trigger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/catalog"
	"github.com/tarnlake/tarn/internal/function"
)

// Invoker runs a function for an event: asynchronously, with the
// function's retries and on-failure destination; an error means the
// event's outcome is not settled and it must be tried again.
type Invoker interface {
	InvokeEvent(ctx context.Context, function string, payload []byte, received time.Time) error
	Exists(ctx context.Context, arn string) (bool, error)
}

// Rules keeps buckets' notification rules in the catalog store: those
// set through S3's PutBucketNotificationConfiguration and those the
// config file declares. It is the S3 API's Notifications.
type Rules struct {
	docs    catalog.Documents
	invoker Invoker
	// test, when set, receives the s3:TestEvent of a saved configuration
	// for each function it names, instead of the invoker (tests).
	test func(ctx context.Context, function string, payload []byte)
}

// NewRules keeps rules in docs; functions are checked and sent test
// events through invoker.
func NewRules(docs catalog.Documents, invoker Invoker) *Rules {
	return &Rules{docs: docs, invoker: invoker}
}

// BucketNotification returns the bucket's configuration as S3 shows it,
// or nil when it has none.
func (r *Rules) BucketNotification(ctx context.Context, bucket string) ([]byte, error) {
	rules, err := loadRules(ctx, r.docs, docRules, bucket)
	if err != nil || len(rules) == 0 {
		return nil, err
	}
	return NotificationXML(rules)
}

// SetBucketNotification checks and stores a configuration, replacing the
// one set before, and sends each function it names an s3:TestEvent.
// Naming a function needs leave to invoke it (write on lambda:NAME), as
// S3 needs the function's permission.
func (r *Rules) SetBucketNotification(ctx context.Context, bucket string, doc []byte, caller *access.Key) error {
	rules, err := ParseNotification(doc, func(arn string) (bool, error) {
		if r.invoker == nil {
			return false, nil
		}
		return r.invoker.Exists(ctx, arn)
	})
	if err != nil {
		return err
	}
	for _, rule := range rules {
		if name := function.NameOf(rule.Function); caller != nil && !caller.Allowed(access.Write, access.Function(name)) {
			return &ConfigError{Code: "AccessDenied", Message: fmt.Sprintf(
				"access key %s may not invoke function %s (write on lambda:%s), which rule %s names", caller.ID, name, name, rule.ID)}
		}
	}
	fixed, err := loadRules(ctx, r.docs, docConfigRules, bucket)
	if err != nil {
		return err
	}
	if err := checkOverlaps(append(fixed, rules...)); err != nil {
		return err
	}
	if err := saveRules(ctx, r.docs, docRules, bucket, rules); err != nil {
		return err
	}
	r.sendTestEvents(bucket, rules)
	return nil
}

// SetConfigRules stores the rules the config file declares for a bucket.
func (r *Rules) SetConfigRules(ctx context.Context, bucket string, rules []Rule) error {
	for i := range rules {
		if rules[i].ID == "" {
			rules[i].ID = newID()
		}
	}
	if err := checkOverlaps(rules); err != nil {
		return err
	}
	return saveRules(ctx, r.docs, docConfigRules, bucket, rules)
}

// ForBucket returns every rule of a bucket.
func (r *Rules) ForBucket(ctx context.Context, bucket string) ([]Rule, error) {
	fixed, err := loadRules(ctx, r.docs, docConfigRules, bucket)
	if err != nil {
		return nil, err
	}
	api, err := loadRules(ctx, r.docs, docRules, bucket)
	return append(fixed, api...), err
}

// sendTestEvents sends s3:TestEvent to the functions of a new
// configuration, in the background: saving does not wait for functions.
func (r *Rules) sendTestEvents(bucket string, rules []Rule) {
	if r.invoker == nil {
		return
	}
	now := time.Now().UTC()
	payload, _ := json.Marshal(map[string]string{"Service": "Amazon S3", "Event": "s3:TestEvent",
		"Time": now.Format("2006-01-02T15:04:05.000Z"), "Bucket": bucket, "RequestId": sequencer(now), "HostId": "tarn"})
	seen := map[string]bool{}
	for _, rule := range rules {
		if rule.Function == "" || seen[rule.Function] {
			continue
		}
		seen[rule.Function] = true
		if r.test != nil {
			r.test(context.Background(), rule.Function, payload)
			continue
		}
		go r.invoker.InvokeEvent(context.Background(), rule.Function, payload, now)
	}
}

// ReplaceConfigRules makes the config file's rules, by bucket, the ones
// in force: buckets it no longer names lose theirs.
func (r *Rules) ReplaceConfigRules(ctx context.Context, byBucket map[string][]Rule) error {
	old, err := r.docs.ListDocs(ctx, docConfigRules, "")
	if err != nil {
		return err
	}
	for _, d := range old {
		if _, ok := byBucket[d.Name]; !ok {
			if err := saveRules(ctx, r.docs, docConfigRules, d.Name, nil); err != nil {
				return err
			}
		}
	}
	for bucket, rules := range byBucket {
		if err := r.SetBucketConfigRules(ctx, bucket, rules); err != nil {
			return err
		}
	}
	return nil
}

// SetBucketConfigRules makes rules a bucket's config rules (none: it has
// none), checked against those set through S3.
func (r *Rules) SetBucketConfigRules(ctx context.Context, bucket string, rules []Rule) error {
	api, err := loadRules(ctx, r.docs, docRules, bucket)
	if err != nil {
		return err
	}
	if err := checkOverlaps(append(append([]Rule(nil), rules...), api...)); err != nil {
		return fmt.Errorf("rules of bucket %s: %w", bucket, err)
	}
	if err := r.SetConfigRules(ctx, bucket, rules); err != nil {
		return fmt.Errorf("rules of bucket %s: %w", bucket, err)
	}
	return nil
}

// ConfigRules returns the config rules of every bucket that has some.
func (r *Rules) ConfigRules(ctx context.Context) (map[string][]Rule, error) {
	docs, err := r.docs.ListDocs(ctx, docConfigRules, "")
	if err != nil {
		return nil, err
	}
	out := map[string][]Rule{}
	for _, d := range docs {
		rules, err := loadRules(ctx, r.docs, docConfigRules, d.Name)
		if err != nil {
			return nil, err
		}
		if len(rules) > 0 {
			out[d.Name] = rules
		}
	}
	return out, nil
}

// Check finds what is wrong with a rule as the config declares one: its
// event types, its one target and its key templates.
func (rule Rule) Check() error {
	var errs []error
	if rule.ID == "" {
		errs = append(errs, errors.New("a rule needs an id"))
	}
	for _, e := range rule.Events {
		if !ValidEventType(e) {
			errs = append(errs, fmt.Errorf("event %q is not one of s3:ObjectCreated:*, s3:ObjectCreated:Put|Post|Copy|CompleteMultipartUpload, s3:ObjectRemoved:*, s3:ObjectRemoved:Delete|DeleteMarkerCreated", e))
		}
	}
	if (rule.Function == "") == (rule.Action == nil) {
		errs = append(errs, errors.New("a rule needs exactly one target: a function or an action"))
	}
	if a := rule.Action; a != nil {
		switch a.Kind {
		case "move", "copy":
			if a.Bucket == "" {
				errs = append(errs, fmt.Errorf("%s: needs a target bucket", a.Kind))
			}
			if err := CheckTemplate(a.Key); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", a.Kind, err))
			}
		case "crawl":
			if a.Crawler == "" {
				errs = append(errs, errors.New("crawl needs a crawler"))
			}
		case "load":
			if a.Table == "" {
				errs = append(errs, errors.New("load needs a table"))
			}
			// It loads as root whatever lands: its options must not let a
			// writer of the prefix name other objects to read (a manifest,
			// a jsonpaths file).
			if up := strings.ToUpper(a.Options); strings.Contains(up, "MANIFEST") || strings.Contains(up, "S3://") {
				errs = append(errs, errors.New("load: MANIFEST and s3:// files are not allowed in a rule's options (the landed file is what loads)"))
			}
			for _, t := range []string{a.Loaded, a.Failed} {
				if t == "" {
					continue
				}
				if err := CheckTemplate(t); err != nil {
					errs = append(errs, fmt.Errorf("load: %w", err))
				}
				// A file moved back under the rule's prefix would be loaded again.
				if head, _, _ := strings.Cut(t, "{"); rule.Prefix == "" || strings.HasPrefix(head, rule.Prefix) {
					errs = append(errs, fmt.Errorf("load: %q must lead out of the rule's prefix %q (give the rule a prefix, and loaded files another)", t, rule.Prefix))
				}
			}
		default:
			errs = append(errs, fmt.Errorf("action %q is not move, copy, crawl or load", a.Kind))
		}
	}
	return errors.Join(errs...)
}

// ValidEventType reports whether t is an event type rules may name.
func ValidEventType(t string) bool { return eventTypes[t] }
