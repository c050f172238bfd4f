package postgres

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"iter"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/jackc/pgx/v5"

	"github.com/tarnlake/tarn/internal/query/sqltext"
	"github.com/tarnlake/tarn/internal/warehouse"
)

// Rows reach PostgreSQL as COPY … FROM STDIN in CSV: what PostgreSQL's own
// COPY of a CSV parses, written from the rows' Go values on another core
// while the server parses. (pgx's binary CopyFrom spent most of a load
// encoding NUMERIC through big.Int.)

// copyCSV copies batches into schema.table's columns on tx's connection
// and says how many rows it copied. An error of the batches' own is
// returned as it is.
func copyCSV(ctx context.Context, tx pgx.Tx, schema, table string, cols []warehouse.Column, batches iter.Seq2[arrow.RecordBatch, error]) (int64, error) {
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
		n := 0
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
				n++
				line = line[:0]
				for i, a := range rec.Columns() {
					if i > 0 {
						line = append(line, ',')
					}
					line = appendCSV(line, a, r)
				}
				line = append(line, '\n')
				if _, err := w.Write(line); err != nil {
					rec.Release()
					return // the COPY ended: its error says why
				}
			}
			rec.Release()
		}
		pw.CloseWithError(w.Flush())
	}()
	tag, err := tx.Conn().PgConn().CopyFrom(ctx, pr, fmt.Sprintf("COPY %s.%s (%s) FROM STDIN WITH (FORMAT csv)",
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

// appendCSV appends row r of column a as a CSV field PostgreSQL reads
// back as the same value: NULL is an empty field, text is quoted when it
// must be. The columns are of the types warehouse.ArrowType gives.
func appendCSV(b []byte, a arrow.Array, r int) []byte {
	if a.IsNull(r) {
		return b
	}
	switch x := a.(type) {
	case *array.String:
		return appendQuoted(b, x.Value(r))
	case *array.Binary:
		b = append(b, `\x`...) // bytea's hex form; a backslash is plain text in CSV
		for _, c := range x.Value(r) {
			b = append(b, hexDigits[c>>4], hexDigits[c&15])
		}
		return b
	case *array.Boolean:
		if x.Value(r) {
			return append(b, 't')
		}
		return append(b, 'f')
	case *array.Int16:
		return strconv.AppendInt(b, int64(x.Value(r)), 10)
	case *array.Int32:
		return strconv.AppendInt(b, int64(x.Value(r)), 10)
	case *array.Int64:
		return strconv.AppendInt(b, x.Value(r), 10)
	case *array.Float32:
		return sqltext.AppendFloat(b, float64(x.Value(r)), 32)
	case *array.Float64:
		return sqltext.AppendFloat(b, x.Value(r), 64)
	case *array.Decimal128:
		n, scale := x.Value(r), int(x.DataType().(*arrow.Decimal128Type).Scale)
		if small, ok := warehouse.DecimalInt64(n); ok {
			return appendDecimal(b, small, scale)
		}
		return append(b, warehouse.FormatDecimal(n.BigInt(), scale)...)
	case *array.Date32:
		return appendTime(b, time.Unix(int64(x.Value(r))*86400, 0).UTC())
	case *array.Timestamp:
		return appendTime(b, time.UnixMicro(int64(x.Value(r))).UTC())
	}
	return appendQuoted(b, fmt.Sprint(warehouse.Value(a, r)))
}

const hexDigits = "0123456789abcdef"

// appendQuoted quotes s unless it is plain: an empty string must be
// quoted to differ from NULL, and "\." alone would end the data.
func appendQuoted(b []byte, s string) []byte {
	if s != "" && !strings.ContainsAny(s, ",\"\r\n\\") {
		return append(b, s...)
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}

// appendDecimal spells unscaled × 10^-scale.
func appendDecimal(b []byte, u int64, scale int) []byte {
	if scale <= 0 {
		return strconv.AppendInt(b, u, 10)
	}
	var digits [24]byte
	neg := u < 0
	d := strconv.AppendUint(digits[:0], absU(u), 10)
	if neg {
		b = append(b, '-')
	}
	if len(d) <= scale {
		b = append(b, '0', '.')
		for range scale - len(d) {
			b = append(b, '0')
		}
		return append(b, d...)
	}
	b = append(b, d[:len(d)-scale]...)
	b = append(b, '.')
	return append(b, d[len(d)-scale:]...)
}

func absU(u int64) uint64 {
	if u < 0 {
		return uint64(-(u + 1)) + 1
	}
	return uint64(u)
}

// appendTime spells an instant in UTC with its zone, which a timestamp
// column ignores, a timestamptz column needs and a date column cuts;
// years before 1 are BC, as PostgreSQL counts them.
func appendTime(b []byte, t time.Time) []byte {
	y := t.Year()
	if y > 0 && y < 10000 {
		return append(t.AppendFormat(b, "2006-01-02 15:04:05.999999"), "+00"...)
	}
	if y <= 0 {
		y = 1 - y // year 0 is 1 BC
	}
	b = fmt.Appendf(b, "%04d", y)
	b = append(t.AppendFormat(b, "-01-02 15:04:05.999999"), "+00"...)
	if t.Year() <= 0 {
		b = append(b, " BC"...)
	}
	return b
}
