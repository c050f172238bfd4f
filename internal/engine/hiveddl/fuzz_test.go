package hiveddl

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/tarnlake/tarn/internal/catalog/embedded"
	"github.com/tarnlake/tarn/internal/lake/localfs"
	"github.com/tarnlake/tarn/internal/query"
)

// FuzzExec runs arbitrary text against a catalog and lake that start
// empty: no panic, no hang, and every error a *query.Error pointing inside
// the statement.
func FuzzExec(f *testing.F) {
	for _, s := range []string{
		"CREATE EXTERNAL TABLE t (a int) LOCATION 's3://b/p/'",
		"CREATE DATABASE IF NOT EXISTS `default`",
		"MSCK REPAIR TABLE t",
		"ALTER TABLE t ADD PARTITION (k='v') LOCATION 's3://b/p/k=v/'",
		"SHOW TABLES 'a*|b'",
		"DESCRIBE `t`",
		"SELECT 1",
	} {
		f.Add(s)
	}
	dir := f.TempDir()
	cat, err := embedded.Open(filepath.Join(dir, "catalog.db"))
	if err != nil {
		f.Fatal(err)
	}
	defer cat.Close()
	lk, err := localfs.Open(filepath.Join(dir, "lake"))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, stmt string) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, handled, err := Exec(ctx, cat, lk, "", stmt)
		if err == nil {
			return
		}
		var qe *query.Error
		switch {
		case !handled:
			t.Fatalf("%q: not handled yet an error: %v", stmt, err)
		case !errors.As(err, &qe) || len(qe.Code) != 5 || qe.Message == "":
			t.Fatalf("%q: error %#v", stmt, err)
		case qe.Position < 0 || qe.Position > utf8.RuneCountInString(stmt)+1:
			t.Fatalf("%q: position %d outside the statement", stmt, qe.Position)
		}
	})
}
