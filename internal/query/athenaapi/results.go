package athenaapi

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strconv"
	"strings"

	"github.com/tarnlake/tarn/internal/lake"
	"github.com/tarnlake/tarn/internal/query"
)

// writeResults writes what a statement produced where Athena does: DML as
// <id>.csv with <id>.csv.metadata beside it, DDL and UTILITY statements as
// <id>.txt. It records the columns, row count and bytes in e.
func (a *API) writeResults(ctx context.Context, e *execution, res query.Result) error {
	bucket, prefix, _ := splitS3(e.Output)
	var cols []query.Column
	if res.Rows != nil {
		cols = res.Rows.Columns()
	}
	e.Columns = columnInfos(cols)
	e.UpdateCount = updateCount(e.Query, res.Tag)
	write := func(w *bufio.Writer) error {
		if res.Rows == nil {
			return nil
		}
		return writeRows(w, res.Rows, cols, e.StatementType == typeDML, &e.Rows)
	}
	ctype := "text/csv"
	if e.StatementType != typeDML {
		ctype = "text/plain"
	}
	n, err := a.putStream(ctx, bucket, prefix+e.resultKey(), ctype, write)
	if err != nil {
		return err
	}
	e.Bytes = n
	if e.StatementType != typeDML {
		return nil
	}
	// Athena writes protobuf to .metadata; tarn writes the same column
	// information as JSON, which no Athena client reads but people can.
	meta, _ := json.Marshal(struct {
		ColumnInfo  []columnInfo
		RowCount    int64
		UpdateCount int64 `json:",omitempty"`
	}{e.Columns, e.Rows, e.UpdateCount})
	_, err = a.putStream(ctx, bucket, prefix+e.resultKey()+".metadata", "application/json", func(w *bufio.Writer) error {
		_, err := w.Write(meta)
		return err
	})
	return err
}

// putStream stores what write writes without holding it in memory: the
// object appears only if write and the store both succeed.
func (a *API) putStream(ctx context.Context, bucket, key, ctype string, write func(*bufio.Writer) error) (int64, error) {
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		_, err := a.objects.Put(ctx, bucket, key, pr, lake.PutOptions{Size: -1, ContentType: ctype})
		pr.CloseWithError(err) // a store that stops early unblocks the writer
		done <- err
	}()
	cw := &countWriter{w: pw}
	bw := bufio.NewWriterSize(cw, 64<<10)
	err := write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		pw.CloseWithError(err)
	} else {
		pw.Close()
	}
	if perr := <-done; perr != nil && (err == nil || err == io.ErrClosedPipe || err == perr) {
		return 0, &writeError{perr}
	}
	return cw.n, err
}

// writeError marks a failure to store results, not to run the query.
type writeError struct{ err error }

func (e *writeError) Error() string { return e.err.Error() }
func (e *writeError) Unwrap() error { return e.err }

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}

// writeRows writes CSV as Athena does (a header, every value quoted, NULL
// as nothing) or, for text, tab-separated lines with Hive's escapes and \N
// for NULL, without a header.
func writeRows(w *bufio.Writer, rows query.Rows, cols []query.Column, csv bool, count *int64) error {
	if csv && len(cols) > 0 {
		for i, c := range cols {
			if i > 0 {
				w.WriteByte(',')
			}
			writeQuoted(w, []byte(c.Name))
		}
		w.WriteByte('\n')
	}
	sep := byte(',')
	if !csv {
		sep = '\t'
	}
	var buf []byte // reused for every value: results may be millions of rows
	for rows.Next() {
		for i, v := range rows.Values() {
			if i > 0 {
				w.WriteByte(sep)
			}
			var t *query.Type
			if i < len(cols) {
				t = &cols[i].Type
			}
			switch {
			case v == nil && csv:
			case v == nil:
				w.WriteString(`\N`)
			case csv:
				buf = appendValue(buf[:0], v, t)
				writeQuoted(w, buf)
			default:
				w.WriteString(hiveEscaper.Replace(string(appendValue(buf[:0], v, t))))
			}
		}
		if err := w.WriteByte('\n'); err != nil {
			return err
		}
		*count++
	}
	return rows.Err()
}

var hiveEscaper = strings.NewReplacer(`\`, `\\`, "\t", `\t`, "\n", `\n`, "\r", `\r`)
var hiveUnescaper = strings.NewReplacer(`\\`, `\`, `\t`, "\t", `\n`, "\n", `\r`, "\r")

// writeQuoted writes a CSV value in quotes, doubling the quotes inside.
func writeQuoted(w *bufio.Writer, s []byte) {
	w.WriteByte('"')
	for {
		i := bytes.IndexByte(s, '"')
		if i < 0 {
			break
		}
		w.Write(s[:i+1])
		w.WriteByte('"')
		s = s[i+1:]
	}
	w.Write(s)
	w.WriteByte('"')
}

// updateCount is the rows a data-changing statement affected, from the
// count its tag ends with ("INSERT 0 5"); 0 for queries.
func updateCount(sql, tag string) int64 {
	if w := leading(sql); len(w) == 0 || !strings.Contains(" INSERT UPDATE DELETE MERGE CREATE UNLOAD ", " "+w[0].Text+" ") {
		return 0
	}
	f := strings.Fields(tag)
	if len(f) == 0 {
		return 0
	}
	n, _ := strconv.ParseInt(f[len(f)-1], 10, 64)
	return n
}

// splitS3 splits s3://bucket/prefix into the bucket and the prefix.
func splitS3(loc string) (bucket, prefix string, ok bool) {
	rest, ok := strings.CutPrefix(loc, "s3://")
	if !ok {
		return "", "", false
	}
	bucket, prefix, _ = strings.Cut(rest, "/")
	return bucket, prefix, bucket != ""
}
