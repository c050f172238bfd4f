package pipeline

import (
	"strings"
	"testing"
)

// A load rule's options may not name other objects for root to read, and
// its loaded/failed keys must lead out of its prefix.
func TestLoadRuleChecks(t *testing.T) {
	base := Rule{Bucket: "landing", ID: "sales", Prefix: "sales/", Load: "public.sales", LoadOptions: "CSV IGNOREHEADER 1", Loaded: "loaded/{rel}"}
	if _, err := base.Trigger("us-east-1"); err != nil {
		t.Fatalf("a good rule: %v", err)
	}
	for what, change := range map[string]func(*Rule){
		"manifest":  func(r *Rule) { r.LoadOptions = "CSV MANIFEST" },
		"jsonpaths": func(r *Rule) { r.LoadOptions = "JSON 's3://other/paths.json'" },
		"loop":      func(r *Rule) { r.Loaded = "sales/done/{rel}" },
	} {
		r := base
		change(&r)
		if _, err := r.Trigger("us-east-1"); err == nil || !strings.Contains(err.Error(), "load") {
			t.Errorf("%s: %v", what, err)
		}
	}
}
