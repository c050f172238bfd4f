package redshift

import (
	"fmt"

	"github.com/tarnlake/tarn/internal/query/sqltext"
)

// Error is a statement Redshift would refuse: what is wrong, and the byte
// offset in the text where it shows, for the wire protocol's position.
type Error struct {
	Pos int
	Msg string
}

// Error is the message alone, as Redshift words it; Pos travels apart.
func (e *Error) Error() string { return e.Msg }

func errAt(pos int, format string, args ...any) *Error {
	return &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

// errTok is an error at token t.
func errTok(t sqltext.Token, format string, args ...any) *Error {
	return errAt(t.Pos, format, args...)
}

// syntaxAt is PostgreSQL's (and so Redshift's) parse error at t.
func syntaxAt(t sqltext.Token) *Error {
	return errTok(t, "syntax error at or near %q", t.Raw)
}
