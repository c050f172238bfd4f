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

	"github.com/jackc/pgx/v5"

	"github.com/tarnlake/tarn/internal/query/sqltext"
	"github.com/tarnlake/tarn/internal/warehouse"
)

// Rows reach PostgreSQL as COPY … FROM STDIN in CSV: what PostgreSQL's own
// COPY of a CSV parses, written from the rows' Go values on another core
// while the server parses. (pgx's binary CopyFrom spent most of a load
// encoding NUMERIC through big.Int.)

// copyCSV copies rows into schema.table's columns on tx's connection and
// says how many it copied. An error of the rows' own is returned as it is.
func copyCSV(ctx context.Context, tx pgx.Tx, schema, table string, cols []string, rows iter.Seq2[[]any, error]) (int64, error) {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = sqltext.QuoteIdent(c)
	}
	pr, pw := io.Pipe()
	var failed error
	done := make(chan struct{})
	go func() {
		defer close(done)
		w := bufio.NewWriterSize(pw, 256<<10)
		var line []byte
		n := 0
		for vals, err := range rows {
			if err != nil {
				failed = err
				pw.CloseWithError(err)
				return
			}
			n++
			line = line[:0]
			for i, v := range vals {
				if i > 0 {
					line = append(line, ',')
				}
				if line, err = appendCSV(line, v); err != nil {
					failed = fmt.Errorf("row %d column %s: %w", n, cols[min(i, len(cols)-1)], err)
					pw.CloseWithError(failed)
					return
				}
			}
			line = append(line, '\n')
			if _, err := w.Write(line); err != nil {
				return // the COPY ended: its error says why
			}
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

// appendCSV appends v as a CSV field PostgreSQL reads back as the same
// value: NULL is an empty field, text is quoted when it must be.
func appendCSV(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return b, nil
	case string:
		return appendQuoted(b, x), nil
	case []byte:
		b = append(b, `\x`...) // bytea's hex form; a backslash is plain text in CSV
		for _, c := range x {
			b = append(b, hexDigits[c>>4], hexDigits[c&15])
		}
		return b, nil
	case bool:
		if x {
			return append(b, 't'), nil
		}
		return append(b, 'f'), nil
	case int16:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int32:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case float32:
		return sqltext.AppendFloat(b, float64(x), 32), nil
	case float64:
		return sqltext.AppendFloat(b, x, 64), nil
	case warehouse.Decimal:
		if u, ok := x.Int64(); ok && x.Unscaled == nil {
			return appendDecimal(b, u, x.Scale), nil
		}
		return append(b, x.String()...), nil
	case time.Time:
		return appendTime(b, x.UTC()), nil
	}
	return nil, fmt.Errorf("a %T cannot be loaded", v)
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
