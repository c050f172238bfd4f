package crawl

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/tarnlake/tarn/internal/format"
)

// tableSpec is a table a crawl found: a folder whose files share a format
// and similar schemas, with the folders below it as partitions; or a single
// file that fits with nothing beside it.
type tableSpec struct {
	name      string
	bucket    string
	prefix    string // the table's folder (ends in "/"), or the key of a one-file table
	single    bool
	compat    compat
	schema    format.Schema
	conflicts []string // columns whose types disagreed across files
	keys      []string // partition key names
	parts     []partSpec
	files     []*file
}

type partSpec struct {
	values []string
	prefix string
}

// compat is what files must share to be one table: format, compression and
// for delimited text its dialect.
type compat struct {
	class, comp, delim string
	header             bool
}

func compatOf(s *sample) compat {
	return compat{class: s.Class, comp: s.Comp, delim: s.Delim, header: s.Header}
}

// node is a folder of a target.
type node struct {
	name   string
	prefix string
	files  []*file
	kids   map[string]*node
}

func (n *node) kid(name string) *node {
	k := n.kids[name]
	if k == nil {
		k = &node{name: name, prefix: n.prefix + name + "/", kids: map[string]*node{}}
		n.kids[name] = k
	}
	return k
}

func (n *node) sortedKids() []*node {
	out := make([]*node, 0, len(n.kids))
	for _, k := range n.kids {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// unit is the summary of a folder that can be one table.
type unit struct {
	ok     bool
	empty  bool
	depth  int
	compat compat
	schema format.Schema
}

// grouper turns a target's files into tables, with the crawler's grouping
// configuration and a schema cache (most files share a few schemas).
type grouper struct {
	combine bool // TableGroupingPolicy CombineCompatibleSchemas
	level   int  // TableLevelConfiguration; 0 = find it
	schemas map[string]format.Schema
	units   map[*node]unit
}

func newGrouper(cfg configuration) *grouper {
	return &grouper{combine: cfg.combine, level: cfg.tableLevel, schemas: map[string]format.Schema{}, units: map[*node]unit{}}
}

func (g *grouper) schemaOf(s *sample) format.Schema {
	if sc, ok := g.schemas[s.Schema]; ok {
		return sc
	}
	var sc format.Schema
	if t, err := format.ParseType(s.Schema); err == nil {
		sc = format.Schema(t.Fields)
	}
	g.schemas[s.Schema] = sc
	return sc
}

// group returns the tables of one target whose root folder is prefix.
func (g *grouper) group(bucket, prefix string, files []*file) []tableSpec {
	root := &node{name: rootName(bucket, prefix), prefix: prefix, kids: map[string]*node{}}
	for _, f := range files {
		if f.s.Skip != "" {
			continue
		}
		n := root
		segs := strings.Split(f.rel, "/")
		for _, seg := range segs[:len(segs)-1] {
			n = n.kid(seg)
		}
		n.files = append(n.files, f)
	}
	var out []tableSpec
	if g.level > 0 {
		rootLevel := strings.Count(prefix, "/")
		g.atLevel(bucket, root, g.level-rootLevel, &out)
		return out
	}
	g.split(bucket, root, &out)
	return out
}

// atLevel makes the folders `down` levels below n tables, whatever their
// schemas' similarity (TableLevelConfiguration).
func (g *grouper) atLevel(bucket string, n *node, down int, out *[]tableSpec) {
	if down <= 0 {
		combine := g.combine
		g.combine = true
		g.split(bucket, n, out)
		g.combine = combine
		return
	}
	g.singles(bucket, n, out)
	for _, k := range n.sortedKids() {
		g.atLevel(bucket, k, down-1, out)
	}
}

// split makes n one table if it can be, else looks further down.
func (g *grouper) split(bucket string, n *node, out *[]tableSpec) {
	u := g.unit(n)
	if u.empty {
		return
	}
	if u.ok {
		*out = append(*out, g.table(bucket, n, u))
		return
	}
	g.singles(bucket, n, out)
	for _, k := range n.sortedKids() {
		g.split(bucket, k, out)
	}
}

// singles makes each file directly in a folder that is not a table its own
// table, as Glue does with files beside folders.
func (g *grouper) singles(bucket string, n *node, out *[]tableSpec) {
	for _, f := range n.files {
		base := f.key[strings.LastIndexByte(f.key, '/')+1:]
		*out = append(*out, tableSpec{
			name: base, bucket: bucket, prefix: f.key, single: true, compat: compatOf(f.s),
			schema: g.schemaOf(f.s), files: []*file{f},
		})
	}
}

// unit decides whether the folder n can be one table: every file below it
// at the same depth, of one format, with similar schemas at each level.
func (g *grouper) unit(n *node) unit {
	if u, ok := g.units[n]; ok {
		return u
	}
	u := g.computeUnit(n)
	g.units[n] = u
	return u
}

func (g *grouper) computeUnit(n *node) unit {
	var kids []unit
	for _, k := range n.sortedKids() {
		if ku := g.unit(k); !ku.empty {
			kids = append(kids, ku)
		}
	}
	switch {
	case len(n.files) == 0 && len(kids) == 0:
		return unit{empty: true}
	case len(n.files) > 0 && len(kids) > 0:
		return unit{} // files beside folders: not one table
	case len(kids) == 0:
		u := unit{ok: true, compat: compatOf(n.files[0].s)}
		var schemas []format.Schema
		for _, f := range n.files {
			if compatOf(f.s) != u.compat {
				return unit{}
			}
			schemas = append(schemas, g.schemaOf(f.s))
		}
		if !g.similar(schemas) {
			return unit{}
		}
		u.schema = mergeAll(schemas)
		return u
	}
	u := unit{ok: true, compat: kids[0].compat, depth: kids[0].depth + 1}
	var schemas []format.Schema
	for _, k := range kids {
		if !k.ok || k.compat != u.compat || k.depth+1 != u.depth {
			return unit{}
		}
		schemas = append(schemas, k.schema)
	}
	if !g.similar(schemas) {
		return unit{}
	}
	u.schema = mergeAll(schemas)
	return u
}

// similarity is Glue's partition threshold. tarn reads it so: the widest
// schema of a folder's parts is the reference, a part is close to it when
// at least 70% of the part's columns are in it, and the parts are one
// table when more than 70% of them are close. Schemas that grew a column
// stay one table; {A,B} beside {C,D} make two, as in Glue's example.
const similarity = 0.7

func (g *grouper) similar(schemas []format.Schema) bool {
	if g.combine || len(schemas) < 2 {
		return true
	}
	ref := schemas[0]
	for _, s := range schemas[1:] {
		if len(s) > len(ref) {
			ref = s
		}
	}
	in := map[string]bool{}
	for _, c := range ref {
		in[strings.ToLower(c.Name)] = true
	}
	close := 0
	for _, s := range schemas {
		shared := 0
		for _, c := range s {
			if in[strings.ToLower(c.Name)] {
				shared++
			}
		}
		if float64(shared) >= similarity*float64(len(s)) {
			close++
		}
	}
	return float64(close) > similarity*float64(len(schemas))
}

func mergeAll(schemas []format.Schema) format.Schema {
	var out format.Schema
	for _, s := range schemas {
		out, _ = out.Merge(s)
	}
	return out
}

// table builds the spec of folder n, a unit of the given depth: the folders
// of the first depth levels are partitions.
func (g *grouper) table(bucket string, n *node, u unit) tableSpec {
	t := tableSpec{name: n.name, bucket: bucket, prefix: n.prefix, compat: u.compat}
	levels := make([][]string, u.depth)
	seen := map[string]bool{}
	var files []*file
	g.walk(n, func(f *file) { files = append(files, f) })
	for _, f := range files {
		segs := strings.Split(strings.TrimPrefix(f.key, n.prefix), "/")[:u.depth]
		for i, s := range segs {
			levels[i] = append(levels[i], s)
		}
		if id := strings.Join(segs, "/"); u.depth > 0 && !seen[id] {
			seen[id] = true
			t.parts = append(t.parts, partSpec{values: slices.Clone(segs), prefix: n.prefix + id + "/"})
		}
	}
	for i, segs := range levels {
		t.keys = append(t.keys, keyName(i, segs))
	}
	if len(t.keys) > 0 {
		for pi := range t.parts {
			for i, v := range t.parts[pi].values {
				if _, val, ok := strings.Cut(v, "="); ok && t.keys[i] != fmt.Sprintf("partition_%d", i) {
					t.parts[pi].values[i] = val
				}
			}
		}
	}
	// Schema from the files, in key order, so columns appear as they first
	// did; conflicting types are noted.
	var sc format.Schema
	for _, f := range files {
		var ok bool
		if sc, ok = sc.Merge(g.schemaOf(f.s)); !ok {
			t.conflicts = appendConflicts(t.conflicts, sc, g.schemaOf(f.s))
		}
	}
	t.schema = dropKeys(sc, t.keys)
	t.files = files
	return t
}

func (g *grouper) walk(n *node, fn func(*file)) {
	for _, f := range n.files {
		fn(f)
	}
	for _, k := range n.sortedKids() {
		g.walk(k, fn)
	}
}

// keyName names partition level i: "k" when every folder there is "k=v",
// else Glue's "partition_i".
func keyName(i int, segs []string) string {
	k0, _, ok := strings.Cut(segs[0], "=")
	if ok && k0 != "" {
		for _, s := range segs[1:] {
			if k, _, ok := strings.Cut(s, "="); !ok || k != k0 {
				return fmt.Sprintf("partition_%d", i)
			}
		}
		return sanitize(k0)
	}
	return fmt.Sprintf("partition_%d", i)
}

// appendConflicts names the columns of b whose type differs from the
// merged schema's.
func appendConflicts(have []string, merged, b format.Schema) []string {
	for _, c := range b {
		for _, m := range merged {
			if strings.EqualFold(m.Name, c.Name) && !m.Type.Equal(c.Type) && m.Type.Kind == format.KindString && !slices.Contains(have, m.Name) {
				have = append(have, m.Name)
			}
		}
	}
	return have
}

// dropKeys removes data columns named like partition keys: the folder's
// value wins, as in Hive.
func dropKeys(s format.Schema, keys []string) format.Schema {
	return slices.DeleteFunc(slices.Clone(s), func(c format.Column) bool {
		return slices.Contains(keys, strings.ToLower(c.Name))
	})
}

func rootName(bucket, prefix string) string {
	p := strings.TrimSuffix(prefix, "/")
	if p == "" {
		return bucket
	}
	return p[strings.LastIndexByte(p, '/')+1:]
}

// sanitize makes a Glue table or column name: lower case, characters other
// than letters, digits and '_' replaced by '_'.
func sanitize(s string) string {
	b := []byte(strings.ToLower(s))
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			b[i] = '_'
		}
	}
	return string(b)
}
