package postgres

import (
	"math"
	"testing"
	"time"

	"github.com/tarnlake/tarn/internal/format"
	"github.com/tarnlake/tarn/internal/warehouse"
)

func TestAppendCSV(t *testing.T) {
	text := warehouse.Column{Name: "c", Type: format.Type{Kind: format.KindString}}
	dec := func(p, s int) warehouse.Column {
		return warehouse.Column{Name: "c", Type: format.Type{Kind: format.KindDecimal, Precision: p, Scale: s}}
	}
	ts := warehouse.Column{Name: "c", Type: format.Type{Kind: format.KindTimestamp}, TZ: true}
	for _, c := range []struct {
		col  warehouse.Column
		v    any
		want string
	}{
		{text, nil, ``},
		{text, "", `""`},
		{text, `\.`, `"\."`},
		{text, `a"b`, `"a""b"`},
		{text, "plain", `plain`},
		{dec(5, 2), warehouse.Decimal{Small: -5, Scale: 2}, `-0.05`},
		{dec(5, 2), warehouse.Decimal{Small: 12345, Scale: 2}, `123.45`},
		{dec(19, 3), warehouse.Decimal{Small: math.MinInt64, Scale: 3}, `-9223372036854775.808`},
		{dec(18, 0), warehouse.Decimal{Small: 7, Scale: 0}, `7`},
		{ts, time.Date(-43, 3, 15, 12, 0, 0, 0, time.UTC), `0044-03-15 12:00:00+00 BC`},
		{ts, time.Date(2026, 12, 7, 1, 2, 3, 4000, time.UTC), `2026-12-07 01:02:03.000004+00`},
		{ts, time.Date(12026, 1, 1, 0, 0, 0, 0, time.UTC), `12026-01-01 00:00:00+00`},
		{warehouse.Column{Name: "c", Type: format.Type{Kind: format.KindDate}}, time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC), `1969-12-31 00:00:00+00`},
		{warehouse.Column{Name: "c", Type: format.Type{Kind: format.KindBinary}}, []byte{0xab, 0}, `\xab00`},
		{warehouse.Column{Name: "c", Type: format.Type{Kind: format.KindDouble}}, math.Inf(-1), `-Infinity`},
		{warehouse.Column{Name: "c", Type: format.Type{Kind: format.KindFloat}}, float32(0.1), `0.1`},
	} {
		b := warehouse.NewBatcher([]warehouse.Column{c.col})
		if err := b.Append([]any{c.v}); err != nil {
			t.Fatalf("%#v: %v", c.v, err)
		}
		rec := b.Batch()
		if got := appendCSV(nil, rec.Column(0), 0); string(got) != c.want {
			t.Errorf("%#v: %q, want %q", c.v, got, c.want)
		}
	}
}
