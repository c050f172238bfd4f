package pgwire

import (
	"context"
	"strconv"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/tarnlake/tarn/internal/query"
	"github.com/tarnlake/tarn/internal/query/sqltext"
)

// simpleQuery answers a Query message: its statements run in turn and
// the first error ends the batch.
func (c *conn) simpleQuery(sql string) {
	c.dropUnnamed()
	stmts := splitStatements(sql)
	if len(stmts) == 0 {
		c.send(&pgproto3.EmptyQueryResponse{})
	}
	for _, st := range stmts {
		if !c.runSimple(st) || c.werr != nil {
			break
		}
	}
	c.ready()
}

func (c *conn) runSimple(st stmt) bool {
	ctx, cancel := context.WithCancelCause(c.ctx)
	defer cancel(nil)
	defer c.running(cancel)()
	if c.tx == 'E' && !isSavepointRollback(st.sql) {
		return c.endFailedTx(ctx, firstWord(st.sql), false)
	}
	cp, err := parseCopy(st.sql)
	if err != nil {
		c.fail(ctx, err, st.offset, false)
		return false
	}
	if cp != nil {
		return c.copyOut(ctx, cp, st.offset, false)
	}
	res, err := c.sess.Query(ctx, st.sql)
	if err != nil {
		c.fail(ctx, err, st.offset, false)
		return false
	}
	n, hasRows := 0, false
	if res.Rows != nil {
		cols := res.Rows.Columns()
		types := colTypes(cols)
		if hasRows = len(cols) > 0; hasRows {
			c.send(describeRows(cols, types, nil))
			n, _, err = c.sendRows(ctx, res.Rows, types, nil, 0)
		}
		if cerr := res.Rows.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			c.fail(ctx, err, st.offset, false)
			return false
		}
	}
	c.complete(st.sql, res.Tag, hasRows, n)
	return true
}

// sendRows sends up to max rows (0: all) as DataRows in the given
// formats; done reports that the rows ran out.
func (c *conn) sendRows(ctx context.Context, rows query.Rows, types []*colType, formats []int16, max int) (n int, done bool, err error) {
	buf := make([]byte, 0, 512)
	ends := make([]int, len(types)) // -1 marks NULL
	vals := make([][]byte, len(types))
	for max == 0 || n < max {
		if err := ctx.Err(); err != nil {
			return n, false, context.Cause(ctx)
		}
		if !rows.Next() {
			return n, true, rows.Err()
		}
		row := rows.Values()
		buf = buf[:0]
		for i, t := range types {
			ends[i] = -1
			if i >= len(row) || row[i] == nil {
				continue
			}
			if formatAt(formats, i) == 1 {
				if buf, err = appendBinary(buf, t, row[i]); err != nil {
					return n, false, err
				}
			} else {
				buf = appendText(buf, t, row[i])
			}
			ends[i] = len(buf)
		}
		start := 0
		for i := range vals {
			vals[i] = nil
			if ends[i] >= 0 {
				vals[i] = buf[start:ends[i]:ends[i]]
				start = ends[i]
			}
		}
		c.send(&pgproto3.DataRow{Values: vals})
		n++
		if c.werr != nil {
			return n, false, c.werr
		}
	}
	return n, false, nil
}

// complete sends CommandComplete and follows transaction control.
func (c *conn) complete(sql, tag string, hasRows bool, n int) {
	word := firstWord(sql)
	switch {
	case tag == "SELECT" || tag == "" && hasRows:
		tag = "SELECT " + strconv.Itoa(n)
	case tag == "":
		tag = word
	}
	c.send(&pgproto3.CommandComplete{CommandTag: []byte(tag)})
	switch word {
	case "BEGIN", "START":
		c.tx = 'T'
	case "COMMIT", "END", "ROLLBACK", "ABORT":
		switch {
		case isSavepointRollback(sql):
			if c.tx == 'E' {
				c.tx = 'T'
			}
		case secondWord(sql) != "PREPARED": // two-phase commit acts outside blocks
			c.tx = 'I'
		}
	}
}

// fail reports a statement's error. In the extended protocol the
// messages up to Sync are then skipped.
func (c *conn) fail(ctx context.Context, err error, offset int, extended bool) {
	c.send(errorResponse(ctx, err, offset))
	if c.tx == 'T' {
		c.tx = 'E'
	}
	if extended {
		c.skip = true
	}
}

// endFailedTx runs a statement in a failed transaction block, where the
// block can only be ended: COMMIT too rolls back, as in PostgreSQL.
func (c *conn) endFailedTx(ctx context.Context, word string, extended bool) bool {
	switch word {
	case "ROLLBACK", "ABORT", "COMMIT", "END":
		res, err := c.sess.Query(ctx, "ROLLBACK")
		if err == nil && res.Rows != nil {
			err = res.Rows.Close()
		}
		if err != nil { // the engine may have ended the block itself
			c.srv.log.Debug("pgwire: rollback of failed transaction", "err", err)
		}
		c.tx = 'I'
		c.send(&pgproto3.CommandComplete{CommandTag: []byte("ROLLBACK")})
		return true
	}
	c.fail(ctx, errAborted, 0, extended)
	return false
}

var errAborted = &query.Error{Code: "25P02", Message: "current transaction is aborted, commands ignored until end of transaction block"}

// isSavepointRollback tells ROLLBACK TO [SAVEPOINT] x from ending the block.
func isSavepointRollback(sql string) bool {
	toks := words(sql)
	if len(toks) < 2 || !toks[0].Is("ROLLBACK") {
		return false
	}
	for _, t := range toks[1:] {
		if t.Is("TO") {
			return true
		} else if !t.Is("WORK") && !t.Is("TRANSACTION") {
			return false
		}
	}
	return false
}

func secondWord(sql string) string {
	if toks := words(sql); len(toks) > 1 && toks[1].Kind == sqltext.Word {
		return toks[1].Text
	}
	return ""
}
