package engine

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/tarnlake/tarn/internal/catalog"
	"github.com/tarnlake/tarn/internal/format"
	"github.com/tarnlake/tarn/internal/lake"
)

// Partition projection (Athena's TBLPROPERTIES 'projection.enabled' =
// 'true'): partitions are not registered but computed at query time from
// the properties. A view already reads every file under the table, so
// projection here means reading the partition values off the path the
// 'storage.location.template' describes, and keeping only the values the
// projection allows (enum values, integer and date ranges).
type projected struct {
	glob  string   // the files: each ${key} a wildcard
	cols  []string // each partition key's value, in key order
	where []string // the projection's bounds
}

var templateVar = regexp.MustCompile(`\$\{([^}]+)\}`)

// projectionOf returns nil for a table without projection.
func projectionOf(t catalog.Table, files lake.LocalFiles) (*projected, error) {
	if !strings.EqualFold(t.Parameters["projection.enabled"], "true") || len(t.PartitionKeys) == 0 {
		return nil, nil
	}
	tmpl := t.Parameters["storage.location.template"]
	if tmpl == "" { // Hive's layout below the location
		tmpl = strings.TrimSuffix(t.Storage.Location, "/")
		for _, k := range t.PartitionKeys {
			tmpl += "/" + k.Name + "=${" + k.Name + "}"
		}
	}
	first := strings.Index(tmpl, "${")
	if first < 0 {
		return nil, fmt.Errorf("storage.location.template %q names no ${key}", tmpl)
	}
	cut := strings.LastIndexByte(tmpl[:first], '/')
	rest, ok := strings.CutPrefix(tmpl[:cut+1], "s3://")
	if !ok || cut < 0 {
		return nil, fmt.Errorf("storage.location.template %q is not s3://bucket/prefix/${key}…", tmpl)
	}
	bucket, key, _ := strings.Cut(rest, "/")
	base, err := files.LocalPath(bucket, key)
	if err != nil {
		return nil, err
	}
	below := strings.TrimSuffix(tmpl[cut+1:], "/")
	p := &projected{glob: base + "/" + templateVar.ReplaceAllString(below, "*") + "/*"}
	// One regexp over the row's file name with a group per ${key}.
	var re strings.Builder
	re.WriteString("^" + regexp.QuoteMeta(base+"/"))
	group := map[string]int{}
	last := 0
	for i, m := range templateVar.FindAllStringSubmatchIndex(below, -1) {
		re.WriteString(regexp.QuoteMeta(below[last:m[0]]))
		re.WriteString("([^/]*)")
		group[strings.ToLower(below[m[2]:m[3]])] = i + 1
		last = m[1]
	}
	re.WriteString(regexp.QuoteMeta(below[last:]) + "/")
	for _, k := range t.PartitionKeys {
		g, ok := group[k.Name]
		if !ok {
			return nil, fmt.Errorf("storage.location.template %q has no ${%s}", tmpl, k.Name)
		}
		val := fmt.Sprintf("regexp_extract(filename, '%s', %d)", quoteString(re.String()), g)
		ft, err := format.ParseType(k.Type)
		if err != nil {
			return nil, fmt.Errorf("partition key %s: %w", k.Name, err)
		}
		p.cols = append(p.cols, fmt.Sprintf("TRY_CAST(%s AS %s) AS %s", val, duckType(ft).String(), quoteIdent(k.Name)))
		w, err := projectionBound(t.Parameters, k.Name, val)
		if err != nil {
			return nil, err
		}
		if w != "" {
			p.where = append(p.where, w)
		}
	}
	return p, nil
}

// projectionBound is the condition the projection of key puts on its
// value (val, text): "" when it puts none (injected, or no range given).
func projectionBound(params map[string]string, key, val string) (string, error) {
	prop := func(s string) string { return strings.TrimSpace(params["projection."+key+"."+s]) }
	switch typ := strings.ToLower(prop("type")); typ {
	case "enum":
		var in []string
		for _, v := range strings.Split(prop("values"), ",") {
			in = append(in, "'"+quoteString(strings.TrimSpace(v))+"'")
		}
		return fmt.Sprintf("%s IN (%s)", val, strings.Join(in, ", ")), nil
	case "integer":
		lo, hi, ok := strings.Cut(prop("range"), ",")
		a, err1 := strconv.ParseInt(strings.TrimSpace(lo), 10, 64)
		b, err2 := strconv.ParseInt(strings.TrimSpace(hi), 10, 64)
		if !ok || err1 != nil || err2 != nil {
			return "", fmt.Errorf("projection.%s.range %q is not two integers", key, prop("range"))
		}
		return fmt.Sprintf("TRY_CAST(%s AS BIGINT) BETWEEN %d AND %d", val, a, b), nil
	case "date":
		layout, err := strftimeOf(prop("format"))
		if err != nil {
			return "", fmt.Errorf("projection.%s.format: %w", key, err)
		}
		lo, hi, ok := strings.Cut(prop("range"), ",")
		if !ok {
			return "", fmt.Errorf("projection.%s.range %q is not two dates", key, prop("range"))
		}
		at := func(s string) (string, error) {
			s = strings.TrimSpace(s)
			if strings.HasPrefix(strings.ToUpper(s), "NOW") {
				return relativeNow(s[3:])
			}
			return fmt.Sprintf("strptime('%s', '%s')", quoteString(s), layout), nil
		}
		a, err := at(lo)
		if err != nil {
			return "", fmt.Errorf("projection.%s.range: %w", key, err)
		}
		b, err := at(hi)
		if err != nil {
			return "", fmt.Errorf("projection.%s.range: %w", key, err)
		}
		return fmt.Sprintf("try_strptime(%s, '%s') BETWEEN %s AND %s", val, layout, a, b), nil
	case "", "injected":
		return "", nil
	default:
		return "", fmt.Errorf("projection.%s.type %q is not enum, integer, date or injected", key, typ)
	}
}

var relative = regexp.MustCompile(`(?i)^\s*([+-])\s*(\d+)\s*(YEAR|MONTH|WEEK|DAY|HOUR|MINUTE|SECOND)S?\s*$`)

// relativeNow turns what follows NOW in a date range ("", "-3DAYS") into SQL.
func relativeNow(s string) (string, error) {
	if strings.TrimSpace(s) == "" {
		return "now()::TIMESTAMP", nil
	}
	m := relative.FindStringSubmatch(s)
	if m == nil {
		return "", fmt.Errorf("NOW%s is not NOW, NOW-N<unit> or NOW+N<unit>", s)
	}
	return fmt.Sprintf("now()::TIMESTAMP %s INTERVAL %s %s", m[1], m[2], strings.ToUpper(m[3])), nil
}

// strftimeOf turns Java's date pattern (as Athena takes) into strftime's.
func strftimeOf(java string) (string, error) {
	if java == "" {
		return "", fmt.Errorf("a date projection needs a format")
	}
	var b strings.Builder
	for i := 0; i < len(java); {
		j := i
		for j < len(java) && java[j] == java[i] {
			j++
		}
		run := java[i:j]
		switch run {
		case "yyyy":
			b.WriteString("%Y")
		case "MM":
			b.WriteString("%m")
		case "dd":
			b.WriteString("%d")
		case "HH":
			b.WriteString("%H")
		case "mm":
			b.WriteString("%M")
		case "ss":
			b.WriteString("%S")
		default:
			if c := run[0]; c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
				return "", fmt.Errorf("%q: tarn reads yyyy, MM, dd, HH, mm and ss", java)
			}
			b.WriteString(strings.ReplaceAll(run, "%", "%%"))
		}
		i = j
	}
	return b.String(), nil
}
