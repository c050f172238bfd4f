// Package pgtest gives tests a PostgreSQL schema of their own.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

// Schema returns the DSN of the test database and a
// schema of this run's own, dropped when the test ends; PostgreSQL keeps
// state across runs and may be shared by parallel ones. Without a server
// the test skips, except in CI.
func Schema(t *testing.T) (dsn, schema string) {
	dsn = os.Getenv("TARN_TEST_PG_DSN")
	if dsn == "" {
		dsn = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	ctx := context.Background()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL is required in CI at %s: %v", dsn, err)
		}
		t.Skipf("no PostgreSQL at %s (%v): start PostgreSQL: pg_ctlcluster 15 main start", dsn, err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema = "tarn_catalog_test_" + hex.EncodeToString(b)
	t.Cleanup(func() {
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return dsn, schema
}
