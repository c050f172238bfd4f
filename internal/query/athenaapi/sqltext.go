package athenaapi

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/tarnlake/tarn/internal/query/sqltext"
)

// Athena's statement types.
const (
	typeDDL     = "DDL"
	typeDML     = "DML"
	typeUtility = "UTILITY"
)

// leading returns sql's tokens past opening parentheses; nil when sql
// does not scan.
func leading(sql string) []sqltext.Token {
	toks, err := sqltext.Lex(sql)
	if err != nil {
		return nil
	}
	for len(toks) > 0 && toks[0].Is("(") {
		toks = toks[1:]
	}
	return toks
}

// statementType classifies sql by its first keyword as Athena does:
// definitions (CREATE TABLE AS SELECT too) are DDL, SHOW, DESCRIBE,
// EXPLAIN and session settings UTILITY, and anything else DML.
func statementType(sql string) string {
	toks := leading(sql)
	if len(toks) == 0 {
		return typeDML
	}
	switch toks[0].Text {
	case "CREATE", "ALTER", "DROP", "MSCK", "COMMENT", "TRUNCATE", "GRANT", "REVOKE", "ATTACH", "DETACH":
		return typeDDL
	case "SHOW", "DESCRIBE", "DESC", "EXPLAIN", "USE", "SET", "RESET", "PRAGMA", "SUMMARIZE":
		return typeUtility
	}
	return typeDML
}

// isCTAS reports whether a statement makes a table from a query: CREATE
// [OR REPLACE] TABLE name [WITH (…)] AS SELECT|WITH|(…).
func isCTAS(sql string) bool {
	toks := leading(sql)
	if len(toks) < 4 || !toks[0].Is("CREATE") {
		return false
	}
	i := 1
	for i < len(toks) && (toks[i].Is("OR") || toks[i].Is("REPLACE") || toks[i].Is("TEMP") || toks[i].Is("TEMPORARY")) {
		i++
	}
	if i >= len(toks) || !toks[i].Is("TABLE") {
		return false
	}
	depth := 0
	for j := i + 1; j+1 < len(toks); j++ {
		switch {
		case toks[j].Is("("):
			depth++
		case toks[j].Is(")"):
			depth--
		case depth == 0 && toks[j].Is("AS"):
			next := toks[j+1]
			return next.Is("SELECT") || next.Is("WITH") || next.Is("(") || next.Is("VALUES") || next.Is("FROM")
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
	toks, err := sqltext.Lex(sql)
	if err != nil {
		return "", nil, invalid("The query does not scan: %v.", err)
	}
	var b strings.Builder
	n, last := 0, 0
	for _, t := range toks {
		if t.Kind != sqltext.Param || t.Text != "?" {
			continue
		}
		b.WriteString(sql[last:t.Pos])
		last = t.Pos + 1
		if n < len(params) {
			if casts[n] != "" {
				fmt.Fprintf(&b, "CAST($%d AS %s)", n+1, casts[n])
			} else {
				fmt.Fprintf(&b, "$%d", n+1)
			}
		}
		n++
	}
	b.WriteString(sql[last:])
	if n != len(params) {
		return "", nil, invalid("The query has %d parameters (?) but ExecutionParameters holds %d values.", n, len(params))
	}
	return b.String(), args, nil
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
	case len(s) >= 2 && s[0] == '\'':
		if toks, err := sqltext.Lex(s); err == nil && len(toks) == 1 && toks[0].Kind == sqltext.String && toks[0].Raw == s {
			return toks[0].Text, "", nil
		}
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
func quoteIdent(name string) string { return sqltext.QuoteIdent(name) }
