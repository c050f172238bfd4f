package pipeline

import "context"

type databaseKind struct{}

func listDatabases(ctx context.Context, t Target) (map[string]string, error) {
	out := map[string]string{}
	err := pages(ctx, t.Glue, "GetDatabases", func(res struct {
		DatabaseList []struct{ Name, Description string }
		NextToken    string
	}) string {
		for _, d := range res.DatabaseList {
			if !t.own("database", d.Name) {
				out[d.Name] = d.Description
			}
		}
		return res.NextToken
	})
	return out, err
}

// pages calls a Glue listing until its NextToken runs out, handing each
// page to each, which returns the page's NextToken; kv are the request's
// other members, names and values in turn.
func pages[T any](ctx context.Context, c Caller, op string, each func(T) string, kv ...string) error {
	token := ""
	for {
		var page T
		in := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			in[kv[i]] = kv[i+1]
		}
		if token != "" {
			in["NextToken"] = token
		}
		if err := c.Call(ctx, op, in, &page); err != nil {
			return err
		}
		if token = each(page); token == "" {
			return nil
		}
	}
}

func (databaseKind) plan(ctx context.Context, t Target, s Spec) ([]Change, int, error) {
	if s.Databases == nil {
		return nil, 0, nil // no databases: section, none managed (and none listed)
	}
	have, err := listDatabases(ctx, t)
	if err != nil {
		return nil, 0, err
	}
	var out []Change
	n := 0
	for _, d := range s.Databases {
		input := map[string]any{"DatabaseInput": map[string]any{"Name": d.Name, "Description": d.Description}}
		was, ok := have[d.Name]
		delete(have, d.Name)
		switch {
		case !ok:
			out = append(out, Change{Op: Create, Kind: "database", Name: d.Name,
				do: func(ctx context.Context) error { return t.Glue.Call(ctx, "CreateDatabase", input, nil) }})
		case was != d.Description:
			var df diff
			df.field("description", quoted(was), quoted(d.Description))
			out = append(out, Change{Op: Update, Kind: "database", Name: d.Name, What: df.String(),
				do: func(ctx context.Context) error { return updateDescription(ctx, t, d) }})
		default:
			n++
		}
	}
	for name := range have {
		if s.Databases == nil {
			break // no databases: section, no databases managed
		}
		out = append(out, Change{Op: Delete, Kind: "database", Name: name,
			do: func(ctx context.Context) error {
				return t.Glue.Call(ctx, "DeleteDatabase", map[string]any{"Name": name}, nil)
			}})
	}
	sortChanges(out)
	return out, n, nil
}

type quoted string

func (q quoted) String() string { return `"` + string(q) + `"` }

// updateDescription changes a database's description only: UpdateDatabase
// replaces the whole database, so what the config does not declare
// (location, parameters) is sent back as it is.
func updateDescription(ctx context.Context, t Target, d Database) error {
	var cur struct {
		Database struct {
			LocationUri string
			Parameters  map[string]string
		}
	}
	if err := t.Glue.Call(ctx, "GetDatabase", map[string]any{"Name": d.Name}, &cur); err != nil {
		return err
	}
	in := map[string]any{"Name": d.Name, "Description": d.Description}
	if cur.Database.LocationUri != "" {
		in["LocationUri"] = cur.Database.LocationUri
	}
	if cur.Database.Parameters != nil {
		in["Parameters"] = cur.Database.Parameters
	}
	return t.Glue.Call(ctx, "UpdateDatabase", map[string]any{"Name": d.Name, "DatabaseInput": in}, nil)
}
