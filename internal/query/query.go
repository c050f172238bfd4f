// Package query is the SQL seam between the front ends (the PostgreSQL wire
// protocol, the Athena API, HTTP SQL, tarn sql) and the engine that runs
// statements over every catalog table. Front ends see only these types.
package query

import (
	"context"
	"fmt"
	"strings"
)

// Column describes a result column: its name and its engine type, which
// front ends render as their protocols name types.
type Column struct {
	Name string
	Type Type
}

// Rows is a result read row by row. Values are Go values: nil, bool,
// int8…int64, uint8…uint64, *big.Int (HUGEINT), float32, float64, string,
// []byte, time.Time (DATE, TIMESTAMP, TIME as a time on 0001-01-01),
// Decimal, Interval, []any (lists), map[string]any (structs), Map (maps),
// UUID ([16]byte).
type Rows interface {
	Columns() []Column
	Next() bool
	// Values returns the current row; the slice is reused by Next.
	Values() []any
	Err() error
	Close() error
}

// Result is what a statement produced: rows (possibly none, for DDL) and a
// tag naming the command, as PostgreSQL's CommandComplete does ("SELECT",
// "CREATE TABLE", "INSERT").
type Result struct {
	Rows Rows
	Tag  string
}

// Session runs statements for one client; settings (SET, search path)
// last for the session. Sessions are not safe for concurrent use.
type Session interface {
	// Query runs one statement. args bind $1, $2… placeholders.
	Query(ctx context.Context, sql string, args ...any) (Result, error)
	// Describe returns a statement's parameter count and result columns
	// without running it (for the extended protocol's Describe).
	Describe(ctx context.Context, sql string) (params int, cols []Column, err error)
	Close() error
}

// Engine opens sessions for authenticated users (access key ids).
type Engine interface {
	Session(ctx context.Context, user string) (Session, error)
}

// Decimal is a DECIMAL value: Value × 10^-Scale.
type Decimal struct {
	Value string // the unscaled integer in decimal digits, with sign
	Scale int
}

// Interval is an INTERVAL value.
type Interval struct {
	Months, Days int32
	Micros       int64
}

// Map is a MAP value, keys in order.
type Map struct {
	Keys, Values []any
}

// Error is a statement's failure as clients see it: a SQLSTATE code, a
// message and, for syntax errors, the 1-based character position in the
// statement (0 when unknown).
type Error struct {
	Code     string
	Message  string
	Position int
}

func (e *Error) Error() string {
	if e.Position > 0 {
		return fmt.Sprintf("%s (SQLSTATE %s, at character %d)", e.Message, e.Code, e.Position)
	}
	return fmt.Sprintf("%s (SQLSTATE %s)", e.Message, e.Code)
}

// SQLSTATE codes the engine answers with.
const (
	CodeSyntax          = "42601"
	CodeUndefinedTable  = "42P01"
	CodeUndefinedColumn = "42703"
	CodeUndefinedFunc   = "42883"
	CodeDataException   = "22000"
	CodeDivisionByZero  = "22012"
	CodeOutOfMemory     = "53200"
	CodeQueryCanceled   = "57014"
	CodeInternal        = "XX000"
	CodeFeature         = "0A000"
	CodeInvalidAuth     = "28P01"
	CodeTooManyConns    = "53300"
	CodeReadOnly        = "25006"
)

// String places the decimal point: 12345 at scale 2 is "123.45"; a
// negative zero prints as "0.00".
func (d Decimal) String() string {
	digits := strings.TrimLeft(d.Value, "+-")
	if digits == "" {
		digits = "0"
	}
	sign := ""
	if strings.HasPrefix(d.Value, "-") && strings.Trim(digits, "0") != "" {
		sign = "-"
	}
	if d.Scale <= 0 {
		return sign + digits + strings.Repeat("0", -d.Scale)
	}
	if len(digits) <= d.Scale {
		digits = strings.Repeat("0", d.Scale-len(digits)+1) + digits
	}
	i := len(digits) - d.Scale
	return sign + digits[:i] + "." + digits[i:]
}
