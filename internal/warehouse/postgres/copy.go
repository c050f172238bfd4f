package postgres

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"iter"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/jackc/pgx/v5"

	"github.com/tarnlake/tarn/internal/query/sqltext"
	"github.com/tarnlake/tarn/internal/warehouse"
)

// Rows reach PostgreSQL as COPY … FROM STDIN in its binary format
// (binary.go), written from the batches' columns on another core while
// the server reads them: the form it reads with the least work (a
// quarter faster than its own COPY of a CSV). pgx's CopyFrom, binary too, spent
// most of a load encoding NUMERIC through big.Int.

// copyRows copies batches into schema.table's columns on tx's connection
// and says how many rows it copied. An error of the batches' own is
// returned as it is.
func copyRows(ctx context.Context, tx pgx.Tx, schema, table string, cols []warehouse.Column, batches iter.Seq2[arrow.RecordBatch, error]) (int64, error) {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = sqltext.QuoteIdent(c.Name)
	}
	pr, pw := io.Pipe()
	var failed error
	done := make(chan struct{})
	go func() {
		defer close(done)
		w := bufio.NewWriterSize(pw, 256<<10)
		var line []byte
		w.WriteString(binaryHeader) // an error shows at the next write
		for rec, err := range batches {
			if err == nil {
				if err = warehouse.CheckSchema(rec.Schema(), cols); err != nil {
					rec.Release()
				}
			}
			if err != nil {
				failed = err
				pw.CloseWithError(err)
				return
			}
			for r := range int(rec.NumRows()) {
				line = appendBinaryRow(line[:0], rec, r)
				if _, err := w.Write(line); err != nil {
					rec.Release()
					return // the COPY ended: its error says why
				}
			}
			rec.Release()
		}
		w.WriteString(binaryTrailer)
		pw.CloseWithError(w.Flush())
	}()
	tag, err := tx.Conn().PgConn().CopyFrom(ctx, pr, fmt.Sprintf("COPY %s.%s (%s) FROM STDIN WITH (FORMAT binary)",
		sqltext.QuoteIdent(schema), sqltext.QuoteIdent(table), strings.Join(names, ", ")))
	pr.CloseWithError(io.ErrClosedPipe) // the producer stops at its next write
	<-done
	if failed != nil {
		return 0, failed
	}
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}
