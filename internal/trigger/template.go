package trigger

import (
	"fmt"
	"path"
	"strings"
	"time"
)

// templateVars are what a target key template may use:
//
//	{key}   the object's key            in/2026/a.csv
//	{rel}   the key below the rule's prefix  2026/a.csv
//	{name}  the key's last part         a.csv
//	{dir}   the key's folder            in/2026
//	{yyyy} {mm} {dd} {hh}  the event's time, UTC
//	{date}  the event's date            2026-12-06
var templateVars = []string{"key", "rel", "name", "dir", "yyyy", "mm", "dd", "hh", "date"}

// CheckTemplate reports a template that names an unknown variable or
// leaves a brace open.
func CheckTemplate(tmpl string) error {
	if tmpl == "" {
		return fmt.Errorf("key template is empty: use {rel} to keep keys as they are below the rule's prefix")
	}
	rest := tmpl
	for {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			return fmt.Errorf("key template %q: { without }", tmpl)
		}
		name := rest[i+1 : i+j]
		known := false
		for _, v := range templateVars {
			known = known || v == name
		}
		if !known {
			return fmt.Errorf("key template %q: unknown {%s} (use %s)", tmpl, name, strings.Join(templateVars, ", "))
		}
		rest = rest[i+j+1:]
	}
	if strings.Contains(tmpl, "}") && strings.Count(tmpl, "{") != strings.Count(tmpl, "}") {
		return fmt.Errorf("key template %q: } without {", tmpl)
	}
	return nil
}

// render fills a template for an object key under a rule's prefix.
func render(tmpl, key, prefix string, t time.Time) string {
	t = t.UTC()
	dir := path.Dir(key)
	if dir == "." {
		dir = ""
	}
	r := strings.NewReplacer("{key}", key, "{rel}", strings.TrimPrefix(key, prefix), "{name}", path.Base(key), "{dir}", dir,
		"{yyyy}", t.Format("2006"), "{mm}", t.Format("01"), "{dd}", t.Format("02"), "{hh}", t.Format("15"),
		"{date}", t.Format("2006-01-02"))
	return strings.TrimPrefix(path.Clean("/"+r.Replace(tmpl)), "/")
}
