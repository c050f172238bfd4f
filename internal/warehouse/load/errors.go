package load

import (
	"fmt"
	"unicode/utf8"
)

// LoadError is one rejected row, with STL_LOAD_ERRORS' columns.
type LoadError struct {
	Filename      string
	LineNumber    int64 // the record's first line; a JSON document's last
	ColName       string
	Type          string // Redshift's type name: int4, varchar, numeric...
	ColLength     string // "256" for VARCHAR(256), "10,2" for DECIMAL(10,2)
	Position      int    // in the field for a bad value, in the line for a bad line
	RawLine       string
	RawFieldValue string
	ErrCode       int
	ErrReason     string
}

// The error codes of Redshift's load error reference that Read reports.
const (
	CodeExtraColumns    = 1202 // more fields than columns
	CodeOutOfRange      = 1204 // too long a string, too large a decimal or float
	CodeBadDate         = 1205
	CodeBadTimestamp    = 1206
	CodeInvalidDigit    = 1207 // a character outside 0-9 in a number
	CodeBadFloat        = 1208
	CodeBadDecimal      = 1209
	CodeBadBoolean      = 1210
	CodeNoDelimiter     = 1214 // fewer fields than columns, or bad quoting
	CodeBadLine         = 1216 // a line or JSON document that cannot be read
	CodeNulTerminator   = 1218 // NULL AS '\0' and a longer field holding NUL
	CodeBadUTF8         = 1220
	CodeIntegerOverflow = 1222
)

// The widths of STL_LOAD_ERRORS' character columns.
const (
	maxFilename = 256
	maxColName  = 127
	maxRaw      = 1024
	maxReason   = 100
)

// convErr is a failed conversion or split; code 0 is success.
type convErr struct {
	code   int
	reason string
	pos    int
}

func fail(code int, pos int, format string, a ...any) convErr {
	return convErr{code: code, reason: fmt.Sprintf(format, a...), pos: pos}
}

// sanitize fits raw text into a CHAR column as STL_LOAD_ERRORS does: each
// multibyte (or invalid) character becomes a period, and the result is cut
// to n bytes.
func sanitize(b []byte, n int) string {
	out := make([]byte, 0, min(len(b), n))
	for i := 0; i < len(b) && len(out) < n; {
		if c := b[i]; c < utf8.RuneSelf {
			out = append(out, c)
			i++
			continue
		}
		_, size := utf8.DecodeRune(b[i:])
		out = append(out, '.')
		i += size
	}
	return string(out)
}

func cut(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
