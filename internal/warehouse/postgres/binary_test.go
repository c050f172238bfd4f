package postgres

import (
	"fmt"
	"math"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/tarnlake/tarn/internal/format"
	"github.com/tarnlake/tarn/internal/warehouse"
)

// The binary COPY loads every type's values as PostgreSQL spells them,
// at their edges (numeric's base-10000 groups, dates and timestamps
// around 1970 and 2000 and BC, NULLs, text that CSV would quote).
func TestCopyBinary(t *testing.T) {
	ctx := t.Context()
	conn := connect(t)
	const def = `(b boolean, s smallint, i integer, l bigint, r real, d double precision, n38 numeric(38,10), n5 numeric(5,2),
		n18 numeric(18,0), n12 numeric(12,4), dt date, ts timestamp, tz timestamptz, by bytea, tx text, ch char(3), vc varchar(5))`
	if _, err := conn.Exec(ctx, "CREATE TABLE public.loaded "+def); err != nil {
		t.Fatal(err)
	}
	var cols []warehouse.Column
	for _, spec := range []string{"b boolean", "s smallint", "i integer", "l bigint", "r real", "d double precision", "n38 numeric(38,10)",
		"n5 numeric(5,2)", "n18 numeric(18,0)", "n12 numeric(12,4)", "dt date", "ts timestamp", "tz timestamptz", "by bytea", "tx text",
		"ch char(3)", "vc varchar(5)"} {
		var name, typ string
		fmt.Sscanf(spec, "%s", &name)
		typ = spec[len(name)+1:]
		c, err := warehouse.ParseType(typ)
		if err != nil {
			t.Fatal(err)
		}
		c.Name = name
		cols = append(cols, c)
	}
	big38, _ := new(big.Int).SetString("1234567890123456789012345678"+"0123456789", 10)
	dec := func(v int64, scale int) warehouse.Decimal { return warehouse.Decimal{Small: v, Scale: scale} }
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	rows := [][]any{
		{true, int16(math.MinInt16), int32(math.MinInt32), int64(math.MinInt64), float32(0.1), math.NaN(),
			warehouse.Decimal{Unscaled: big38, Scale: 10}, dec(-5, 2), dec(7, 0), dec(10001, 4),
			day(1969, 12, 31), time.Date(1999, 12, 31, 23, 59, 59, 999999000, time.UTC), time.Date(2026, 12, 7, 1, 2, 3, 4000, time.UTC),
			[]byte{0xab, 0}, "", "ab", "a\"b,c"},
		{false, int16(math.MaxInt16), int32(math.MaxInt32), int64(math.MaxInt64), float32(math.Inf(-1)), 1e308,
			warehouse.Decimal{Unscaled: new(big.Int).Neg(big38), Scale: 10}, dec(12345, 2), dec(-10000, 0), dec(100000000, 4),
			day(2000, 1, 1), time.Date(-43, 3, 15, 12, 0, 0, 0, time.UTC), time.Date(1900, 1, 1, 0, 0, 0, 1000, time.UTC),
			[]byte{}, "line\nbreak \\. ünï", "abc", `\.`},
		{nil, nil, nil, nil, nil, nil, dec(0, 10), dec(0, 2), dec(0, 0), dec(-1, 4),
			day(-4713+1, 11, 24), nil, nil, nil, nil, nil, nil},
		{true, int16(0), int32(0), int64(0), float32(0), math.Copysign(0, -1), dec(-1, 10), dec(99999, 2), dec(999999999999999999, 0), dec(99999999, 4),
			day(9999, 12, 31), time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(1999, 12, 31, 23, 59, 59, 0, time.UTC),
			[]byte("\\x"), "x", "", ""},
	}
	for _, v := range []int64{1, 9999, 10000, 12345678, -999, 100, 5} { // group edges of numeric(12,4)
		rows = append(rows, []any{nil, nil, nil, nil, nil, nil, nil, nil, nil, dec(v, 4), nil, nil, nil, nil, nil, nil, nil})
	}
	batches := func(yield func(arrow.RecordBatch, error) bool) {
		b := warehouse.NewBatcher(cols)
		for _, r := range rows {
			if err := b.Append(r); err != nil {
				t.Fatalf("%v: %v", r, err)
			}
		}
		yield(b.Batch(), nil)
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := copyRows(ctx, tx, "public", "loaded", cols, batches); err != nil || n != int64(len(rows)) {
		t.Fatalf("%d rows, %v", n, err)
	}
	var got string
	if _, err := tx.Exec(ctx, "SET LOCAL TIME ZONE 'UTC'"); err != nil {
		t.Fatal(err)
	}
	if err := tx.QueryRow(ctx, `SELECT string_agg(concat_ws('|', n38, n5, n18, n12, dt, ts, tz, ch, b, s, i, l, r, d, encode(by, 'hex'), tx, vc), ';' ORDER BY n12) FROM public.loaded`).Scan(&got); err != nil {
		t.Fatal(err)
	}
	const want = "-0.0999;" +
		"0.0000000000|0.00|0|-0.0001|4713-11-24 BC;" +
		"0.0001;" +
		"0.0005;" +
		"0.0100;" +
		"0.9999;" +
		"1.0000;" +
		"1234567890123456789012345678.0123456789|-0.05|7|1.0001|1969-12-31|1999-12-31 23:59:59.999999|2026-12-07 01:02:03.000004+00|ab |t|-32768|-2147483648|-9223372036854775808|0.1|NaN|ab00||a\"b,c;" +
		"1234.5678;" +
		"-0.0000000001|999.99|999999999999999999|9999.9999|9999-12-31|2000-01-01 00:00:00|1999-12-31 23:59:59+00|   |t|0|0|0|0|-0|5c78|x|;" +
		"-1234567890123456789012345678.0123456789|123.45|-10000|10000.0000|2000-01-01|0044-03-15 12:00:00 BC|1900-01-01 00:00:00.000001+00|abc|f|32767|2147483647|9223372036854775807|-Infinity|1e+308||line\nbreak \\. ünï|\\."
	if got != want {
		t.Fatalf("loaded\n%s\nwant\n%s", got, want)
	}
	tx.Rollback(ctx)
}

// A date or timestamp past PostgreSQL's range is refused, not loaded as
// its infinity.
func TestCopyBinaryRange(t *testing.T) {
	ctx := t.Context()
	conn := connect(t)
	if _, err := conn.Exec(ctx, "CREATE TABLE public.edges (d date, ts timestamp)"); err != nil {
		t.Fatal(err)
	}
	cols := []warehouse.Column{{Name: "d", Type: format.Type{Kind: format.KindDate}}, {Name: "ts", Type: format.Type{Kind: format.KindTimestamp}}}
	for _, c := range []struct {
		days   arrow.Date32
		micros arrow.Timestamp
	}{
		{math.MinInt32 + pgEpochDays, 0},     // -infinity, were it sent as computed
		{math.MinInt32 + pgEpochDays - 1, 0}, // +infinity, after wrapping
		{0, math.MinInt64 + pgEpochMicros},   // -infinity
		{0, math.MinInt64},                   // wraps
	} {
		db := array.NewDate32Builder(memory.DefaultAllocator)
		db.Append(c.days)
		tb := array.NewTimestampBuilder(memory.DefaultAllocator, &arrow.TimestampType{Unit: arrow.Microsecond})
		tb.Append(c.micros)
		rec := array.NewRecordBatch(warehouse.Schema(cols), []arrow.Array{db.NewArray(), tb.NewArray()}, 1)
		tx, err := conn.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		_, err = copyRows(ctx, tx, "public", "edges", cols, func(yield func(arrow.RecordBatch, error) bool) { yield(rec, nil) })
		tx.Rollback(ctx)
		if err == nil || !strings.Contains(err.Error(), "out of range") {
			t.Errorf("%d days, %d µs: %v", c.days, c.micros, err)
		}
	}
}
