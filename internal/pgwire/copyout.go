package pgwire

import (
	"context"
	"encoding/binary"
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/tarnlake/tarn/internal/query"
)

// binaryCopySignature opens a binary COPY stream.
const binaryCopySignature = "PGCOPY\n\xff\r\n\x00"

// copyOut runs a COPY … TO STDOUT: the query's rows go out as CopyData,
// one message per row as PostgreSQL sends them.
func (c *conn) copyOut(ctx context.Context, cp *copyCmd, offset int, extended bool) bool {
	fail := func(err error) bool {
		var qe *query.Error
		if cp.rewritten && errors.As(err, &qe) {
			e := *qe
			e.Position = 0
			err = &e
		}
		c.fail(ctx, err, offset+cp.offset, extended)
		return false
	}
	res, err := c.sess.Query(ctx, cp.query)
	if err != nil {
		return fail(err)
	}
	if res.Rows == nil {
		return fail(&query.Error{Code: query.CodeFeature, Message: "COPY query must return rows"})
	}
	rows := res.Rows
	defer rows.Close()
	cols := rows.Columns()
	types := colTypes(cols)
	format := int16(0)
	if cp.format == "binary" {
		format = 1
	}
	codes := make([]uint16, len(cols))
	for i := range codes {
		codes[i] = uint16(format)
	}
	c.send(&pgproto3.CopyOutResponse{OverallFormat: byte(format), ColumnFormatCodes: codes})
	var line []byte
	if format == 1 {
		line = append(line, binaryCopySignature...)
		line = binary.BigEndian.AppendUint64(line, 0) // flags, header extension length
	} else if cp.header {
		for i, col := range cols {
			line = cp.field(line, i, col.Name, col.Name)
		}
		line = append(line, '\n')
	}
	n := 0
	for rows.Next() {
		if err := ctx.Err(); err != nil {
			return fail(context.Cause(ctx))
		}
		vals := rows.Values()
		if format == 1 {
			line = binary.BigEndian.AppendUint16(line, uint16(len(cols)))
		}
		for i, t := range types {
			var v any
			if i < len(vals) {
				v = vals[i]
			}
			if line, err = cp.value(line, i, cols[i].Name, t, v); err != nil {
				return fail(err)
			}
		}
		if format == 0 {
			line = append(line, '\n')
		}
		c.send(&pgproto3.CopyData{Data: line})
		line = line[:0]
		if n++; c.werr != nil {
			return false
		}
	}
	if err := rows.Err(); err != nil {
		return fail(err)
	}
	if format == 1 {
		line = binary.BigEndian.AppendUint16(line, math.MaxUint16) // -1: end of data
	}
	if len(line) > 0 {
		c.send(&pgproto3.CopyData{Data: line})
	}
	c.send(&pgproto3.CopyDone{})
	c.send(&pgproto3.CommandComplete{CommandTag: []byte("COPY " + strconv.Itoa(n))})
	return true
}

// value appends one column of a row in the COPY format.
func (cp *copyCmd) value(b []byte, i int, col string, t *colType, v any) ([]byte, error) {
	if cp.format == "binary" {
		if v == nil {
			return binary.BigEndian.AppendUint32(b, math.MaxUint32), nil
		}
		at := len(b)
		b, err := appendBinary(append(b, 0, 0, 0, 0), t, v)
		if err != nil {
			return nil, err
		}
		binary.BigEndian.PutUint32(b[at:], uint32(len(b)-at-4))
		return b, nil
	}
	if v == nil {
		if i > 0 {
			b = append(b, cp.delim...)
		}
		return append(b, cp.null...), nil
	}
	return cp.field(b, i, col, string(appendText(nil, t, v))), nil
}

// field appends a non-null text value with the format's escaping.
func (cp *copyCmd) field(b []byte, i int, col, s string) []byte {
	if i > 0 {
		b = append(b, cp.delim...)
	}
	if cp.format == "text" {
		for j := 0; j < len(s); j++ {
			switch ch := s[j]; ch {
			case '\\':
				b = append(b, `\\`...)
			case '\n':
				b = append(b, `\n`...)
			case '\r':
				b = append(b, `\r`...)
			case '\t':
				b = append(b, `\t`...)
			case '\b':
				b = append(b, `\b`...)
			case '\f':
				b = append(b, `\f`...)
			case '\v':
				b = append(b, `\v`...)
			default:
				if ch == cp.delim[0] {
					b = append(b, '\\')
				}
				b = append(b, ch)
			}
		}
		return b
	}
	// CSV: quote when the value could be misread, and always when it
	// equals the NULL string so that NULL and '' stay apart.
	if !cp.forceAll && !cp.forceQuote[col] && s != cp.null && s != `\.` &&
		!strings.ContainsAny(s, cp.delim+cp.quote+"\r\n") {
		return append(b, s...)
	}
	b = append(b, cp.quote...)
	for j := 0; j < len(s); j++ {
		if s[j] == cp.quote[0] || s[j] == cp.escape[0] {
			b = append(b, cp.escape...)
		}
		b = append(b, s[j])
	}
	return append(b, cp.quote...)
}
