package format

import (
	"errors"
	"strings"
	"testing"
)

// The custom classifiers take their definitions from users and their input
// from files: whatever either holds, they must answer without panicking or
// hanging, with a result or an error of the documented kind.

func FuzzGrok(f *testing.F) {
	lines := strings.Split(apacheLog, "\n")
	f.Add("%{COMBINEDAPACHELOG}", "", lines[0])
	f.Add("%{SYSLOGBASE} %{POSTFIX_QUEUEID:queue_id}: %{POSTFIX_MSG:message}", postfixPatterns, strings.Split(postfixLog, "\r\n")[0])
	f.Add("%{TIMESTAMP_ISO8601:ts:timestamp} %{LOGLEVEL:level} %{GREEDYDATA:msg}", "", "2024-03-15T10:01:02Z INFO ok")
	f.Add("%{A:x}", "A %{B}\nB %{A}", "x")
	f.Add("%{IP:ip} %{INT:n:long}", "", "::ffff:10.0.0.1 42")
	f.Add("(?P<raw>a+)%{WORD:w:int", "", "aaa b")
	f.Fuzz(func(t *testing.T, pattern, custom, line string) {
		g, err := CompileGrok(GrokSpec{Classification: "fuzz", Pattern: pattern, CustomPatterns: custom})
		if err != nil {
			if !errors.Is(err, ErrInvalidClassifier) {
				t.Fatalf("compile error without ErrInvalidClassifier: %v", err)
			}
			return
		}
		if len(g.schema) == 0 {
			t.Fatal("compiled without fields")
		}
		for _, c := range g.schema {
			if c.Name == "" || c.Type.Kind == KindInvalid {
				t.Fatalf("bad column %v", c)
			}
		}
		res, err := g.Classify(strings.NewReader(line), int64(len(line)), Options{MaxRecords: 20, MaxBytes: 4096})
		if err != nil {
			if errors.Is(err, ErrNoMatch) {
				return
			}
			t.Fatalf("error without ErrNoMatch: %v", err)
		}
		if res.RecordsSampled < 1 || res.Classification != "fuzz" || res.BytesRead > int64(len(line)) {
			t.Fatalf("implausible result %+v", res)
		}
		if !strings.ContainsAny(line, "\r\n\x00") && !g.re.MatchString(strings.TrimPrefix(line, "\xef\xbb\xbf")) {
			t.Fatalf("accepted %q, which does not match", line)
		}
	})
}

func FuzzJSONPath(f *testing.F) {
	f.Add("$.Records[*]", []byte(cloudTrailLike))
	f.Add("$[*]", []byte(`[{"a":1},{"a":2.5},null]`))
	f.Add("$.detail", []byte("{\"detail\":{\"a\":1}}\n{\"detail\":{\"b\":[]}}\n"))
	f.Add(`$['a b'][0].*`, []byte(`{"a b":[{"x":{"y":1}}]}`))
	f.Add("$..x", []byte(`{}`))
	f.Add("$[*]", []byte(`[[[[[[`))
	f.Fuzz(func(t *testing.T, path string, doc []byte) {
		p, err := CompileJSONPath(path)
		if err != nil {
			if !errors.Is(err, ErrInvalidClassifier) {
				t.Fatalf("compile error without ErrInvalidClassifier: %v", err)
			}
			return
		}
		if p.String() != path || len(p.steps) > maxPathSteps {
			t.Fatalf("compiled %q to %q, %d steps", path, p, len(p.steps))
		}
		res, err := p.Classify(strings.NewReader(string(doc)), int64(len(doc)), Options{MaxRecords: 20, MaxBytes: 4096})
		if err != nil {
			if errors.Is(err, ErrNoMatch) {
				return
			}
			t.Fatalf("error without ErrNoMatch: %v", err)
		}
		if res.RecordsSampled < 1 || res.Classification != "json" || res.BytesRead > int64(len(doc)) {
			t.Fatalf("implausible result %+v", res)
		}
		for _, c := range res.Schema {
			if c.Type.Kind == KindInvalid {
				t.Fatalf("column %q has no type", c.Name)
			}
		}
	})
}

func FuzzCSVSpec(f *testing.F) {
	f.Add(';', '"', "PRESENT", false, []byte("id;name\n1;\"a;b\"\n"))
	f.Add('|', '\'', "UNKNOWN", true, []byte("a|b\n 1|'it''s'\r\n"))
	f.Add(',', rune(0), "ABSENT", false, []byte("x\n\"open"))
	f.Fuzz(func(t *testing.T, delim, quote rune, header string, keepBlanks bool, data []byte) {
		spec := CSVSpec{Delimiter: delim, Quote: quote, Header: header, DisableTrimming: keepBlanks, AllowSingleColumn: true}
		if err := spec.Validate(); err != nil {
			if !errors.Is(err, ErrInvalidClassifier) {
				t.Fatalf("validate error without ErrInvalidClassifier: %v", err)
			}
			return
		}
		res, err := ClassifyCSVSpec(strings.NewReader(string(data)), int64(len(data)), spec, Options{MaxRecords: 20, MaxBytes: 4096})
		if err != nil {
			if errors.Is(err, ErrNoMatch) {
				return
			}
			t.Fatalf("error without ErrNoMatch: %v", err)
		}
		if len(res.Schema) == 0 || res.RecordsSampled > 20 || res.BytesRead > int64(len(data)) {
			t.Fatalf("implausible result %+v", res)
		}
		seen := map[string]bool{}
		for _, c := range res.Schema {
			if seen[strings.ToLower(c.Name)] || c.Type.Kind == KindInvalid {
				t.Fatalf("bad column %v in %v", c, res.Schema)
			}
			seen[strings.ToLower(c.Name)] = true
		}
	})
}
