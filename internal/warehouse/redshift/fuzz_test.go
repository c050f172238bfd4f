package redshift

import (
	"reflect"
	"testing"
)

// FuzzParse: any text is ours or not, never both, never a panic, and an
// error is an *Error pointing inside the text.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		from + "csv quote as '%' ignoreheader 1 gzip",
		unload + "format as parquet partition by (a, b) include maxfilesize 100 mb",
		"create external schema s from data catalog database 'db' iam_role default create external database if not exists",
		"COPY t FROM STDIN",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		stmt, ok, err := Parse(text)
		switch {
		case !ok:
			if stmt != nil || err != nil {
				t.Fatalf("not ours, yet stmt=%v err=%v", stmt, err)
			}
		case err != nil:
			e, isErr := err.(*Error)
			if !isErr || stmt != nil || e.Pos < 0 || e.Pos > len(text) || e.Msg == "" {
				t.Fatalf("error %#v (%T) with stmt %v", err, err, stmt)
			}
		case stmt == nil || reflect.ValueOf(stmt).IsNil():
			t.Fatal("ours, yet no statement and no error")
		}
	})
}
