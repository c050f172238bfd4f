package httpsql

import (
	"bytes"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
)

// readArrow reads a whole Arrow stream.
func readArrow(b []byte) (*arrow.Schema, []arrow.RecordBatch, error) {
	r, err := ipc.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, nil, err
	}
	defer r.Release()
	var recs []arrow.RecordBatch
	for r.Next() {
		rec := r.RecordBatch()
		rec.Retain()
		recs = append(recs, rec)
	}
	return r.Schema(), recs, r.Err()
}

// decodeArrow is an Arrow answer as the format-blind tests see it.
func decodeArrow(b []byte) (decoded, error) {
	schema, recs, err := readArrow(b)
	if err != nil {
		return decoded{}, err
	}
	var d decoded
	for _, f := range schema.Fields() {
		d.names = append(d.names, f.Name)
	}
	for _, rec := range recs {
		d.batches = append(d.batches, int(rec.NumRows()))
		for i := range int(rec.NumRows()) {
			row := make([]string, rec.NumCols())
			for j, col := range rec.Columns() {
				row[j] = null
				if !col.IsNull(i) {
					row[j] = col.ValueStr(i)
				}
			}
			d.rows = append(d.rows, row)
		}
		rec.Release()
	}
	return d, nil
}

func TestArrowTypes(t *testing.T) {
	srv := serve(t, openEngine(t))
	a := post(t, srv, "arrow", typesSQL())
	if a.status != 200 || a.readErr != nil {
		t.Fatalf("answer %d (%v): %s", a.status, a.readErr, a.body)
	}
	if a.contentType != "application/vnd.apache.arrow.stream" {
		t.Errorf("Content-Type %q", a.contentType)
	}
	schema, recs, err := readArrow(a.body)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].NumRows() != 2 || int(recs[0].NumCols()) != len(typeCases) {
		t.Fatalf("%d batches, want 1 of 2 rows × %d columns", len(recs), len(typeCases))
	}
	for i, c := range typeCases {
		t.Run(c.name, func(t *testing.T) {
			f, col := schema.Field(i), recs[0].Column(i)
			if f.Name != c.name || !f.Nullable || f.Type.String() != c.arrowType {
				t.Errorf("field %s %s nullable=%t, want %s %s nullable", f.Name, f.Type, f.Nullable, c.name, c.arrowType)
			}
			if col.IsNull(0) || col.ValueStr(0) != c.arrowValue {
				t.Errorf("value %q (null=%t), want %q", col.ValueStr(0), col.IsNull(0), c.arrowValue)
			}
			if !col.IsNull(1) {
				t.Errorf("NULL came back as %q", col.ValueStr(1))
			}
		})
	}
}
