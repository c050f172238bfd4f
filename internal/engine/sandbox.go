package engine

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/query"
	"github.com/tarnlake/tarn/internal/query/sqltext"
	"github.com/tarnlake/tarn/internal/warehouse/redshift"
)

// The SQL sandbox. Each key's statements run in a DuckDB of that key's
// (see instance.go) which holds views only over the tables whose files the
// key may read, and whose configuration is locked with external access off
// and only the folders of those tables' buckets allowed: DuckDB itself
// refuses every other file, ATTACH, INSTALL and LOAD, and every SET of its
// configuration. Above it, admit refuses by kind the statements a user
// may not run (COPY, EXPORT, PRAGMA, persistent CREATE…) with a precise
// error, before DuckDB sees them; tarn's own write paths (CTAS, INSERT
// INTO a lake table, UNLOAD, Hive DDL) check the key's grants on the
// target bucket and database (guard.go). User-made views, macros and
// tables are TEMP: they live in the session's connection, which is
// discarded when the session ends.

// CodeDenied is PostgreSQL's insufficient_privilege.
const CodeDenied = "42501"

// maxDepth bounds the nesting of brackets in a statement: DuckDB's parser
// recurses on it, and a deep enough nesting overflows the C stack.
const maxDepth = 200

// sessionSettings are DuckDB settings a session may still change under a
// locked configuration: they name where unqualified names are looked up.
var sessionSettings = map[string]bool{"search_path": true, "schema": true}

// deniedFunctions run SQL given as a string, which admit cannot see.
var deniedFunctions = map[string]bool{"QUERY": true, "QUERY_TABLE": true, "JSON_EXECUTE_SERIALIZED_SQL": true,
	"DBGEN": true, "DSDGEN": true}

func denied(format string, args ...any) error {
	return &query.Error{Code: CodeDenied, Message: fmt.Sprintf(format, args...)}
}

// admit reports why a statement may not run, or nil. A CREATE passes: it
// may be tarn's (Hive DDL, CTAS), which check grants themselves; what
// reaches DuckDB must be TEMP (admitCreate).
func admit(st sqltext.Statement) error {
	toks := st.Tokens
	if len(toks) == 0 {
		return nil
	}
	if d := sqltext.Depth(toks); d > maxDepth {
		return &query.Error{Code: "54001", Message: fmt.Sprintf("statement too complex: brackets nest %d deep, the limit is %d", d, maxDepth)}
	}
	for i, t := range toks {
		if (t.Kind == sqltext.Word || t.Kind == sqltext.Ident) && deniedFunctions[strings.ToUpper(t.Text)] && i+1 < len(toks) && toks[i+1].Is("(") {
			return denied("permission denied for function %s: it runs SQL from a string", t.Name())
		}
	}
	first := toks[0]
	if first.Is("(") {
		return nil // a parenthesised query
	}
	switch first.Text {
	case "SELECT", "WITH", "VALUES", "TABLE", "FROM", "PIVOT", "UNPIVOT", "SUMMARIZE", "DESCRIBE", "DESC", "SHOW",
		"BEGIN", "START", "COMMIT", "END", "ROLLBACK", "ABORT", "USE",
		"INSERT", "UPDATE", "DELETE", "TRUNCATE", "UNLOAD", "ARCHIVE", "MSCK", "DROP", "ALTER", "CREATE":
		return nil // CREATE: see admitCreate, once tarn's handlers have passed
	case "EXPLAIN":
		rest := toks[1:]
		for len(rest) > 0 && rest[0].Kind == sqltext.Word && (rest[0].Text == "ANALYZE" || rest[0].Text == "ANALYSE" || rest[0].Text == "VERBOSE") {
			rest = rest[1:]
		}
		if len(rest) > 0 && rest[0].Is("(") { // EXPLAIN (FORMAT json) …
			for len(rest) > 0 && !rest[0].Is(")") {
				rest = rest[1:]
			}
			rest = rest[min(1, len(rest)):]
		}
		return admit(sqltext.Statement{Tokens: rest})
	case "SET", "RESET":
		return admitSet(toks)
	case "COPY":
		if _, ok, _ := redshift.Parse(st.Text); ok {
			return nil // Redshift's COPY from the lake: the warehouse's
		}
	}
	if refused[first.Text] {
		return denied("permission denied: %s statements are not allowed in tarn's SQL (tables are read through the catalog; write with CREATE TABLE … WITH (external_location=…) AS, INSERT INTO a lake table or UNLOAD)", first.Text)
	}
	return &query.Error{Code: query.CodeSyntax, Message: fmt.Sprintf("syntax error at or near %q", first.Raw), Position: first.Pos + 1}
}

// refused are DuckDB's statements that reach past the sandbox: files,
// extensions, databases, configuration, prepared text admit cannot see.
var refused = map[string]bool{
	"COPY": true, "ATTACH": true, "DETACH": true, "INSTALL": true, "LOAD": true, "FORCE": true,
	"EXPORT": true, "IMPORT": true, "PRAGMA": true, "CALL": true, "CHECKPOINT": true, "VACUUM": true, "ANALYZE": true,
	"PREPARE": true, "EXECUTE": true, "DEALLOCATE": true, "COMMENT": true, "MERGE": true,
}

// admitSet lets a session set PostgreSQL's session settings (kept by tarn,
// see pgsettings.go) and where names are looked up; nothing else, and
// nothing GLOBAL.
func admitSet(toks []sqltext.Token) error {
	i := 1
	for i < len(toks) && toks[i].Kind == sqltext.Word && (toks[i].Text == "SESSION" || toks[i].Text == "LOCAL") {
		i++
	}
	if i < len(toks) && (toks[i].Text == "GLOBAL" || toks[i].Text == "VARIABLE") {
		return denied("permission denied to %s %s: sessions may set only their own PostgreSQL settings and search_path", toks[0].Text, toks[i].Text)
	}
	if i < len(toks) && (toks[i].Text == "TRANSACTION" || toks[i].Text == "ALL" && toks[0].Text == "RESET") {
		return nil
	}
	if i < len(toks) && toks[i].Text == "CHARACTERISTICS" {
		return nil // SET SESSION CHARACTERISTICS AS TRANSACTION …
	}
	if i >= len(toks) {
		return &query.Error{Code: query.CodeSyntax, Message: toks[0].Text + " needs a setting's name"}
	}
	name := toks[i].Name()
	if _, ok := pgSettings[name]; ok || sessionSettings[name] {
		return nil
	}
	allowed := slices.Sorted(func(yield func(string) bool) {
		for k := range sessionSettings {
			if !yield(k) {
				return
			}
		}
	})
	return denied("permission denied to set parameter %q: sessions may set PostgreSQL's session settings and %s", name, strings.Join(allowed, ", "))
}

// admitCreate lets DuckDB make only TEMP objects: they live in the
// session's connection. Persistent ones would be shared with every other
// session of the key, so a session could change what another reads.
func admitCreate(toks []sqltext.Token) error {
	for _, t := range toks[1:min(len(toks), 5)] {
		if t.Kind != sqltext.Word {
			break
		}
		switch t.Text {
		case "TEMP", "TEMPORARY":
			return nil
		case "OR", "REPLACE":
			continue
		}
		return denied("permission denied to CREATE %s: make it TEMP (it lasts as long as the session), or write a lake table with CREATE TABLE db.t WITH (external_location = 's3://bucket/prefix/') AS SELECT …", t.Text)
	}
	return denied("permission denied: only CREATE TEMP objects are allowed")
}

// mayRead reports whether the session's key may read r; a session without
// a key (Options.Keys nil) may read everything.
func (s *session) mayRead(r access.Resource) bool {
	return s.key == nil || s.key.Allowed(access.Read, r)
}

func (s *session) mayWrite(r access.Resource) bool {
	return s.key == nil || s.key.Allowed(access.Write, r)
}

// needWrite fails unless the key may write r.
func (s *session) needWrite(r access.Resource, what string) error {
	if s.mayWrite(r) {
		return nil
	}
	return denied("permission denied: key %s may not write %s (%s); grant it write on %s", s.user, r, what, r)
}

// admit splits text into statements and refuses it if any may not run.
func (s *session) admit(text string) ([]sqltext.Statement, error) {
	stmts, err := sqltext.Split(text)
	if err != nil {
		var le *sqltext.Error
		if errors.As(err, &le) {
			return nil, &query.Error{Code: query.CodeSyntax, Message: "syntax error: " + le.Msg, Position: len([]rune(text[:le.Pos])) + 1}
		}
		return nil, &query.Error{Code: query.CodeSyntax, Message: err.Error()}
	}
	for _, st := range stmts {
		if err := admit(st); err != nil {
			return nil, err
		}
	}
	return stmts, nil
}

// oneQuery checks that sel, which tarn wraps in a statement of its own
// (COPY (sel) TO …), is one balanced query that cannot close tarn's
// brackets early and write elsewhere.
func oneQuery(sel string) error {
	toks, err := sqltext.Lex(sel)
	if err != nil {
		return &query.Error{Code: query.CodeSyntax, Message: "syntax error: " + err.Error()}
	}
	d := 0
	for _, t := range toks {
		switch {
		case t.Is("(") || t.Is("["):
			d++
		case t.Is(")") || t.Is("]"):
			if d--; d < 0 {
				return &query.Error{Code: query.CodeSyntax, Message: "syntax error: unbalanced ) in the query"}
			}
		case t.Is(";"):
			return &query.Error{Code: query.CodeSyntax, Message: "syntax error: one query expected, found ;"}
		}
	}
	if d != 0 {
		return &query.Error{Code: query.CodeSyntax, Message: "syntax error: unbalanced ( in the query"}
	}
	return nil
}

// denyHidden turns DuckDB's "does not exist" for a table the key may not
// read into permission denied, as PostgreSQL answers for a table the user
// has no privilege on.
func (s *session) denyHidden(err error, stmts []sqltext.Statement) error {
	var qe *query.Error
	if s.key == nil || !errors.As(err, &qe) || qe.Code != query.CodeUndefinedTable {
		return err
	}
	s.e.defsMu.Lock()
	defer s.e.defsMu.Unlock()
	for _, st := range stmts {
		toks := st.Tokens
		for i := 0; i+2 < len(toks); i++ {
			if !isName(toks[i]) || !toks[i+1].Is(".") || !isName(toks[i+2]) {
				continue
			}
			if v, ok := s.e.defs.views[[2]string{toks[i].Name(), toks[i+2].Name()}]; ok && !s.mayRead(v.res) {
				return denied("permission denied for table %s.%s: key %s may not read %s", toks[i].Name(), toks[i+2].Name(), s.user, v.res)
			}
		}
	}
	return err
}

func isName(t sqltext.Token) bool { return t.Kind == sqltext.Word || t.Kind == sqltext.Ident }

// sameStatements checks that text, tarn's rewrite of what admit let
// through, is still as many statements: a rewrite must never make a
// statement (or a comment) that admit did not see. stmts nil: tarn's own.
func sameStatements(stmts []sqltext.Statement, text string) error {
	if stmts == nil {
		return nil
	}
	got, err := sqltext.Split(text)
	if err != nil || len(got) != len(stmts) {
		return denied("permission denied: the statement does not keep its shape when tarn rewrites it for DuckDB")
	}
	return nil
}
