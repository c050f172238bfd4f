package redshiftdata

import (
	"strings"

	"github.com/tarnlake/tarn/internal/query/sqltext"
)

// checkParams validates the Parameters member: when present, one or more
// of distinct names (letters, digits, _) with non-empty values.
func checkParams(ps []sqlParam, present bool) (map[string]string, error) {
	if present && len(ps) == 0 {
		return nil, invalid("Parameters must hold at least one parameter when present.")
	}
	m := make(map[string]string, len(ps))
	for i, p := range ps {
		if !paramPattern.MatchString(p.Name) {
			return nil, invalid("Parameters[%d].name %q is not valid: it must match %s.", i, p.Name, paramPattern)
		}
		if _, dup := m[p.Name]; dup {
			return nil, invalid("Parameter %q is given more than once.", p.Name)
		}
		v, err := text("Parameters["+p.Name+"].value", p.Value, 1, maxSQL)
		if err != nil {
			return nil, err
		}
		m[p.Name] = v
	}
	return m, nil
}

// substitute replaces each :name placeholder naming a parameter with the
// parameter's value as a SQL string literal, which the engine casts to
// whatever type the place wants, as Redshift converts a parameter's text.
// Literals rather than bound arguments, because tarn's own statements
// (CTAS, INSERT into lake tables, UNLOAD) take no bound arguments.
//
// It works on tokens, so a placeholder inside a string, a quoted name, a
// dollar-quoted body or a comment is left alone, and :: casts never match.
// The literal doubles its quotes and is set off by spaces, so it can
// neither end early nor join a neighbouring token (as E'…' would). A
// placeholder that names no parameter is left for the engine to refuse;
// text that does not scan is left whole, for the engine to report.
func substitute(sql string, params map[string]string) string {
	if len(params) == 0 || !strings.Contains(sql, ":") {
		return sql
	}
	toks, err := sqltext.Lex(sql)
	if err != nil {
		return sql
	}
	var b strings.Builder
	last := 0
	for i := 0; i+1 < len(toks); i++ {
		colon, name := toks[i], toks[i+1]
		if colon.Kind != sqltext.Op || colon.Raw != ":" || name.Pos != colon.End() ||
			name.Kind != sqltext.Word && name.Kind != sqltext.Number {
			continue
		}
		v, ok := params[name.Raw]
		if !ok {
			continue
		}
		b.WriteString(sql[last:colon.Pos])
		b.WriteString(" '")
		b.WriteString(strings.ReplaceAll(v, "'", "''"))
		b.WriteString("' ")
		last = name.End()
		i++
	}
	if last == 0 {
		return sql
	}
	b.WriteString(sql[last:])
	return b.String()
}
