package redshift

import (
	"errors"
	"strings"

	"github.com/tarnlake/tarn/internal/query/sqltext"
)

// Parse recognizes a Redshift COPY (from S3), UNLOAD or CREATE EXTERNAL
// SCHEMA statement, optionally ended by a semicolon; stmt is then a *Copy,
// *Unload or *ExternalSchema, or err an *Error. For any other statement,
// PostgreSQL's COPY … FROM STDIN / TO STDOUT / files among them, ok is
// false and err nil: those are tarn's PostgreSQL side's.
func Parse(text string) (stmt any, ok bool, err error) {
	toks, lexErr := sqltext.LexDialect(text, sqltext.PostgreSQL)
	k := classify(toks)
	if k == other {
		return nil, false, nil
	}
	if lexErr != nil {
		var e *sqltext.Error
		if errors.As(lexErr, &e) {
			return nil, true, &Error{Pos: e.Pos, Msg: e.Msg}
		}
		return nil, true, &Error{Pos: 0, Msg: lexErr.Error()}
	}
	if n := len(toks); toks[n-1].Is(";") {
		toks = toks[:n-1]
	}
	p := &parser{toks: toks, end: toks[len(toks)-1].End()}
	switch k {
	case copyStmt:
		c, err := parseCopy(p)
		if err != nil {
			return nil, true, err
		}
		return c, true, nil
	case unloadStmt:
		u, err := parseUnload(p)
		if err != nil {
			return nil, true, err
		}
		return u, true, nil
	default:
		s, err := parseExternalSchema(p)
		if err != nil {
			return nil, true, err
		}
		return s, true, nil
	}
}

type kind int

const (
	other kind = iota
	copyStmt
	unloadStmt
	schemaStmt
)

func classify(toks []sqltext.Token) kind {
	switch {
	case len(toks) == 0:
		return other
	case toks[0].Is("UNLOAD") && !(len(toks) > 2 && toks[1].Is("(") && toks[2].Kind != sqltext.String):
		// Athena's UNLOAD (SELECT …) TO … is not Redshift's.
		return unloadStmt
	case toks[0].Is("COPY") && redshiftCopy(toks):
		return copyStmt
	case len(toks) >= 3 && toks[0].Is("CREATE") && toks[1].Is("EXTERNAL") && toks[2].Is("SCHEMA"):
		return schemaStmt
	}
	return other
}

// authWords open Redshift's authorization options, which PostgreSQL's
// COPY has none of.
var authWords = map[string]bool{
	"IAM_ROLE": true, "CREDENTIALS": true, "ACCESS_KEY_ID": true, "SECRET_ACCESS_KEY": true, "SESSION_TOKEN": true,
}

// redshiftCopy tells Redshift's COPY from PostgreSQL's: it loads FROM a
// location named by URL ('s3://…', or another scheme it is then refused
// for), or from a plain path only when Redshift's authorization follows.
// COPY (query), COPY … TO, and FROM STDIN or PROGRAM are PostgreSQL's.
func redshiftCopy(toks []sqltext.Token) bool {
	if len(toks) < 2 || toks[1].Is("(") {
		return false
	}
	for i := 1; i < len(toks); i++ {
		switch t := toks[i]; {
		case t.Is("("):
			if i = sqltext.Closing(toks, i); i < 0 {
				return false
			}
		case t.Is("TO"):
			return false
		case t.Is("FROM"):
			if i+1 == len(toks) || toks[i+1].Kind != sqltext.String {
				return false
			}
			if strings.Contains(toks[i+1].Text, "://") {
				return true
			}
			for _, u := range toks[i+2:] {
				if u.Kind == sqltext.Word && authWords[u.Text] {
					return true
				}
			}
			return false
		}
	}
	return false
}
