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
