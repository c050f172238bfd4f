package postgres

import (
	"testing"

	"github.com/tarnlake/tarn/internal/catalog/postgres/pgtest"
	"github.com/tarnlake/tarn/internal/warehouse"
	"github.com/tarnlake/tarn/internal/warehouse/warehousetest"
)

func TestConformance(t *testing.T) {
	warehousetest.Run(t, func(t *testing.T) warehouse.Store {
		s, err := Open(Options{DSN: pgtest.Database(t)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// One statement a call, whatever its text hides: a second one is refused,
// not run (in a transaction too).
func TestExecRunsOneStatement(t *testing.T) {
	s, err := Open(Options{DSN: pgtest.Database(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := t.Context()
	if _, err := s.Exec(ctx, "CREATE TABLE public.a (x int)"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Exec(ctx, "INSERT INTO public.a VALUES (1); DROP TABLE public.a"); err == nil {
		t.Fatal("two statements ran")
	}
	err = s.Tx(ctx, func(tx warehouse.Execer) error {
		_, err := tx.Exec(ctx, "INSERT INTO public.a VALUES (2); DROP TABLE public.a")
		return err
	})
	if err == nil {
		t.Fatal("two statements ran in a transaction")
	}
	if n, err := s.Exec(ctx, "INSERT INTO public.a VALUES (3)"); err != nil || n != 1 {
		t.Fatalf("one statement: %d, %v", n, err)
	}
}
