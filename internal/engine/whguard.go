package engine

import (
	"fmt"
	"strings"

	"github.com/tarnlake/tarn/internal/query/sqltext"
	"github.com/tarnlake/tarn/internal/warehouse"
)

// The statements tarn sends the warehouse as text (CREATE TABLE, DROP,
// TRUNCATE, ALTER TABLE … ADD or DROP COLUMN, UPDATE, DELETE) run there with the warehouse's own rights, so
// they are held to a narrow shape: one statement, one table, and in
// UPDATE and DELETE only the table's own columns, literals, operators and
// a short list of scalar functions — no subqueries, other tables or
// functions that reach elsewhere (files, settings, SQL in strings).

// whScalar are the functions UPDATE and DELETE may call.
var whScalar = map[string]bool{
	"COALESCE": true, "NULLIF": true, "GREATEST": true, "LEAST": true, "LOWER": true, "UPPER": true, "TRIM": true,
	"BTRIM": true, "LTRIM": true, "RTRIM": true, "SUBSTRING": true, "SUBSTR": true, "LENGTH": true, "CHAR_LENGTH": true,
	"REPLACE": true, "CONCAT": true, "ABS": true, "ROUND": true, "FLOOR": true, "CEIL": true, "CEILING": true, "MOD": true,
	"POWER": true, "SQRT": true, "DATE_TRUNC": true, "EXTRACT": true, "DATE_PART": true, "NOW": true, "CAST": true,
	"LEFT": true, "RIGHT": true, "LPAD": true, "RPAD": true, "SPLIT_PART": true, "POSITION": true, "IN": true,
}

// whTypes may be followed by "(" (their lengths) in CREATE TABLE and casts.
var whTypes = map[string]bool{"VARCHAR": true, "CHAR": true, "CHARACTER": true, "NVARCHAR": true, "NCHAR": true, "BPCHAR": true,
	"NUMERIC": true, "DECIMAL": true, "VARBYTE": true, "VARYING": true, "TIMESTAMP": true, "TIME": true, "FLOAT": true}

// whDenied are words no warehouse statement tarn passes on may hold.
var whDenied = map[string]bool{"SELECT": true, "WITH": true, "TABLE": true, "VALUES": true, "FROM": true, "USING": true,
	"JOIN": true, "EXISTS": true, "ANY": true, "ALL": true, "SOME": true, "DEFAULT": true, "REFERENCES": true, "LIKE": true,
	"CHECK": true, "GENERATED": true, "COLLATE": true, "INHERITS": true, "CONSTRAINT": true, "FOREIGN": true,
	"EXCLUDE": true, "CASCADE": true, "RETURNING": true, "ONLY": true, "LATERAL": true}

// whGuard checks text, a statement of kind on schema.table, before it is
// sent to the warehouse.
func whGuard(kind, table, text string) error {
	stmts, err := sqltext.Split(text)
	if err != nil || len(stmts) != 1 {
		return denied("permission denied: a warehouse statement must be one statement")
	}
	toks := stmts[0].Tokens
	bad := func(t sqltext.Token, why string) error {
		return denied("permission denied: %s at %q: the warehouse takes %s on one table, with its own columns, literals and simple functions (%s)",
			why, t.Raw, kind, "for more, INSERT … SELECT or CREATE TABLE then INSERT")
	}
	// The head: KIND … "schema"."table"; what follows is checked.
	i := 0
	for i < len(toks) && !(toks[i].Kind == sqltext.Ident && i+2 < len(toks) && toks[i+1].Is(".") && toks[i+2].Kind == sqltext.Ident) {
		i++
	}
	i += 3
	if i > len(toks) {
		return denied("permission denied: the warehouse statement has no table")
	}
	rest := toks[i:]
	switch kind {
	case "DROP", "TRUNCATE":
		if len(rest) > 0 {
			return bad(rest[0], "more than one table, or options")
		}
		return nil
	case "CREATE":
		if len(rest) == 0 || !rest[0].Is("(") || sqltext.Closing(rest, 0) != len(rest)-1 {
			return denied("permission denied: CREATE TABLE in the warehouse takes a list of columns and nothing after it")
		}
	case "ALTER":
		return alterColumn(rest)
	}
	for j, t := range rest {
		next := j+1 < len(rest) && rest[j+1].Is("(")
		switch {
		case t.Kind == sqltext.Word && (whDenied[t.Text] || kind == "CREATE" && t.Text == "AS"):
			return bad(t, "not allowed")
		case t.Is(".") && (j == 0 || !isName(rest[j-1]) || rest[j-1].Name() != table):
			return bad(t, "another table or schema")
		case t.Is("&") || t.Is(";"):
			return bad(t, "not allowed")
		case t.Kind == sqltext.Ident && next:
			return bad(t, "a quoted function name")
		case t.Kind == sqltext.Word && next && kind == "CREATE" && !whTypes[t.Text]:
			return bad(t, "a function or option")
		case t.Kind == sqltext.Word && next && kind != "CREATE" && !whScalar[t.Text] && !whTypes[t.Text]:
			return bad(t, fmt.Sprintf("function %s", t.Name()))
		case kind == "CREATE" && t.Kind == sqltext.String:
			return bad(t, "a literal")
		}
	}
	return nil
}

// alterColumn checks what follows ALTER TABLE's table: ADD [COLUMN] name
// type[(n[, n])] or DROP [COLUMN] name, and nothing more.
func alterColumn(rest []sqltext.Token) error {
	refuse := denied("permission denied: ALTER TABLE in the warehouse takes ADD [COLUMN] name type or DROP [COLUMN] name, one column, nothing more")
	if len(rest) == 0 || !rest[0].Is("ADD") && !rest[0].Is("DROP") {
		return refuse
	}
	add, j := rest[0].Is("ADD"), 1
	if j < len(rest) && rest[j].Is("COLUMN") {
		j++
	}
	if j >= len(rest) || !isName(rest[j]) || rest[j].Kind == sqltext.Word && whDenied[rest[j].Text] {
		return refuse
	}
	j++
	if add {
		k := j
		for k < len(rest) && rest[k].Kind == sqltext.Word &&
			(!whDenied[rest[k].Text] || rest[k].Text == "WITH" && (rest[k-1].Is("TIMESTAMP") || rest[k-1].Is("TIME"))) {
			k++
		}
		if k == j {
			return refuse // no type
		}
		if k < len(rest) && rest[k].Is("(") && whTypes[rest[k-1].Text] {
			c := sqltext.Closing(rest, k)
			if c < 0 {
				return refuse
			}
			for _, t := range rest[k+1 : c] {
				if t.Kind != sqltext.Number && !t.Is(",") {
					return refuse
				}
			}
			k = c + 1
		}
		// A type the warehouse cannot read back would leave every table
		// of it unlisted.
		var typ []string
		for _, t := range rest[j:k] {
			typ = append(typ, t.Raw)
		}
		if _, err := warehouse.ParseType(strings.Join(typ, " ")); err != nil {
			return denied("permission denied: %v", err)
		}
		j = k
	}
	if j != len(rest) {
		return refuse
	}
	return nil
}
