package engine

import (
	"regexp"
	"strings"

	"github.com/tarnlake/tarn/internal/query"
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

var (
	pgSet = regexp.MustCompile(`(?is)^\s*SET\s+(?:SESSION\s+|LOCAL\s+)?([a-z_]+)\s*(?:=|\s+TO\s+)\s*(.*?)\s*;?\s*$`)
	// SET TRANSACTION … and SET SESSION CHARACTERISTICS …: tarn's
	// statements are read-only snapshots whatever the level asked.
	pgSetTx = regexp.MustCompile(`(?is)^\s*SET\s+(?:SESSION\s+CHARACTERISTICS\s+AS\s+)?TRANSACTION\b`)
	pgShow  = regexp.MustCompile(`(?is)^\s*SHOW\s+([a-z_]+(?:\s+isolation\s+level)?)\s*;?\s*$`)
)

// pgSetting answers SET and SHOW of pgSettings; ok is false for any other
// statement.
func (s *session) pgSetting(text string) (query.Result, bool) {
	if pgSetTx.MatchString(text) {
		return query.Result{Rows: emptyRows{}, Tag: "SET"}, true
	}
	if m := pgSet.FindStringSubmatch(text); m != nil {
		name := strings.ToLower(m[1])
		if _, ok := pgSettings[name]; !ok {
			return query.Result{}, false
		}
		if s.settings == nil {
			s.settings = map[string]string{}
		}
		s.settings[name] = strings.Trim(m[2], `'"`)
		return query.Result{Rows: emptyRows{}, Tag: "SET"}, true
	}
	if m := pgShow.FindStringSubmatch(text); m != nil {
		name := strings.ToLower(strings.Join(strings.Fields(m[1]), " "))
		col := name
		if name == "transaction isolation level" {
			name, col = "transaction_isolation", "transaction_isolation"
		}
		v, ok := s.settings[name]
		if !ok {
			if v, ok = pgSettings[name]; !ok {
				return query.Result{}, false
			}
		}
		return query.Result{Rows: &valueRows{cols: []query.Column{{Name: col, Type: "VARCHAR"}}, rows: [][]any{{v}}}, Tag: "SHOW"}, true
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

// pgCurrentUser finds current_user and its kin outside quotes: DuckDB
// answers "duckdb", clients want the name they logged in with.
var pgCurrentUser = regexp.MustCompile(`(?i)(^|[^.\w'"])(current_user|session_user|current_role)\b(\s*\(\s*\))?`)

// withUser puts the session's user (its access key id) for current_user.
func (s *session) withUser(text string) string {
	if s.user == "" || !pgCurrentUser.MatchString(text) {
		return text
	}
	return pgCurrentUser.ReplaceAllString(text, "${1}'"+quoteString(s.user)+"'")
}
