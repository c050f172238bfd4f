package pipeline

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
)

type crawlerKind struct{}

// crawlerState is a crawler as GetCrawlers describes it, in the config's
// terms.
type crawlerState struct {
	Crawler
	jdbc       bool                // has JDBC targets, which the config does not declare yet
	exclusions map[string][]string // by target path: kept by updates
	config     map[string]any      // Configuration: kept by updates, but for Grouping.TableLevelConfiguration
}

// glueCrawler is a crawler as GetCrawlers gives it.
type glueCrawler struct {
	Name, DatabaseName, TablePrefix string
	Targets                         struct {
		S3Targets []struct {
			Path       string
			Exclusions []string
		}
		JdbcTargets []struct{ Path string }
	}
	RecrawlPolicy struct{ RecrawlBehavior string }
	Schedule      *struct{ ScheduleExpression string }
	Configuration string
}

func listCrawlers(ctx context.Context, t Target) (map[string]crawlerState, error) {
	out := map[string]crawlerState{}
	err := pages(ctx, t.Glue, "GetCrawlers", func(res struct {
		Crawlers  []glueCrawler
		NextToken string
	}) string {
		for _, c := range res.Crawlers {
			if t.own("crawler", c.Name) || len(c.Targets.JdbcTargets) > 0 {
				continue // warehouse crawlers are not declared by specs yet
			}
			st := crawlerState{Crawler: Crawler{Name: c.Name, Database: c.DatabaseName, TablePrefix: c.TablePrefix,
				Recrawl: recrawlWord[c.RecrawlPolicy.RecrawlBehavior]}, jdbc: len(c.Targets.JdbcTargets) > 0}
			st.exclusions = map[string][]string{}
			for _, s3 := range c.Targets.S3Targets {
				st.Targets = append(st.Targets, s3.Path)
				st.exclusions[s3.Path] = s3.Exclusions
			}
			if c.Schedule != nil {
				st.Schedule = c.Schedule.ScheduleExpression
			}
			if json.Unmarshal([]byte(c.Configuration), &st.config) == nil {
				if g, ok := st.config["Grouping"].(map[string]any); ok {
					level, _ := g["TableLevelConfiguration"].(float64)
					st.TableLevel = int(level)
				}
			}
			out[c.Name] = st
		}
		return res.NextToken
	})
	return out, err
}

// input is CreateCrawler's and UpdateCrawler's request for c. The role is
// kept for clients only: a crawler reads the lake as tarn does.
// An update keeps what the config does not declare: a target's exclusions
// and, unless the recrawl policy needs LOG/LOG, the schema change policy.
func (c Crawler) input(was *crawlerState) map[string]any {
	targets := []map[string]any{}
	for _, p := range c.Targets {
		t := map[string]any{"Path": p}
		if was != nil && len(was.exclusions[p]) > 0 {
			t["Exclusions"] = was.exclusions[p]
		}
		targets = append(targets, t)
	}
	// Glue's rule: a crawler that reads only new folders or events logs
	// schema changes instead of making them.
	policy := map[string]any{"UpdateBehavior": "UPDATE_IN_DATABASE", "DeleteBehavior": "DEPRECATE_IN_DATABASE"}
	if c.Recrawl == "new_folders" || c.Recrawl == "events" {
		policy = map[string]any{"UpdateBehavior": "LOG", "DeleteBehavior": "LOG"}
	}
	in := map[string]any{"Name": c.Name, "Role": "tarn", "DatabaseName": c.Database,
		"Targets": map[string]any{"S3Targets": targets}, "Schedule": c.Schedule, "TablePrefix": c.TablePrefix,
		"RecrawlPolicy": map[string]any{"RecrawlBehavior": recrawl[c.Recrawl]}, "SchemaChangePolicy": policy}
	if was != nil && c.Recrawl != "new_folders" && c.Recrawl != "events" && was.Recrawl == "" {
		delete(in, "SchemaChangePolicy")
	}
	conf := map[string]any{}
	if was != nil && was.config != nil {
		conf = maps.Clone(was.config)
	}
	grouping, _ := conf["Grouping"].(map[string]any)
	grouping = maps.Clone(grouping)
	if grouping == nil {
		grouping = map[string]any{}
	}
	delete(grouping, "TableLevelConfiguration")
	if c.TableLevel > 0 {
		grouping["TableLevelConfiguration"] = c.TableLevel
	}
	conf["Grouping"] = grouping
	if len(grouping) == 0 {
		delete(conf, "Grouping")
	}
	if len(conf) > 0 {
		conf["Version"] = 1.0
		b, _ := json.Marshal(conf)
		in["Configuration"] = string(b)
	} else if was != nil && was.config != nil {
		in["Configuration"] = "" // the level the config no longer declares goes
	}
	return in
}

func (crawlerKind) plan(ctx context.Context, t Target, s Spec) ([]Change, int, error) {
	if s.Crawlers == nil {
		return nil, 0, nil // no crawlers: section, none managed (and none listed)
	}
	have, err := listCrawlers(ctx, t)
	if err != nil {
		return nil, 0, err
	}
	var out []Change
	n := 0
	for _, c := range s.Crawlers {
		was, ok := have[c.Name]
		delete(have, c.Name)
		if c.Recrawl == "everything" {
			c.Recrawl = ""
		}
		if !ok {
			out = append(out, Change{Op: Create, Kind: "crawler", Name: c.Name,
				do: func(ctx context.Context) error { return t.Glue.Call(ctx, "CreateCrawler", c.input(nil), nil) }})
			continue
		}
		var d diff
		d.field("database", was.Database, c.Database)
		if !slices.Equal(was.Targets, c.Targets) || was.jdbc {
			d.field("targets", was.Targets, c.Targets)
		}
		d.field("schedule", quoted(was.Schedule), quoted(c.Schedule))
		d.field("recrawl", quoted(was.Recrawl), quoted(c.Recrawl))
		d.field("table_prefix", quoted(was.TablePrefix), quoted(c.TablePrefix))
		d.field("table_level", was.TableLevel, c.TableLevel)
		if len(d) == 0 {
			n++
			continue
		}
		out = append(out, Change{Op: Update, Kind: "crawler", Name: c.Name, What: d.String(),
			do: func(ctx context.Context) error { return t.Glue.Call(ctx, "UpdateCrawler", c.input(&was), nil) }})
	}
	for name := range have {
		if s.Crawlers == nil {
			break // no crawlers: section, no crawlers managed
		}
		out = append(out, Change{Op: Delete, Kind: "crawler", Name: name,
			do: func(ctx context.Context) error {
				return t.Glue.Call(ctx, "DeleteCrawler", map[string]any{"Name": name}, nil)
			}})
	}
	sortChanges(out)
	return out, n, nil
}
