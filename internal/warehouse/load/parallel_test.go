package load

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tarnlake/tarn/internal/format"
)

// TestChunks reads a CSV of several chunks whose quoted fields run over
// lines (and so over where chunks would be cut): every row once, in file
// order, and each bad row at its physical line.
func TestChunks(t *testing.T) {
	var b strings.Builder
	b.WriteString("id,note\n")
	line, wantBad := 1, map[int64]bool{}
	const rows = 100000
	for i := range rows {
		line++
		switch {
		case i%997 == 0:
			fmt.Fprintf(&b, "%d,\"two\nlines, \"\"quoted\"\"\"\n", i)
			line++
		case i%1999 == 0:
			fmt.Fprintf(&b, "x%d,bad id\n", i)
			wantBad[int64(line)] = true
		default:
			fmt.Fprintf(&b, "%d,note %d %s\n", i, i, strings.Repeat("z", i%40))
		}
	}
	if b.Len() < 3*chunkBytes {
		t.Fatalf("%d bytes: fewer than 3 chunks", b.Len())
	}
	var ids []int32
	n, bad, err := Read(strings.NewReader(b.String()), "f", []Column{intCol("id"), vcCol("note", 100)}, Options{Format: "CSV", IgnoreHeader: 1}, func(r []any) error {
		ids = append(ids, r[0].(int32))
		if id := r[0].(int32); id%997 == 0 && r[1] != "two\nlines, \"quoted\"" {
			t.Fatalf("row %d: note %q", id, r[1])
		}
		return nil
	})
	if err != nil || n != int64(len(ids)) || int(n)+len(bad) != rows {
		t.Fatalf("%d rows, %d bad, %v", n, len(bad), err)
	}
	for i := 1; i < len(ids); i++ {
		if ids[i] <= ids[i-1] {
			t.Fatalf("row %d after %d: out of file order", ids[i], ids[i-1])
		}
	}
	for _, e := range bad {
		if !wantBad[e.LineNumber] || e.ColName != "id" {
			t.Fatalf("error at line %d column %s; want one of the bad lines", e.LineNumber, e.ColName)
		}
	}
}

// A timestamp past what batches carry (int64 microseconds) is a bad value,
// not a wrapped one.
func TestTimestampRange(t *testing.T) {
	cols := []Column{{Name: "ts", Type: format.Type{Kind: format.KindTimestamp}}}
	n, bad, err := Read(strings.NewReader("9223400000000\n1700000000\n"), "f", cols, Options{TimeFormat: "epochsecs"}, func([]any) error { return nil })
	if err != nil || n != 1 || len(bad) != 1 || bad[0].LineNumber != 1 {
		t.Fatalf("%d rows, errors %+v, %v", n, bad, err)
	}
}
