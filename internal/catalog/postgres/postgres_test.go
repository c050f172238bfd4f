package postgres

import (
	"context"
	"sync"
	"testing"

	"github.com/tarnlake/tarn/internal/catalog"
	"github.com/tarnlake/tarn/internal/catalog/catalogtest"
	"github.com/tarnlake/tarn/internal/catalog/postgres/pgtest"
)

func TestSuite(t *testing.T) {
	dsn, schema := pgtest.Schema(t)
	s, err := OpenSchema(context.Background(), dsn, schema)
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
	dsn, schema := pgtest.Schema(t)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			s, err := OpenSchema(context.Background(), dsn, schema)
			if err != nil {
				t.Errorf("concurrent open: %v", err)
				return
			}
			s.Close()
		})
	}
	wg.Wait()
	catalogtest.Run(t, func(t *testing.T) catalog.Store {
		s, err := OpenSchema(context.Background(), dsn, schema)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}
