package crawl

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/tarnlake/tarn/internal/catalog"
)

// maxChanges caps how many change lines a run keeps.
const maxChanges = 1000

func (r *run) change(format string, a ...any) {
	if len(r.sum.Changes) < maxChanges {
		r.sum.Changes = append(r.sum.Changes, fmt.Sprintf(format, a...))
	}
}

// apply writes the tables found into the catalog under the crawler's
// schema change policy.
func (r *run) apply(ctx context.Context, specs []tableSpec) error {
	store, db := r.s.opts.Catalog, strings.ToLower(r.c.DatabaseName)
	if err := store.CreateDatabase(ctx, catalog.Database{Name: db, Description: "created by crawler " + r.c.Name}); err == nil {
		r.change("created database %s", db)
	} else if !errors.Is(err, catalog.ErrExists) {
		return fmt.Errorf("create database %s: %w", db, err)
	}
	existing, err := store.ListTables(ctx, db, "")
	if err != nil {
		return fmt.Errorf("list tables of %s: %w", db, err)
	}
	byName := map[string]catalog.Table{}
	for _, t := range existing {
		byName[t.Name] = t
	}
	names := r.names(specs, byName)
	found := map[string]bool{}
	for i := range specs {
		if err := ctx.Err(); err != nil {
			return err
		}
		name := names[i]
		found[name] = true
		want := r.catalogTable(name, &specs[i])
		if err := r.applyTable(ctx, want, byName, &specs[i]); err != nil {
			return err
		}
	}
	for _, t := range existing {
		if t.Parameters["UPDATED_BY_CRAWLER"] != r.c.Name || found[t.Name] || !r.covers(t.Storage.Location) {
			continue
		}
		if err := r.vanished(ctx, t); err != nil {
			return err
		}
	}
	return nil
}

func (r *run) applyTable(ctx context.Context, want catalog.Table, byName map[string]catalog.Table, spec *tableSpec) error {
	store := r.s.opts.Catalog
	cur, ok := byName[want.Name]
	switch {
	case !ok:
		got, err := store.CreateTable(ctx, want)
		if err != nil {
			return fmt.Errorf("create table %s.%s: %w", want.Database, want.Name, err)
		}
		r.sum.TablesCreated++
		r.change("created table %s.%s (%s, %d columns, %d partitions)", got.Database, got.Name, want.Parameters["classification"], len(want.Storage.Columns), len(spec.parts))
	default:
		diff := tableDiff(cur, want)
		if len(diff) == 0 {
			break
		}
		if r.c.SchemaChangePolicy.UpdateBehavior == UpdateLog || r.c.RecrawlBehavior != RecrawlAll {
			r.change("would update table %s.%s (UpdateBehavior LOG): %s", cur.Database, cur.Name, strings.Join(diff, "; "))
			break
		}
		want.Storage.Columns = keepOrder(cur.Storage.Columns, want.Storage.Columns)
		want.Description, want.Owner = cur.Description, cur.Owner
		want.Parameters = mergeParams(cur.Parameters, want.Parameters)
		if _, err := store.UpdateTable(ctx, want, cur.Version); err != nil {
			return fmt.Errorf("update table %s.%s: %w", cur.Database, cur.Name, err)
		}
		r.sum.TablesUpdated++
		r.change("updated table %s.%s to version %d: %s", cur.Database, cur.Name, cur.Version+1, strings.Join(diff, "; "))
	}
	return r.applyPartitions(ctx, want, spec)
}

func (r *run) applyPartitions(ctx context.Context, t catalog.Table, spec *tableSpec) error {
	if len(t.PartitionKeys) == 0 {
		return nil
	}
	store := r.s.opts.Catalog
	have, err := store.GetPartitions(ctx, t.Database, t.Name)
	if err != nil {
		return fmt.Errorf("partitions of %s.%s: %w", t.Database, t.Name, err)
	}
	seen := map[string]bool{}
	for _, p := range have {
		seen[strings.Join(p.Values, "\x00")] = true
	}
	var add []catalog.Partition
	wanted := map[string]bool{}
	for _, p := range spec.parts {
		id := strings.Join(p.values, "\x00")
		wanted[id] = true
		if !seen[id] {
			add = append(add, partition(t, p))
		}
	}
	if len(add) > 0 {
		errs, err := store.CreatePartitions(ctx, t.Database, t.Name, add)
		if err != nil {
			return fmt.Errorf("add partitions to %s.%s: %w", t.Database, t.Name, err)
		}
		for i, e := range errs {
			if e == nil {
				r.sum.PartitionsAdded++
			} else if !errors.Is(e, catalog.ErrExists) {
				r.change("partition %v of %s.%s not added: %v", add[i].Values, t.Database, t.Name, e)
			}
		}
	}
	for _, p := range have {
		if wanted[strings.Join(p.Values, "\x00")] {
			continue
		}
		if r.c.SchemaChangePolicy.DeleteBehavior != DeleteFromDB {
			r.change("partition %v of %s.%s has no files any more (DeleteBehavior %s)", p.Values, t.Database, t.Name, r.c.SchemaChangePolicy.DeleteBehavior)
			continue
		}
		if err := store.DeletePartition(ctx, t.Database, t.Name, p.Values); err != nil && !errors.Is(err, catalog.ErrNotFound) {
			return fmt.Errorf("delete partition %v of %s.%s: %w", p.Values, t.Database, t.Name, err)
		}
		r.change("deleted partition %v of %s.%s", p.Values, t.Database, t.Name)
	}
	return nil
}

// vanished handles a table this crawler made whose files are gone.
func (r *run) vanished(ctx context.Context, t catalog.Table) error {
	store := r.s.opts.Catalog
	switch r.c.SchemaChangePolicy.DeleteBehavior {
	case DeleteFromDB:
		if err := store.DeleteTable(ctx, t.Database, t.Name); err != nil && !errors.Is(err, catalog.ErrNotFound) {
			return fmt.Errorf("delete table %s.%s: %w", t.Database, t.Name, err)
		}
		r.sum.TablesDeleted++
		r.change("deleted table %s.%s: its files are gone", t.Database, t.Name)
	case DeprecateInDB:
		if t.Parameters["DEPRECATED_BY_CRAWLER"] != "" {
			return nil
		}
		t.Parameters = maps.Clone(t.Parameters)
		t.Parameters["DEPRECATED_BY_CRAWLER"] = r.start.Format("2006-01-02T15:04:05Z")
		if _, err := store.UpdateTable(ctx, t, t.Version); err != nil {
			return fmt.Errorf("deprecate table %s.%s: %w", t.Database, t.Name, err)
		}
		r.sum.TablesDeleted++
		r.change("deprecated table %s.%s: its files are gone", t.Database, t.Name)
	default:
		r.change("table %s.%s has no files any more (DeleteBehavior LOG)", t.Database, t.Name)
	}
	return nil
}

// names gives each spec its table name: the crawler's prefix and the
// folder's name; a name already taken (in this run, or by a table at
// another location) gets a hash of the location appended, as Glue does.
func (r *run) names(specs []tableSpec, existing map[string]catalog.Table) []string {
	out := make([]string, len(specs))
	used := map[string]bool{}
	for i, s := range specs {
		loc := "s3://" + s.bucket + "/" + s.prefix
		name := sanitize(r.c.TablePrefix + s.name)
		if t, ok := existing[name]; used[name] || ok && t.Storage.Location != loc {
			h := sha256.Sum256([]byte(loc))
			name += "_" + hex.EncodeToString(h[:4])
		}
		used[name] = true
		out[i] = name
	}
	return out
}

// covers reports whether loc lies under one of the crawler's targets.
func (r *run) covers(loc string) bool {
	for _, t := range r.c.Targets {
		b, p, _ := parseS3Path(t.Path)
		if strings.HasPrefix(loc, "s3://"+b+"/"+p) {
			return true
		}
	}
	return false
}

// tableDiff says how want differs from cur in what a crawler decides:
// columns, partition keys, location and format.
func tableDiff(cur, want catalog.Table) []string {
	var d []string
	old := map[string]string{}
	for _, c := range cur.Storage.Columns {
		old[c.Name] = c.Type
	}
	now := map[string]bool{}
	for _, c := range want.Storage.Columns {
		now[c.Name] = true
		switch t, ok := old[c.Name]; {
		case !ok:
			d = append(d, fmt.Sprintf("add column %s %s", c.Name, c.Type))
		case t != c.Type:
			d = append(d, fmt.Sprintf("column %s %s → %s", c.Name, t, c.Type))
		}
	}
	for _, c := range cur.Storage.Columns {
		if !now[c.Name] {
			d = append(d, "drop column "+c.Name)
		}
	}
	if !slices.Equal(cur.PartitionKeys, want.PartitionKeys) {
		d = append(d, fmt.Sprintf("partition keys %v → %v", names(cur.PartitionKeys), names(want.PartitionKeys)))
	}
	if cur.Storage.Location != want.Storage.Location {
		d = append(d, fmt.Sprintf("location %s → %s", cur.Storage.Location, want.Storage.Location))
	}
	for _, p := range []string{"classification", "compressionType", "delimiter"} {
		if cur.Parameters[p] != want.Parameters[p] {
			d = append(d, fmt.Sprintf("%s %q → %q", p, cur.Parameters[p], want.Parameters[p]))
		}
	}
	return d
}

func names(cols []catalog.Column) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Name
	}
	return out
}

// keepOrder orders want's columns as cur had them, new ones after.
func keepOrder(cur, want []catalog.Column) []catalog.Column {
	byName := map[string]catalog.Column{}
	for _, c := range want {
		byName[c.Name] = c
	}
	var out []catalog.Column
	for _, c := range cur {
		if w, ok := byName[c.Name]; ok {
			out = append(out, w)
			delete(byName, c.Name)
		}
	}
	for _, c := range want {
		if _, ok := byName[c.Name]; ok {
			out = append(out, c)
		}
	}
	return out
}

// mergeParams keeps parameters users set and refreshes the crawler's.
func mergeParams(cur, want map[string]string) map[string]string {
	out := maps.Clone(cur)
	if out == nil {
		out = map[string]string{}
	}
	delete(out, "DEPRECATED_BY_CRAWLER")
	maps.Copy(out, want)
	return out
}
