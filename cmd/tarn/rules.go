package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/tarnlake/tarn/internal/function"
	"github.com/tarnlake/tarn/internal/trigger"
)

// RuleConfig is a bucket notification rule declared in the config file:
// events of a bucket, under a prefix and with a suffix, sent to one
// target — a function, or one of tarn's built-in actions.
type RuleConfig struct {
	Bucket string   `yaml:"bucket,omitempty"`
	ID     string   `yaml:"id,omitempty"`     // required: the action ledger is kept by it
	Events []string `yaml:"events,omitempty"` // default s3:ObjectCreated:*
	Prefix string   `yaml:"prefix,omitempty"`
	Suffix string   `yaml:"suffix,omitempty"`

	Function string          `yaml:"function,omitempty"` // a function's name or ARN
	Move     *TransferConfig `yaml:"move,omitempty"`     // copy into the lake, then delete the source
	Copy     *TransferConfig `yaml:"copy,omitempty"`
	Crawl    string          `yaml:"crawl,omitempty"` // run this event-mode crawler on the object
	Load     string          `yaml:"load,omitempty"`  // load into this warehouse table ([schema.]table)
	// LoadOptions are Redshift COPY's options for the load ("CSV
	// IGNOREHEADER 1"; default: pipe-delimited text).
	LoadOptions string `yaml:"load_options,omitempty"`
	// Loaded and Failed are key templates, in the same bucket, that a
	// loaded file and one that cannot be loaded move to ("": it stays).
	Loaded string `yaml:"loaded,omitempty"`
	Failed string `yaml:"failed,omitempty"`
}

// TransferConfig is where a move or copy puts the object.
type TransferConfig struct {
	Bucket  string `yaml:"bucket,omitempty"`
	Key     string `yaml:"key,omitempty"`     // a template: {rel}, {key}, {name}, {dir}, {yyyy}, {mm}, {dd}, {hh}, {date}
	Crawler string `yaml:"crawler,omitempty"` // then run this event-mode crawler on the moved object
}

// rule is the trigger rule the config declares.
func (rc RuleConfig) rule(region string) (trigger.Rule, error) {
	where := fmt.Sprintf("rules: bucket %q rule %q", rc.Bucket, rc.ID)
	r := trigger.Rule{ID: rc.ID, Events: rc.Events, Prefix: rc.Prefix, Suffix: rc.Suffix}
	var errs []error
	if rc.Bucket == "" || rc.ID == "" {
		errs = append(errs, errors.New("needs a bucket and an id"))
	}
	if len(r.Events) == 0 {
		r.Events = []string{"s3:ObjectCreated:*"}
	}
	for _, e := range r.Events {
		if !trigger.ValidEventType(e) {
			errs = append(errs, fmt.Errorf("event %q is not one of s3:ObjectCreated:*, s3:ObjectCreated:Put|Post|Copy|CompleteMultipartUpload, s3:ObjectRemoved:*, s3:ObjectRemoved:Delete|DeleteMarkerCreated", e))
		}
	}
	targets := 0
	if rc.Function != "" {
		targets++
		r.Function = rc.Function
		if !strings.HasPrefix(r.Function, "arn:") {
			r.Function = function.Config{Name: rc.Function}.ARN(region)
		}
	}
	for kind, t := range map[string]*TransferConfig{"move": rc.Move, "copy": rc.Copy} {
		if t == nil {
			continue
		}
		targets++
		if err := trigger.CheckTemplate(t.Key); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", kind, err))
		}
		if t.Bucket == "" {
			errs = append(errs, fmt.Errorf("%s: needs a target bucket", kind))
		}
		r.Action = &trigger.Action{Kind: kind, Bucket: t.Bucket, Key: t.Key, Crawler: t.Crawler}
	}
	if rc.Crawl != "" {
		targets++
		r.Action = &trigger.Action{Kind: "crawl", Crawler: rc.Crawl}
	}
	if rc.Load != "" {
		targets++
		for _, t := range []string{rc.Loaded, rc.Failed} {
			if t == "" {
				continue
			}
			if err := trigger.CheckTemplate(t); err != nil {
				errs = append(errs, fmt.Errorf("load: %w", err))
			}
			// A file moved back under the rule's prefix would be loaded again.
			if head, _, _ := strings.Cut(t, "{"); rc.Prefix == "" || strings.HasPrefix(head, rc.Prefix) {
				errs = append(errs, fmt.Errorf("load: %q must lead out of the rule's prefix %q (give the rule a prefix, and loaded files another)", t, rc.Prefix))
			}
		}
		// The load runs as root on whatever lands: its options must not let
		// a writer of the prefix name other objects to read (a manifest, a
		// jsonpaths file).
		if up := strings.ToUpper(rc.LoadOptions); strings.Contains(up, "MANIFEST") || strings.Contains(up, "S3://") {
			errs = append(errs, fmt.Errorf("load_options: MANIFEST and s3:// files are not allowed in a rule (the landed file is what loads)"))
		}
		r.Action = &trigger.Action{Kind: "load", Table: rc.Load, Options: rc.LoadOptions, Loaded: rc.Loaded, Failed: rc.Failed}
	}
	if targets != 1 {
		errs = append(errs, fmt.Errorf("needs exactly one of function, move, copy, crawl and load (has %d)", targets))
	}
	if err := errors.Join(errs...); err != nil {
		return trigger.Rule{}, fmt.Errorf("%s: %w", where, err)
	}
	return r, nil
}

// configRules are the config's rules by bucket.
func configRules(cfg Config) (map[string][]trigger.Rule, error) {
	out := map[string][]trigger.Rule{}
	var errs []error
	for _, rc := range cfg.Pipelines.Rules {
		r, err := rc.rule(cfg.S3.Region)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out[rc.Bucket] = append(out[rc.Bucket], r)
	}
	return out, errors.Join(errs...)
}
