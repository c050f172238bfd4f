package athenaapi

import (
	"fmt"
	"strconv"
	"strings"
)

// Athena's statement types.
const (
	typeDDL     = "DDL"
	typeDML     = "DML"
	typeUtility = "UTILITY"
)

// words returns the first n keywords of sql, upper-cased, past comments,
// white space and opening parentheses.
func words(sql string, n int) []string {
	var out []string
	for i := 0; i < len(sql) && len(out) < n; {
		switch c := sql[i]; {
		case strings.HasPrefix(sql[i:], "--"):
			j := strings.IndexByte(sql[i:], '\n')
			if j < 0 {
				return out
			}
			i += j + 1
		case strings.HasPrefix(sql[i:], "/*"):
			j := strings.Index(sql[i+2:], "*/")
			if j < 0 {
				return out
			}
			i += j + 4
		case isLetter(c):
			j := i
			for j < len(sql) && (isLetter(sql[j]) || sql[j] >= '0' && sql[j] <= '9') {
				j++
			}
			out = append(out, strings.ToUpper(sql[i:j]))
			i = j
		case c == '(' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ';':
			i++
		default:
			return out
		}
	}
	return out
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' }

// statementType classifies sql by its first keyword as Athena does:
// CREATE TABLE AS SELECT is DML, other definitions DDL, SHOW, DESCRIBE,
// EXPLAIN and session settings UTILITY, and anything else DML.
func statementType(sql string) string {
	w := words(sql, 1)
	if len(w) == 0 {
		return typeDML
	}
	switch w[0] {
	case "CREATE":
		if isCTAS(sql) {
			return typeDML
		}
		return typeDDL
	case "ALTER", "DROP", "MSCK", "COMMENT", "TRUNCATE", "GRANT", "REVOKE", "ATTACH", "DETACH":
		return typeDDL
	case "SHOW", "DESCRIBE", "DESC", "EXPLAIN", "USE", "SET", "RESET", "PRAGMA", "SUMMARIZE":
		return typeUtility
	}
	return typeDML
}

// isCTAS reports whether a CREATE statement makes a table from a query.
func isCTAS(sql string) bool {
	up := strings.ToUpper(sql)
	t := strings.Index(up, "TABLE")
	if t < 0 || strings.Contains(up[:t], "VIEW") {
		return false
	}
	for _, s := range []string{" AS SELECT", " AS WITH", " AS (", " AS\nSELECT", " AS\nWITH"} {
		if strings.Contains(up[t:], s) {
			return true
		}
	}
	return false
}

// bindParams rewrites the ? placeholders outside quotes and comments as
// $1, $2… and turns Athena's execution parameters (SQL literals: 'text',
// 42, 1.5, true, NULL, DATE '2024-01-31') into the arguments to bind;
// typed literals bind as text cast to their type.
func bindParams(sql string, params []string) (string, []any, error) {
	args := make([]any, len(params))
	casts := make([]string, len(params))
	for i, p := range params {
		v, cast, err := literal(p)
		if err != nil {
			return "", nil, invalid("ExecutionParameters[%d] %q %v.", i, p, err)
		}
		args[i], casts[i] = v, cast
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(sql); i++ {
		c := sql[i]
		end := -1
		switch {
		case c == '\'' || c == '"':
			end = closing(sql, i+1, c)
		case strings.HasPrefix(sql[i:], "--"):
			if end = strings.IndexByte(sql[i:], '\n'); end >= 0 {
				end += i
			}
		case strings.HasPrefix(sql[i:], "/*"):
			if end = strings.Index(sql[i+2:], "*/"); end >= 0 {
				end += i + 3
			}
		case c == '?':
			if n < len(params) {
				if casts[n] != "" {
					fmt.Fprintf(&b, "CAST($%d AS %s)", n+1, casts[n])
				} else {
					fmt.Fprintf(&b, "$%d", n+1)
				}
			}
			n++
			continue
		default:
			b.WriteByte(c)
			continue
		}
		if end < 0 {
			end = len(sql) - 1
		}
		b.WriteString(sql[i : end+1])
		i = end
	}
	if n != len(params) {
		return "", nil, invalid("The query has %d parameters (?) but ExecutionParameters holds %d values.", n, len(params))
	}
	return b.String(), args, nil
}

// closing returns the index of the quote q that closes a quoted run
// starting at i, doubled quotes being part of it; -1 if none does.
func closing(sql string, i int, q byte) int {
	for ; i < len(sql); i++ {
		if sql[i] == q {
			if i+1 < len(sql) && sql[i+1] == q {
				i++
				continue
			}
			return i
		}
	}
	return -1
}

// castTypes are the typed literals an execution parameter may be.
var castTypes = map[string]bool{"DATE": true, "TIME": true, "TIMESTAMP": true, "DECIMAL": true,
	"REAL": true, "DOUBLE": true, "BIGINT": true, "INTEGER": true, "VARCHAR": true, "JSON": true, "UUID": true}

func literal(p string) (v any, cast string, err error) {
	s := strings.TrimSpace(p)
	if typ, rest, ok := strings.Cut(s, " "); ok && castTypes[strings.ToUpper(typ)] {
		v, _, err := literal(rest)
		if _, text := v.(string); err != nil || !text {
			return nil, "", fmt.Errorf("is not a typed literal such as DATE '2024-01-31'")
		}
		return v, strings.ToUpper(typ), nil
	}
	switch up := strings.ToUpper(s); {
	case len(s) >= 2 && s[0] == '\'' && closing(s, 1, '\'') == len(s)-1:
		return strings.ReplaceAll(s[1:len(s)-1], "''", "'"), "", nil
	case up == "TRUE" || up == "FALSE":
		return up == "TRUE", "", nil
	case up == "NULL":
		return nil, "", nil
	}
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return i, "", nil
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && strings.IndexFunc(s, isFloatJunk) < 0 {
		return f, "", nil
	}
	return nil, "", fmt.Errorf("is not a SQL literal ('text', a number, true, false, NULL or a typed literal)")
}

// isFloatJunk refuses what ParseFloat takes but SQL does not: Inf, NaN,
// hexadecimal and underscores.
func isFloatJunk(r rune) bool {
	return !strings.ContainsRune("0123456789+-.eE", r)
}

// quoteIdent quotes a name for SQL.
func quoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}
