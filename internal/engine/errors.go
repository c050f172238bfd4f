package engine

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/tarnlake/tarn/internal/query"
)

// sqlError turns DuckDB's errors into query.Errors with a SQLSTATE and,
// for syntax errors, the position PostgreSQL clients underline.
func sqlError(ctx context.Context, err error, text string) error {
	var qe *query.Error
	if errors.As(err, &qe) {
		return qe
	}
	if ctx.Err() != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &query.Error{Code: query.CodeQueryCanceled, Message: "canceling statement: " + contextReason(ctx)}
	}
	msg := err.Error()
	code := query.CodeInternal
	var de *duckdb.Error
	if errors.As(err, &de) {
		switch de.Type {
		case duckdb.ErrorTypeParser:
			code = query.CodeSyntax
		case duckdb.ErrorTypeCatalog:
			code = query.CodeUndefinedTable
			if strings.Contains(msg, "Function") || strings.Contains(msg, "function") {
				code = query.CodeUndefinedFunc
			}
		case duckdb.ErrorTypeBinder:
			code = query.CodeUndefinedColumn
			if strings.Contains(msg, "function") {
				code = query.CodeUndefinedFunc
			}
		case duckdb.ErrorTypeDivideByZero:
			code = query.CodeDivisionByZero
		case duckdb.ErrorTypeConversion, duckdb.ErrorTypeOutOfRange, duckdb.ErrorTypeInvalidInput:
			code = query.CodeDataException
		case duckdb.ErrorTypeOutOfMemory:
			code = query.CodeOutOfMemory
		case duckdb.ErrorTypeInterrupt:
			code = query.CodeQueryCanceled
		case duckdb.ErrorTypeNotImplemented:
			code = query.CodeFeature
		case duckdb.ErrorTypePermission:
			code = CodeDenied // the sandbox (sandbox.go)
		}
		if strings.Contains(msg, "permission denied: ") { // raised by tarn's table functions
			code = CodeDenied
		}
	}
	return &query.Error{Code: code, Message: firstLine(msg), Position: position(msg, text)}
}

func contextReason(ctx context.Context) string {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return "statement timeout"
	}
	return "canceled by the client"
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return strings.TrimSpace(s[:i])
	}
	return s
}

// DuckDB points at errors with "LINE n: <line>" and a caret under it.
var lineRe = regexp.MustCompile(`LINE (\d+): (.*)\n( *)\^`)

// position finds the caret's character in text (1-based), 0 if none.
func position(msg, text string) int {
	m := lineRe.FindStringSubmatch(msg)
	if m == nil {
		return 0
	}
	prefix := len("LINE ") + len(m[1]) + len(": ")
	col := len(m[3]) - prefix // bytes into the quoted line
	shown := m[2]
	if col < 0 || col > len(shown) {
		return 0
	}
	// DuckDB may show a window of a long line: find it in the statement.
	at := strings.Index(text, shown)
	if at < 0 {
		return 0
	}
	return utf8.RuneCountInString(text[:at+col]) + 1
}
