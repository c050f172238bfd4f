package postgres

import (
	"math"
	"testing"
	"time"

	"github.com/tarnlake/tarn/internal/warehouse"
)

func TestAppendCSV(t *testing.T) {
	for _, c := range []struct {
		v    any
		want string
	}{
		{nil, ``},
		{"", `""`},
		{`\.`, `"\."`},
		{`a"b`, `"a""b"`},
		{"plain", `plain`},
		{warehouse.Decimal{Small: -5, Scale: 2}, `-0.05`},
		{warehouse.Decimal{Small: 12345, Scale: 2}, `123.45`},
		{warehouse.Decimal{Small: math.MinInt64, Scale: 3}, `-9223372036854775.808`},
		{warehouse.Decimal{Small: 7, Scale: 0}, `7`},
		{time.Date(-43, 3, 15, 12, 0, 0, 0, time.UTC), `0044-03-15 12:00:00+00 BC`},
		{time.Date(2026, 12, 7, 1, 2, 3, 4000, time.UTC), `2026-12-07 01:02:03.000004+00`},
		{time.Date(12026, 1, 1, 0, 0, 0, 0, time.UTC), `12026-01-01 00:00:00+00`},
		{[]byte{0xab, 0}, `\xab00`},
		{math.Inf(-1), `-Infinity`},
		{float32(0.1), `0.1`},
	} {
		got, err := appendCSV(nil, c.v)
		if err != nil || string(got) != c.want {
			t.Errorf("%#v: %q %v, want %q", c.v, got, err, c.want)
		}
	}
	if _, err := appendCSV(nil, struct{}{}); err == nil {
		t.Error("a struct was written")
	}
}
