package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/tarnlake/tarn/internal/lake"
)

// On a remote lake, a statement that reads one partitioned table and
// keeps only some of its partitions (year = '2026', month IN ('01','02'),
// at the top of its WHERE, joined by AND) has only those partitions'
// files fetched. DuckDB's parser finds the filters (json_serialize_sql);
// anything else (joins, unions, CTEs, OR, other expressions) fetches the
// whole table, which is always right.

// names reports whether the statement's table is the view db.name.
func (f partitionFilter) names(key string) bool {
	db, name, _ := strings.Cut(key, ".")
	return f.table == name && (f.schema == "" || f.schema == db)
}

// partitionFilter is what a statement's WHERE keeps of a table's partition
// keys: key (lower case) → the values it may take.
type partitionFilter struct {
	schema, table string // as the statement names the table (schema may be "")
	values        map[string][]string
}

// filterOf reads the partition filter of a one-table SELECT; ok is false
// for any statement it does not understand.
func (e *Engine) filterOf(ctx context.Context, text string) (partitionFilter, bool) {
	var out string
	if err := e.db.QueryRowContext(ctx, "SELECT CAST(json_serialize_sql($1::VARCHAR) AS VARCHAR)", text).Scan(&out); err != nil {
		return partitionFilter{}, false
	}
	var tree struct {
		Error      bool
		Statements []struct {
			Node struct {
				Type      string          `json:"type"`
				CTEMap    json.RawMessage `json:"cte_map"`
				FromTable struct {
					Type   string `json:"type"`
					Schema string `json:"schema_name"`
					Table  string `json:"table_name"`
					Alias  string `json:"alias"`
				} `json:"from_table"`
				Where *sqlExpr `json:"where_clause"`
			} `json:"node"`
		} `json:"statements"`
	}
	if json.Unmarshal([]byte(out), &tree) != nil || tree.Error || len(tree.Statements) != 1 {
		return partitionFilter{}, false
	}
	n := tree.Statements[0].Node
	if n.Type != "SELECT_NODE" || n.FromTable.Type != "BASE_TABLE" || n.Where == nil || hasCTE(n.CTEMap) {
		return partitionFilter{}, false
	}
	f := partitionFilter{schema: strings.ToLower(n.FromTable.Schema), table: strings.ToLower(n.FromTable.Table), values: map[string][]string{}}
	names := []string{f.table, strings.ToLower(n.FromTable.Alias)}
	conjuncts := []*sqlExpr{n.Where}
	if n.Where.Type == "CONJUNCTION_AND" {
		conjuncts = n.Where.Children
	}
	for _, c := range conjuncts {
		col, vals, ok := c.keeps(names)
		if !ok {
			continue
		}
		if old, seen := f.values[col]; seen { // a = 1 AND a IN (1, 2): both hold
			vals = intersect(old, vals)
		}
		f.values[col] = vals
	}
	return f, len(f.values) > 0
}

// sqlExpr is the part of DuckDB's serialized expressions filterOf reads.
type sqlExpr struct {
	Class    string     `json:"class"`
	Type     string     `json:"type"`
	Children []*sqlExpr `json:"children"`
	Left     *sqlExpr   `json:"left"`
	Right    *sqlExpr   `json:"right"`
	Columns  []string   `json:"column_names"`
	Value    *struct {
		IsNull bool `json:"is_null"`
		Value  any  `json:"value"`
	} `json:"value"`
}

// keeps reads "column = constant" and "column IN (constants)" on a column
// of the table (unqualified, or qualified by one of names).
func (x *sqlExpr) keeps(names []string) (string, []string, bool) {
	column := func(c *sqlExpr) (string, bool) {
		if c == nil || c.Class != "COLUMN_REF" {
			return "", false
		}
		switch len(c.Columns) {
		case 1:
			return strings.ToLower(c.Columns[0]), true
		case 2:
			q := strings.ToLower(c.Columns[0])
			for _, n := range names {
				if n != "" && q == n {
					return strings.ToLower(c.Columns[1]), true
				}
			}
		}
		return "", false
	}
	constant := func(c *sqlExpr) (string, bool) {
		if c == nil || c.Class != "CONSTANT" || c.Value == nil || c.Value.IsNull {
			return "", false
		}
		switch v := c.Value.Value.(type) {
		case string:
			return v, true
		case float64:
			return fmt.Sprint(v), true
		}
		return "", false
	}
	switch x.Type {
	case "COMPARE_EQUAL":
		if col, ok := column(x.Left); ok {
			if v, ok := constant(x.Right); ok {
				return col, []string{v}, true
			}
		}
		if col, ok := column(x.Right); ok {
			if v, ok := constant(x.Left); ok {
				return col, []string{v}, true
			}
		}
	case "COMPARE_IN":
		if len(x.Children) < 2 {
			return "", nil, false
		}
		col, ok := column(x.Children[0])
		if !ok {
			return "", nil, false
		}
		var vals []string
		for _, c := range x.Children[1:] {
			v, ok := constant(c)
			if !ok {
				return "", nil, false
			}
			vals = append(vals, v)
		}
		return col, vals, true
	}
	return "", nil, false
}

func hasCTE(raw json.RawMessage) bool {
	var m struct {
		Map []json.RawMessage `json:"map"`
	}
	return len(raw) > 0 && json.Unmarshal(raw, &m) == nil && len(m.Map) > 0
}

func intersect(a, b []string) []string {
	var out []string
	for _, x := range a {
		for _, y := range b {
			if x == y {
				out = append(out, x)
				break
			}
		}
	}
	return out
}

// prunedPrefixes returns the prefixes below v's location that hold the
// partitions f keeps, following its keys in order while each is filtered:
// the folders found in the remote listing, and those only the local copy
// still has (their sync removes them). nil means the whole table.
func (e *Engine) prunedPrefixes(ctx context.Context, v remoteView, f partitionFilter) ([]string, error) {
	prefixes := []string{v.prefix}
	for _, key := range v.keys {
		vals, ok := f.values[key]
		if !ok {
			break
		}
		next := []string{} // none kept is not "all"
		for _, p := range prefixes {
			folders, err := e.folders(ctx, v.bucket, p)
			if err != nil {
				return nil, err
			}
			for _, name := range folders {
				for _, val := range vals {
					if v.hive && strings.EqualFold(name, key+"="+val) || !v.hive && name == val {
						next = append(next, p+name+"/")
						break
					}
				}
			}
		}
		prefixes = next
	}
	if len(prefixes) == 1 && prefixes[0] == v.prefix {
		return nil, nil
	}
	return prefixes, nil
}

// folders lists the folder names right below prefix: in the lake and in
// the local copy.
func (e *Engine) folders(ctx context.Context, bucket, prefix string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	add := func(name string) {
		if name != "" && !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	err := lake.ListPages(ctx, e.opts.Lake, bucket, lake.ListOptions{Prefix: prefix, Delimiter: "/"}, func(res lake.ListResult) error {
		for _, p := range res.CommonPrefixes {
			add(strings.TrimSuffix(strings.TrimPrefix(p, prefix), "/"))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list s3://%s/%s: %w", bucket, prefix, err)
	}
	if dir, err := e.opts.Files.LocalPath(bucket, prefix); err == nil {
		entries, _ := os.ReadDir(dir)
		for _, d := range entries {
			if d.IsDir() && !strings.HasPrefix(d.Name(), ".") && !strings.Contains(d.Name(), "%") {
				add(d.Name())
			}
		}
	}
	return out, nil
}
