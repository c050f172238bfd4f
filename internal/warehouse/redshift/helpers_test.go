package redshift

import (
	"strings"
	"testing"
)

const role = "arn:aws:iam::0123456789012:role/MyRedshiftRole"

func ptr[T any](v T) *T { return &v }

// bad is a statement Redshift refuses: the message, and the text that the
// error must point at: its first occurrence, at a ^ in it if it has one
// (for context); "" for the end.
type bad struct {
	stmt, msg, at string
}

// wantPos is where b's error must point.
func (b bad) wantPos() int {
	text := strings.TrimRight(b.stmt, "; ")
	if b.at == "" {
		return len(text)
	}
	before, after, caret := strings.Cut(b.at, "^")
	if !caret {
		return strings.Index(b.stmt, b.at)
	}
	return strings.Index(b.stmt, before+after) + len(before)
}

func checkBad(t *testing.T, cases []bad) {
	t.Helper()
	for _, b := range cases {
		stmt, ok, err := Parse(b.stmt)
		if !ok || stmt != nil {
			t.Errorf("%s\n  ok=%v stmt=%v, want an error", b.stmt, ok, stmt)
			continue
		}
		e, isErr := err.(*Error)
		if !isErr {
			t.Errorf("%s\n  error %v of type %T, want *Error", b.stmt, err, err)
			continue
		}
		if e.Msg != b.msg || e.Error() != b.msg || e.Pos != b.wantPos() {
			t.Errorf("%s\n  got  %q at %d\n  want %q at %d", b.stmt, e.Msg, e.Pos, b.msg, b.wantPos())
		}
	}
}
