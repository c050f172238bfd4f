package engine

import (
	"strings"

	"github.com/tarnlake/tarn/internal/query"
	"github.com/tarnlake/tarn/internal/query/sqltext"
)

// pgSettings are PostgreSQL's session settings that DuckDB has not got and
// that drivers set or show on connect (pgjdbc sets extra_float_digits,
// SQLAlchemy shows standard_conforming_strings and the isolation level).
// A SET of one is kept in the session; SHOW answers it. DuckDB's own
// configuration is locked (sandbox.go) but for search_path; TimeZone is
// kept here, and values are rendered in UTC.
var pgSettings = map[string]string{
	"application_name":                    "",
	"bytea_output":                        "hex",
	"client_encoding":                     "UTF8",
	"client_min_messages":                 "notice",
	"datestyle":                           "ISO, MDY",
	"default_transaction_isolation":       "read committed",
	"default_transaction_read_only":       "off",
	"extra_float_digits":                  "1",
	"idle_in_transaction_session_timeout": "0",
	"integer_datetimes":                   "on",
	"intervalstyle":                       "postgres",
	"jit":                                 "off",
	"lc_collate":                          "C.UTF-8",
	"lc_ctype":                            "C.UTF-8",
	"lock_timeout":                        "0",
	"max_identifier_length":               "63",
	"max_index_keys":                      "32",
	"server_encoding":                     "UTF8",
	"server_version":                      "15.0",
	"server_version_num":                  "150000",
	"standard_conforming_strings":         "on",
	"statement_timeout":                   "0",
	"timezone":                            "UTC",
	"transaction_isolation":               "read committed",
	"transaction_read_only":               "off",
}

// pgSetting answers SET and SHOW of pgSettings, and SET TRANSACTION …
// and SET SESSION CHARACTERISTICS … (tarn's statements are read-only
// snapshots whatever the level asked); ok is false for any other
// statement.
func (s *session) pgSetting(st sqltext.Statement) (query.Result, bool) {
	toks := st.Tokens
	if len(toks) > 0 && toks[len(toks)-1].Is(";") {
		toks = toks[:len(toks)-1]
	}
	if len(toks) < 2 {
		return query.Result{}, false
	}
	switch {
	case toks[0].Is("SET"):
		i := 1
		if toks[i].Is("SESSION") || toks[i].Is("LOCAL") {
			i++
		}
		if i < len(toks) && (toks[i].Is("TRANSACTION") || toks[i].Is("CHARACTERISTICS")) {
			return query.Result{Rows: emptyRows{}, Tag: "SET"}, true
		}
		if i+2 >= len(toks) || toks[i].Kind != sqltext.Word || !toks[i+1].Is("=") && !toks[i+1].Is("TO") {
			return query.Result{}, false
		}
		name := toks[i].Name()
		if _, ok := pgSettings[name]; !ok {
			return query.Result{}, false
		}
		if s.settings == nil {
			s.settings = map[string]string{}
		}
		s.settings[name] = st.Text[toks[i+2].Pos-st.Pos : toks[len(toks)-1].End()-st.Pos]
		if v := toks[i+2]; i+3 == len(toks) && (v.Kind == sqltext.String || v.Kind == sqltext.Ident) {
			s.settings[name] = v.Text
		}
		return query.Result{Rows: emptyRows{}, Tag: "SET"}, true
	case toks[0].Is("SHOW"):
		name := toks[1].Name()
		col := name
		switch {
		case len(toks) == 4 && toks[1].Is("TRANSACTION") && toks[2].Is("ISOLATION") && toks[3].Is("LEVEL"):
			name, col = "transaction_isolation", "transaction_isolation"
		case len(toks) != 2 || toks[1].Kind != sqltext.Word:
			return query.Result{}, false
		}
		v, ok := s.settings[name]
		if !ok {
			if v, ok = pgSettings[name]; !ok {
				return query.Result{}, false
			}
		}
		return query.Result{Rows: &valueRows{cols: []query.Column{{Name: col, Type: query.Type{Kind: query.KindVarchar}}}, rows: [][]any{{v}}}, Tag: "SHOW"}, true
	}
	return query.Result{}, false
}

// valueRows is a result made in Go.
type valueRows struct {
	cols []query.Column
	rows [][]any
	at   int
}

func (r *valueRows) Columns() []query.Column { return r.cols }
func (r *valueRows) Next() bool {
	if r.at >= len(r.rows) {
		return false
	}
	r.at++
	return true
}
func (r *valueRows) Values() []any { return r.rows[r.at-1] }
func (r *valueRows) Err() error    { return nil }
func (r *valueRows) Close() error  { return nil }

// pgCurrentUser are the words DuckDB answers "duckdb" for; clients want
// the name they logged in with.
var pgCurrentUser = map[string]bool{"CURRENT_USER": true, "SESSION_USER": true, "CURRENT_ROLE": true}

// withUser puts the session's user (its access key id) for current_user
// and its kin, outside quotes and not as a qualified name's part.
func (s *session) withUser(text string) string {
	if s.user == "" || !strings.Contains(strings.ToLower(text), "_user") && !strings.Contains(strings.ToLower(text), "current_role") {
		return text
	}
	toks, err := sqltext.Lex(text)
	if err != nil {
		return text
	}
	var edits []textEdit
	for i, t := range toks {
		if t.Kind != sqltext.Word || !pgCurrentUser[t.Text] || i > 0 && toks[i-1].Is(".") {
			continue
		}
		end := t.End()
		if i+2 < len(toks) && toks[i+1].Is("(") && toks[i+2].Is(")") {
			end = toks[i+2].End()
		}
		edits = append(edits, textEdit{t.Pos, end, "'" + quoteString(s.user) + "'"})
	}
	return applyEdits(text, edits)
}
