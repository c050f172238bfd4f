package hiveddl

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/tarnlake/tarn/internal/catalog"
	"github.com/tarnlake/tarn/internal/query"
)

// partKV is one key='value' of a PARTITION (...) spec.
type partKV struct {
	key, val string
	pos      int
}

// partSpec reads PARTITION (k='v', ...); values may also be numbers.
func (p *parser) partSpec() ([]partKV, error) {
	if err := p.expectKw("PARTITION"); err != nil {
		return nil, err
	}
	if err := p.expectSym("("); err != nil {
		return nil, err
	}
	var spec []partKV
	for {
		k, t, err := p.ident("a partition key")
		if err != nil {
			return nil, err
		}
		if err := p.expectSym("="); err != nil {
			return nil, err
		}
		kv := partKV{key: strings.ToLower(k), pos: p.pos(t)}
		switch v := p.peek(); {
		case v.kind == tkString || v.kind == tkDQuoted:
			kv.val = stringValue(p.next())
		case v.kind == tkNumber:
			kv.val = p.next().text
		case isSym(v, "-") && p.at(1).kind == tkNumber:
			p.next()
			kv.val = "-" + p.next().text
		default:
			return nil, p.errorf(v, "expected the value of partition key %s", kv.key)
		}
		spec = append(spec, kv)
		if !p.sym(",") {
			return spec, p.expectSym(")")
		}
	}
}

// specValues places spec's values in t's partition key order; set says
// which keys it gives. full specs must give every key.
func specValues(t catalog.Table, spec []partKV, full bool) (vals []string, set []bool, err error) {
	if len(t.PartitionKeys) == 0 {
		return nil, nil, errorf(invalidValue, "table %s.%s is not partitioned", t.Database, t.Name)
	}
	vals, set = make([]string, len(t.PartitionKeys)), make([]bool, len(t.PartitionKeys))
	for _, kv := range spec {
		i := slices.IndexFunc(t.PartitionKeys, func(c catalog.Column) bool { return c.Name == kv.key })
		switch {
		case i < 0:
			return nil, nil, &query.Error{Code: query.CodeUndefinedColumn, Position: kv.pos,
				Message: fmt.Sprintf("table %s.%s has no partition key %s (its keys: %s)", t.Database, t.Name, kv.key, keyNames(t))}
		case set[i]:
			return nil, nil, &query.Error{Code: query.CodeSyntax, Position: kv.pos, Message: fmt.Sprintf("partition key %s is given twice", kv.key)}
		case kv.val == "":
			return nil, nil, &query.Error{Code: invalidValue, Position: kv.pos, Message: fmt.Sprintf("partition key %s has an empty value", kv.key)}
		}
		vals[i], set[i] = kv.val, true
	}
	if i := slices.Index(set, false); i >= 0 && full {
		return nil, nil, &query.Error{Code: invalidValue, Position: spec[0].pos,
			Message: fmt.Sprintf("partition key %s has no value: give every key of %s.%s (%s)", t.PartitionKeys[i].Name, t.Database, t.Name, keyNames(t))}
	}
	return vals, set, nil
}

// specString spells a spec back as written, for messages.
func specString(spec []partKV) string {
	parts := make([]string, len(spec))
	for i, kv := range spec {
		parts[i] = kv.key + "=" + quoteString(kv.val)
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

func keyNames(t catalog.Table) string {
	names := make([]string, len(t.PartitionKeys))
	for i, k := range t.PartitionKeys {
		names[i] = k.Name
	}
	return strings.Join(names, ", ")
}

// matches reports whether values agree with vals wherever set.
func matches(values, vals []string, set []bool) bool {
	for i := range set {
		if set[i] && (i >= len(values) || values[i] != vals[i]) {
			return false
		}
	}
	return true
}

// alterTable parses the ALTER TABLE statements that are Hive's (ADD or DROP
// PARTITION) and leaves the rest to DuckDB.
func (p *parser) alterTable(pd parsed) (parsed, error) {
	p.i += 2
	ref, err := p.tableName()
	if err != nil {
		return parsed{}, nil
	}
	switch {
	case p.kw("ADD", "PARTITION"), p.kw("ADD", "IF", "NOT", "EXISTS", "PARTITION"):
		c := &addPartitions{ref: ref, ifNotExists: isKw(p.at(-2), "EXISTS")}
		p.i-- // back to PARTITION
		for isKw(p.peek(), "PARTITION") {
			spec, err := p.partSpec()
			if err != nil {
				return pd, err
			}
			np := newPartition{spec: spec}
			if p.kw("LOCATION") {
				if np.location, err = p.location(); err != nil {
					return pd, err
				}
			}
			c.parts = append(c.parts, np)
		}
		pd.cmd = c
	case p.kw("DROP", "PARTITION"), p.kw("DROP", "IF", "EXISTS", "PARTITION"):
		c := &dropPartitions{ref: ref, ifExists: isKw(p.at(-2), "EXISTS")}
		p.i--
		for {
			spec, err := p.partSpec()
			if err != nil {
				return pd, err
			}
			c.specs = append(c.specs, spec)
			if !p.sym(",") {
				break
			}
		}
		p.kw("PURGE")
		pd.cmd = c
	default:
		return parsed{}, nil
	}
	return pd, p.end()
}

type newPartition struct {
	spec     []partKV
	location string
}

// addPartitions is ALTER TABLE t ADD [IF NOT EXISTS] PARTITION (...)
// [LOCATION '...'] ...; it adds all or (without IF NOT EXISTS) none.
type addPartitions struct {
	ref         tableRef
	ifNotExists bool
	parts       []newPartition
}

func (c *addPartitions) run(ctx context.Context, e *env) (Result, error) {
	res := Result{Tag: "ALTER TABLE"}
	t, err := e.table(ctx, c.ref)
	if err != nil {
		return res, err
	}
	var parts []catalog.Partition
	seen := map[string]bool{}
	for _, np := range c.parts {
		vals, _, err := specValues(t, np.spec, true)
		if err != nil {
			return res, err
		}
		sd := t.Storage
		if sd.Location = np.location; sd.Location == "" {
			sd.Location = strings.TrimSuffix(t.Storage.Location, "/") + "/" + partName(t.PartitionKeys, vals) + "/"
		}
		key := strings.Join(vals, "\x00")
		exists := seen[key]
		if _, err := e.cat.GetPartition(ctx, t.Database, t.Name, vals); err == nil {
			exists = true
		} else if !errors.Is(err, catalog.ErrNotFound) {
			return res, e.fail(ctx, err)
		}
		switch {
		case exists && c.ifNotExists:
			continue
		case exists:
			return res, errorf(duplicatePartition, "partition %s of table %s.%s already exists", partName(t.PartitionKeys, vals), t.Database, t.Name)
		}
		seen[key] = true
		parts = append(parts, catalog.Partition{Values: vals, Storage: sd})
	}
	errs, err := e.cat.CreatePartitions(ctx, t.Database, t.Name, parts)
	if err != nil {
		return res, e.tableErr(ctx, err, t.Database, t.Name)
	}
	for i, err := range errs {
		switch {
		case err == nil || errors.Is(err, catalog.ErrExists) && c.ifNotExists:
		case errors.Is(err, catalog.ErrExists): // added meanwhile by someone else
			return res, errorf(duplicatePartition, "partition %s of table %s.%s already exists", partName(t.PartitionKeys, parts[i].Values), t.Database, t.Name)
		default:
			return res, e.fail(ctx, err)
		}
	}
	return res, nil
}

// dropPartitions is ALTER TABLE t DROP [IF EXISTS] PARTITION (...), ...; a
// spec naming only some keys drops every partition it matches, as in Hive.
type dropPartitions struct {
	ref      tableRef
	ifExists bool
	specs    [][]partKV
}

func (c *dropPartitions) run(ctx context.Context, e *env) (Result, error) {
	res := Result{Tag: "ALTER TABLE"}
	t, err := e.table(ctx, c.ref)
	if err != nil {
		return res, err
	}
	all, err := e.cat.GetPartitions(ctx, t.Database, t.Name)
	if err != nil {
		return res, e.tableErr(ctx, err, t.Database, t.Name)
	}
	var drop [][]string
	seen := map[string]bool{}
	for _, spec := range c.specs {
		vals, set, err := specValues(t, spec, false)
		if err != nil {
			return res, err
		}
		n := 0
		for _, pt := range all {
			if !matches(pt.Values, vals, set) {
				continue
			}
			n++
			if key := strings.Join(pt.Values, "\x00"); !seen[key] {
				seen[key] = true
				drop = append(drop, pt.Values)
			}
		}
		if n == 0 && !c.ifExists {
			return res, errorf(undefinedObject, "table %s.%s has no partition %s", t.Database, t.Name, specString(spec))
		}
	}
	for _, v := range drop {
		if err := e.cat.DeletePartition(ctx, t.Database, t.Name, v); err != nil && !errors.Is(err, catalog.ErrNotFound) {
			return res, e.fail(ctx, err)
		}
	}
	return res, nil
}
