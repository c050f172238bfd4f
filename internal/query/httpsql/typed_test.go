package httpsql

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// The tests here run for each typed format (Arrow, Parquet) alike.

func TestTypedShapes(t *testing.T) {
	srv := serve(t, openEngine(t))
	for _, c := range []struct {
		name, sql string
		names     map[string][]string // by format
		rows      int
	}{
		{"no rows", "SELECT i::BIGINT AS i, 'x' AS s FROM range(0) t(i)",
			map[string][]string{"arrow": {"i", "s"}, "parquet": {"i", "s"}}, 0},
		{"no columns", "CREATE OR REPLACE TEMP TABLE t (i INTEGER)", map[string][]string{}, 0},
		{"repeated names", "SELECT 1 AS a, 2 AS a, 3 AS a_2",
			map[string][]string{"arrow": {"a", "a", "a_2"}, "parquet": {"a", "a_2", "a_2_2"}}, 1},
	} {
		for format, decode := range decoders {
			t.Run(c.name+"/"+format, func(t *testing.T) {
				a := post(t, srv, format, c.sql)
				if a.status != 200 || a.readErr != nil {
					t.Fatalf("answer %d (%v): %s", a.status, a.readErr, a.body)
				}
				d, err := decode(a.body)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(d.names, c.names[format]) || len(d.rows) != c.rows {
					t.Errorf("columns %q and %d rows, want %q and %d", d.names, len(d.rows), c.names[format], c.rows)
				}
			})
		}
	}
}

// Results over one batch (record batch, row group) come in several, each
// within its bounds: rows, and bytes when rows are wide.
func TestTypedBatches(t *testing.T) {
	srv := serve(t, openEngine(t))
	maxRows := map[string]int{"arrow": arrowBatchRows, "parquet": parquetGroupRows}
	for _, c := range []struct {
		name    string
		rows    int
		pad     int // bytes of each row's text
		batches map[string]int
	}{
		{"narrow", 300_000, 0, map[string]int{"arrow": 5, "parquet": 3}},
		// 80 MB: over Arrow's and Parquet's byte bounds (16 MiB, 64 MiB).
		{"wide", 20_000, 4000, map[string]int{"arrow": 5, "parquet": 2}},
	} {
		sql := fmt.Sprintf("SELECT i, repeat('x', %d) || i AS s FROM range(%d) t(i) ORDER BY i", c.pad, c.rows)
		for format, decode := range decoders {
			t.Run(c.name+"/"+format, func(t *testing.T) {
				a := post(t, srv, format, sql)
				if a.status != 200 || a.readErr != nil {
					t.Fatalf("answer %d (%v): %.200s", a.status, a.readErr, a.body)
				}
				d, err := decode(a.body)
				if err != nil {
					t.Fatal(err)
				}
				if len(d.batches) != c.batches[format] || slices.Max(d.batches) > maxRows[format] {
					t.Errorf("batches of %v rows, want %d of at most %d", d.batches, c.batches[format], maxRows[format])
				}
				if len(d.rows) != c.rows {
					t.Fatalf("%d rows, want %d", len(d.rows), c.rows)
				}
				pad := strings.Repeat("x", c.pad)
				for i, r := range d.rows {
					if want := []string{fmt.Sprint(i), pad + fmt.Sprint(i)}; !slices.Equal(r, want) {
						t.Fatalf("row %d: %.40q, want %.40q", i, r, want)
					}
				}
			})
		}
	}
}

// A statement failing midway must not leave the client with what reads
// as a whole file; one failing before the first batch went out answers
// the JSON error.
func TestTypedFailures(t *testing.T) {
	eng := openEngine(t)
	const sql = "SELECT i, 'row ' || i AS s FROM range(300000) t(i)"
	for format, decode := range decoders {
		t.Run("midway/"+format, func(t *testing.T) {
			a := post(t, serve(t, failingEngine{eng, 200_000}), format, sql)
			if a.status != 200 || len(a.body) == 0 {
				t.Fatalf("answer %d of %d bytes: the first batches should have gone out", a.status, len(a.body))
			}
			if a.readErr == nil {
				t.Error("the body ended cleanly")
			}
			if d, err := decode(a.body); err == nil {
				t.Errorf("what came reads as a whole answer of %d rows", len(d.rows))
			}
		})
		t.Run("first batch/"+format, func(t *testing.T) {
			a := post(t, serve(t, failingEngine{eng, 10}), format, sql)
			wantJSONError(t, a, 400, "22012")
		})
		t.Run("bad statement/"+format, func(t *testing.T) {
			a := post(t, serve(t, eng), format, "SELEC 1")
			wantJSONError(t, a, 400, "42601")
		})
	}
	t.Run("unknown format", func(t *testing.T) {
		a := post(t, serve(t, eng), "xml", "SELECT 1")
		wantJSONError(t, a, 400, "22023")
		if !strings.Contains(string(a.body), "arrow or parquet") {
			t.Errorf("the error does not name the formats: %s", a.body)
		}
	})
}

func wantJSONError(t *testing.T, a answer, status int, code string) {
	t.Helper()
	var e struct {
		Error struct{ Code, Message string }
	}
	if err := json.Unmarshal(a.body, &e); err != nil || a.status != status || a.contentType != "application/json" || a.readErr != nil {
		t.Fatalf("answer %d %s (%v): %.200q, want %d and a JSON error", a.status, a.contentType, a.readErr, a.body, status)
	}
	if e.Error.Code != code {
		t.Errorf("error %s %q, want %s", e.Error.Code, e.Error.Message, code)
	}
}
