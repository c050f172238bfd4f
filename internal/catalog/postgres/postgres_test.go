package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tarnlake/tarn/internal/catalog"
	"github.com/tarnlake/tarn/internal/catalog/catalogtest"
)

// testSchema returns the DSN of the test database and a
// schema of this run's own, dropped when the test ends; PostgreSQL keeps
// state across runs and may be shared by parallel ones. Without a server
// the test skips, except in CI.
func testSchema(t *testing.T) (dsn, schema string) {
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

func TestSuite(t *testing.T) {
	dsn, schema := testSchema(t)
	s, err := open(context.Background(), dsn, schema)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	catalogtest.Run(t, func(t *testing.T) catalog.Store { return s })
}

// TestProcesses opens several stores on one fresh schema at once, as tarn
// processes starting together do, then runs the suite with a new store
// per subtest on the shared schema.
func TestProcesses(t *testing.T) {
	dsn, schema := testSchema(t)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			s, err := open(context.Background(), dsn, schema)
			if err != nil {
				t.Errorf("concurrent open: %v", err)
				return
			}
			s.Close()
		})
	}
	wg.Wait()
	catalogtest.Run(t, func(t *testing.T) catalog.Store {
		s, err := open(context.Background(), dsn, schema)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}
