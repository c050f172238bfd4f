package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/tarnlake/tarn/internal/function"
	"github.com/tarnlake/tarn/internal/trigger"
)

// Rule is a bucket notification rule declared in the config file:
// events of a bucket, under a prefix and with a suffix, sent to one
// target — a function, or one of tarn's built-in actions.
type Rule struct {
	Bucket string   `yaml:"bucket,omitempty"`
	ID     string   `yaml:"id,omitempty"`     // required: the action ledger is kept by it
	Events []string `yaml:"events,omitempty"` // default s3:ObjectCreated:*
	Prefix string   `yaml:"prefix,omitempty"`
	Suffix string   `yaml:"suffix,omitempty"`

	Function string    `yaml:"function,omitempty"` // a function's name or ARN
	Move     *Transfer `yaml:"move,omitempty"`     // copy into the lake, then delete the source
	Copy     *Transfer `yaml:"copy,omitempty"`
	Crawl    string    `yaml:"crawl,omitempty"` // run this event-mode crawler on the object
	Load     string    `yaml:"load,omitempty"`  // load into this warehouse table ([schema.]table)
	// LoadOptions are Redshift COPY's options for the load ("CSV
	// IGNOREHEADER 1"; default: pipe-delimited text).
	LoadOptions string `yaml:"load_options,omitempty"`
	// Loaded and Failed are key templates, in the same bucket, that a
	// loaded file and one that cannot be loaded move to ("": it stays).
	Loaded string `yaml:"loaded,omitempty"`
	Failed string `yaml:"failed,omitempty"`
	Line   int    `yaml:"-"`
}

func (rc *Rule) UnmarshalYAML(n *yaml.Node) error {
	type plain Rule
	return decodeAt(n, (*plain)(rc), &rc.Line)
}

// Transfer is where a move or copy puts the object.
type Transfer struct {
	Bucket  string `yaml:"bucket,omitempty"`
	Key     string `yaml:"key,omitempty"`     // a template: {rel}, {key}, {name}, {dir}, {yyyy}, {mm}, {dd}, {hh}, {date}
	Crawler string `yaml:"crawler,omitempty"` // then run this event-mode crawler on the moved object
	Line    int    `yaml:"-"`
}

func (t *Transfer) UnmarshalYAML(n *yaml.Node) error {
	type plain Transfer
	return decodeAt(n, (*plain)(t), &t.Line)
}

// Trigger is the trigger rule rc declares, checked as the server checks
// it (trigger.Rule.Check), and for what the config's form alone can get
// wrong: a bucket, and one target among its fields.
func (rc Rule) Trigger(region string) (trigger.Rule, error) {
	r := trigger.Rule{ID: rc.ID, Events: rc.Events, Prefix: rc.Prefix, Suffix: rc.Suffix}
	if len(r.Events) == 0 {
		r.Events = []string{"s3:ObjectCreated:*"}
	}
	targets := 0
	if rc.Function != "" {
		targets++
		r.Function = rc.Function
		if !strings.HasPrefix(r.Function, "arn:") {
			r.Function = function.Config{Name: rc.Function}.ARN(region)
		}
	}
	for kind, t := range map[string]*Transfer{"move": rc.Move, "copy": rc.Copy} {
		if t != nil {
			targets++
			r.Action = &trigger.Action{Kind: kind, Bucket: t.Bucket, Key: t.Key, Crawler: t.Crawler}
		}
	}
	if rc.Crawl != "" {
		targets++
		r.Action = &trigger.Action{Kind: "crawl", Crawler: rc.Crawl}
	}
	if rc.Load != "" {
		targets++
		r.Action = &trigger.Action{Kind: "load", Table: rc.Load, Options: rc.LoadOptions, Loaded: rc.Loaded, Failed: rc.Failed}
	}
	var errs []error
	if rc.Bucket == "" {
		errs = append(errs, errors.New("needs a bucket"))
	}
	if targets != 1 {
		errs = append(errs, fmt.Errorf("needs exactly one of function, move, copy, crawl and load (has %d)", targets))
	} else if err := r.Check(); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return trigger.Rule{}, fmt.Errorf("rules: bucket %q rule %q: %w", rc.Bucket, rc.ID, err)
	}
	return r, nil
}

// TriggerRules are the spec's rules by bucket, as the trigger keeps them.
func (s Spec) TriggerRules(region string) (map[string][]trigger.Rule, error) {
	out := map[string][]trigger.Rule{}
	var errs []error
	for _, rc := range s.Rules {
		r, err := rc.Trigger(region)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out[rc.Bucket] = append(out[rc.Bucket], r)
	}
	return out, errors.Join(errs...)
}

// fromTrigger is the config's rule of a trigger rule of bucket.
func fromTrigger(bucket string, r trigger.Rule) Rule {
	rc := Rule{Bucket: bucket, ID: r.ID, Events: r.Events, Prefix: r.Prefix, Suffix: r.Suffix, Function: function.NameOf(r.Function)}
	if slices.Equal(rc.Events, []string{"s3:ObjectCreated:*"}) {
		rc.Events = nil // the default
	}
	if a := r.Action; a != nil {
		switch a.Kind {
		case "move":
			rc.Move = &Transfer{Bucket: a.Bucket, Key: a.Key, Crawler: a.Crawler}
		case "copy":
			rc.Copy = &Transfer{Bucket: a.Bucket, Key: a.Key, Crawler: a.Crawler}
		case "crawl":
			rc.Crawl = a.Crawler
		case "load":
			rc.Load, rc.LoadOptions, rc.Loaded, rc.Failed = a.Table, a.Options, a.Loaded, a.Failed
		}
	}
	return rc
}

// configRules are the rules the target holds from configs, by bucket.
func configRules(ctx context.Context, t Target) (map[string][]trigger.Rule, error) {
	var res struct{ Rules map[string][]trigger.Rule }
	if err := t.Events.Call(ctx, "GetConfigRules", map[string]any{}, &res); err != nil {
		return nil, err
	}
	return res.Rules, nil
}

type ruleKind struct{}

// plan sets each bucket's rules as a whole, as tarn serve does with its
// config's: a bucket whose rules differ gets the declared ones.
func (ruleKind) plan(ctx context.Context, t Target, s Spec) ([]Change, int, error) {
	if s.Rules == nil {
		return nil, 0, nil // no rules: section, no rules managed
	}
	want, err := s.TriggerRules(t.Region)
	if err != nil {
		return nil, 0, err
	}
	have, err := configRules(ctx, t)
	if err != nil {
		return nil, 0, err
	}
	put := func(bucket string, rules []trigger.Rule) func(context.Context) error {
		return func(ctx context.Context) error {
			return t.Events.Call(ctx, "PutBucketConfigRules", map[string]any{"Bucket": bucket, "Rules": rules}, nil)
		}
	}
	var out []Change
	n := 0
	for _, bucket := range sortedKeys(want) {
		rules := want[bucket]
		was, ok := have[bucket]
		delete(have, bucket)
		switch {
		case !ok:
			out = append(out, Change{Op: Create, Kind: "rules of bucket", Name: bucket, do: put(bucket, rules)})
		case !sameRules(was, rules):
			out = append(out, Change{Op: Update, Kind: "rules of bucket", Name: bucket,
				What: "rules " + ruleIDs(was) + " → " + ruleIDs(rules), do: put(bucket, rules)})
		default:
			n++
		}
	}
	for bucket := range have {
		out = append(out, Change{Op: Delete, Kind: "rules of bucket", Name: bucket, do: put(bucket, nil)})
	}
	sortChanges(out)
	return out, n, nil
}

// sameRules compares rules naming functions by name: an ARN's region is
// the client's.
func sameRules(a, b []trigger.Rule) bool {
	norm := func(rs []trigger.Rule) string {
		rs = slices.Clone(rs)
		for i := range rs {
			rs[i].Function = function.NameOf(rs[i].Function)
		}
		j, _ := json.Marshal(rs)
		return string(j)
	}
	return norm(a) == norm(b)
}

func ruleIDs(rules []trigger.Rule) string {
	ids := make([]string, len(rules))
	for i, r := range rules {
		ids[i] = r.ID
	}
	return "[" + strings.Join(ids, ", ") + "]"
}

// exportRules lists the target's rules: those of configs, and those set
// through S3 (functions only), which a config declares the same way.
func exportRules(ctx context.Context, t Target, buckets []string) ([]Rule, error) {
	var out []Rule
	if t.Events != nil {
		have, err := configRules(ctx, t)
		if err != nil {
			return nil, err
		}
		for _, bucket := range sortedKeys(have) {
			for _, r := range have[bucket] {
				out = append(out, fromTrigger(bucket, r))
			}
		}
	}
	for _, b := range buckets {
		rules, err := t.S3.NotificationRules(ctx, b)
		if err != nil {
			return nil, err
		}
		for _, r := range rules {
			out = append(out, fromTrigger(b, r))
		}
	}
	slices.SortStableFunc(out, func(a, b Rule) int { return strings.Compare(a.Bucket, b.Bucket) })
	return out, nil
}
