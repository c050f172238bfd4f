package httpsql

import (
	"encoding/csv"
	"encoding/json"
	"net/http"

	"github.com/tarnlake/tarn/internal/query"
)

// encoders write a result as each format; they return the rows written.
var encoders = map[string]func(http.ResponseWriter, query.Result) (int, error){
	"": writeJSON, "json": writeJSON, "ndjson": writeNDJSON, "csv": writeCSV,
	"arrow": writeArrow, "parquet": writeParquet,
}

// flushEvery rows, the answer is pushed to the client.
const flushEvery = 1000

func flush(w http.ResponseWriter) {
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
}

// writeJSON streams {"columns": [...], "rows": [[...], ...], "tag": ...}
// and, if the query fails midway, an "error" member at the end.
func writeJSON(w http.ResponseWriter, res query.Result) (int, error) {
	w.Header().Set("Content-Type", "application/json")
	cols, _ := json.Marshal(columns(res.Rows.Columns()))
	w.Write([]byte(`{"columns":`))
	w.Write(cols)
	w.Write([]byte(`,"rows":[`))
	n := 0
	for res.Rows.Next() {
		if n > 0 {
			w.Write([]byte{','})
		}
		w.Write(rowJSON(res.Rows.Values()))
		if n++; n%flushEvery == 0 {
			flush(w)
		}
	}
	w.Write([]byte(`]`))
	err := res.Rows.Err()
	if qe := asQueryError(err); qe != nil {
		b, _ := json.Marshal(errorJSON(qe))
		w.Write([]byte(`,"error":`))
		w.Write(b)
	} else {
		b, _ := json.Marshal(res.Tag)
		w.Write([]byte(`,"tag":`))
		w.Write(b)
	}
	w.Write([]byte("}\n"))
	return n, err
}

// writeNDJSON streams one JSON object per row, keyed by column name; a
// failure midway ends the stream with {"error": ...}.
func writeNDJSON(w http.ResponseWriter, res query.Result) (int, error) {
	w.Header().Set("Content-Type", "application/x-ndjson")
	// The keys are encoded once, and the values in the columns' order.
	var keys [][]byte
	for i, c := range res.Rows.Columns() {
		k, _ := json.Marshal(c.Name)
		if i == 0 {
			k = append([]byte{'{'}, k...)
		} else {
			k = append([]byte{','}, k...)
		}
		keys = append(keys, append(k, ':'))
	}
	var line []byte
	n := 0
	for res.Rows.Next() {
		line = line[:0]
		for i, v := range res.Rows.Values() {
			line = appendValueJSON(append(line, keys[i]...), v)
		}
		if len(keys) == 0 {
			line = append(line, '{')
		}
		w.Write(append(line, '}', '\n'))
		if n++; n%flushEvery == 0 {
			flush(w)
		}
	}
	err := res.Rows.Err()
	if qe := asQueryError(err); qe != nil {
		json.NewEncoder(w).Encode(map[string]any{"error": errorJSON(qe)})
	}
	return n, err
}

// writeCSV streams a header row and the rows; a failure midway ends the
// stream without its last line break, and the X-Tarn-Error trailer says why.
func writeCSV(w http.ResponseWriter, res query.Result) (int, error) {
	w.Header().Set("Content-Type", "text/csv")
	w.Header().Set("Trailer", "X-Tarn-Error")
	cw := csv.NewWriter(w)
	cols := res.Rows.Columns()
	rec := make([]string, len(cols))
	for i, c := range cols {
		rec[i] = c.Name
	}
	cw.Write(rec)
	n := 0
	for res.Rows.Next() {
		for i, v := range res.Rows.Values() {
			rec[i] = textValue(v)
		}
		cw.Write(rec)
		if n++; n%flushEvery == 0 {
			cw.Flush()
			flush(w)
		}
	}
	cw.Flush()
	err := res.Rows.Err()
	if qe := asQueryError(err); qe != nil {
		w.Header().Set("X-Tarn-Error", qe.Code+" "+qe.Message)
	}
	return n, err
}

func columns(cs []query.Column) []map[string]string {
	out := make([]map[string]string, len(cs))
	for i, c := range cs {
		out[i] = map[string]string{"name": c.Name, "type": c.Type.String()}
	}
	return out
}

func rowJSON(vals []any) []byte {
	b := []byte{'['}
	for i, v := range vals {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendValueJSON(b, v)
	}
	return append(b, ']')
}

// appendValueJSON appends v as JSON; NaN and Inf, which are not JSON, go
// as strings.
func appendValueJSON(b []byte, v any) []byte {
	j, err := json.Marshal(jsonValue(v))
	if err != nil {
		j, _ = json.Marshal(textValue(v))
	}
	return append(b, j...)
}

func asQueryError(err error) *query.Error {
	if err == nil {
		return nil
	}
	if qe, ok := err.(*query.Error); ok {
		return qe
	}
	return &query.Error{Code: query.CodeInternal, Message: err.Error()}
}
