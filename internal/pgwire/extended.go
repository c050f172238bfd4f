package pgwire

import (
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/tarnlake/tarn/internal/query"
)

// prepared is a statement made by Parse.
type prepared struct {
	sql    string
	offset int // of sql in the Parse message's string, for error positions
	empty  bool
	copy   *copyCmd
	params []uint32 // 0: unspecified, the parameter arrives as a string
	cols   []query.Column
	types  []*colType
}

// portal is a bound statement. Its query runs at the first Execute and
// its rows stay open while Execute row limits suspend it.
type portal struct {
	st      *prepared
	args    []any
	formats []int16
	ctx     context.Context
	cancel  context.CancelCauseFunc
	rows    query.Rows
	types   []*colType
	tag     string
	hadRows bool
	started bool
	done    bool
}

// txControl names the statements that are not described by the engine.
var txControl = map[string]bool{"BEGIN": true, "START": true, "COMMIT": true, "END": true,
	"ROLLBACK": true, "ABORT": true, "SAVEPOINT": true, "RELEASE": true}

func protoErr(code, format string, args ...any) error {
	return &query.Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

func (c *conn) parse(m *pgproto3.Parse) {
	if _, ok := c.stmts[m.Name]; ok && m.Name != "" {
		c.fail(context.Background(), protoErr("42P05", "prepared statement %q already exists", m.Name), 0, true)
		return
	}
	st := &prepared{params: slices.Clone(m.ParameterOIDs)}
	parts := splitStatements(m.Query)
	switch len(parts) {
	case 0:
		st.empty = true
	case 1:
		st.sql, st.offset = parts[0].sql, parts[0].offset
	default:
		c.fail(context.Background(), protoErr(query.CodeSyntax, "cannot insert multiple commands into a prepared statement"), 0, true)
		return
	}
	word := firstWord(st.sql)
	cp, err := parseCopy(st.sql)
	if err != nil {
		c.fail(context.Background(), err, st.offset, true)
		return
	}
	if st.copy = cp; cp == nil && !st.empty && !txControl[word] {
		if c.tx == 'E' {
			c.fail(context.Background(), errAborted, 0, true)
			return
		}
		ctx, cancel := context.WithCancelCause(c.ctx)
		defer cancel(nil)
		defer c.running(cancel)()
		n, cols, err := c.sess.Describe(ctx, st.sql)
		if err != nil {
			c.fail(ctx, err, st.offset, true)
			return
		}
		st.cols, st.types = cols, colTypes(cols)
		if n > len(st.params) {
			st.params = append(st.params, make([]uint32, n-len(st.params))...)
		}
	}
	c.stmts[m.Name] = st
	c.send(&pgproto3.ParseComplete{})
}

func (c *conn) bind(m *pgproto3.Bind) {
	st := c.stmts[m.PreparedStatement]
	if st == nil {
		c.fail(context.Background(), protoErr("26000", "prepared statement %q does not exist", m.PreparedStatement), 0, true)
		return
	}
	if len(m.Parameters) != len(st.params) {
		c.fail(context.Background(), protoErr("08P01", "bind message supplies %d parameters, but prepared statement %q requires %d",
			len(m.Parameters), m.PreparedStatement, len(st.params)), 0, true)
		return
	}
	if n := len(m.ParameterFormatCodes); n > 1 && n != len(m.Parameters) {
		c.fail(context.Background(), protoErr("08P01", "bind message has %d parameter formats but %d parameters", n, len(m.Parameters)), 0, true)
		return
	}
	if n := len(m.ResultFormatCodes); n > 1 && n != len(st.cols) {
		c.fail(context.Background(), protoErr("08P01", "bind message has %d result formats but query has %d columns", n, len(st.cols)), 0, true)
		return
	}
	for _, f := range append(slices.Clone(m.ParameterFormatCodes), m.ResultFormatCodes...) {
		if f != 0 && f != 1 {
			c.fail(context.Background(), protoErr("22023", "unsupported format code: %d", f), 0, true)
			return
		}
	}
	args := make([]any, len(m.Parameters))
	for i, p := range m.Parameters {
		if p == nil {
			continue
		}
		v, err := decodeParam(st.params[i], formatAt(m.ParameterFormatCodes, i), p)
		if err != nil {
			c.fail(context.Background(), fmt.Errorf("bind parameter $%d: %w", i+1, err), 0, true)
			return
		}
		args[i] = v
	}
	if old := c.portals[m.DestinationPortal]; old != nil {
		if m.DestinationPortal != "" {
			c.fail(context.Background(), protoErr("42P03", "portal %q already exists", m.DestinationPortal), 0, true)
			return
		}
		c.closePortal("")
	}
	ctx, cancel := context.WithCancelCause(c.ctx)
	c.portals[m.DestinationPortal] = &portal{st: st, args: args, formats: slices.Clone(m.ResultFormatCodes),
		ctx: ctx, cancel: cancel, types: st.types}
	c.send(&pgproto3.BindComplete{})
}

func (c *conn) describe(m *pgproto3.Describe) {
	switch m.ObjectType {
	case 'S':
		st := c.stmts[m.Name]
		if st == nil {
			c.fail(context.Background(), protoErr("26000", "prepared statement %q does not exist", m.Name), 0, true)
			return
		}
		c.send(&pgproto3.ParameterDescription{ParameterOIDs: st.params})
		c.describeResult(st.cols, st.types, nil)
	case 'P':
		p := c.portals[m.Name]
		if p == nil {
			c.fail(context.Background(), protoErr("34000", "portal %q does not exist", m.Name), 0, true)
			return
		}
		c.describeResult(p.st.cols, p.st.types, p.formats)
	default:
		c.fail(context.Background(), protoErr("08P01", "invalid DESCRIBE message subtype %d", m.ObjectType), 0, true)
	}
}

func (c *conn) describeResult(cols []query.Column, types []*colType, formats []int16) {
	if len(cols) == 0 {
		c.send(&pgproto3.NoData{})
		return
	}
	c.send(describeRows(cols, types, formats))
}

func (c *conn) execute(m *pgproto3.Execute) {
	p := c.portals[m.Portal]
	if p == nil {
		c.fail(context.Background(), protoErr("34000", "portal %q does not exist", m.Portal), 0, true)
		return
	}
	st := p.st
	switch {
	case st.empty:
		c.send(&pgproto3.EmptyQueryResponse{})
		return
	case p.done:
		c.send(&pgproto3.CommandComplete{CommandTag: []byte(p.tag)})
		return
	}
	defer c.running(p.cancel)()
	if !p.started {
		p.started = true
		if c.tx == 'E' && !isSavepointRollback(st.sql) {
			p.done, p.tag = c.endFailedTx(p.ctx, firstWord(st.sql), true), "ROLLBACK"
			return
		}
		if st.copy != nil {
			p.done, p.tag = c.copyOut(p.ctx, st.copy, st.offset, true), "COPY 0"
			return
		}
		res, err := c.sess.Query(p.ctx, st.sql, p.args...)
		if err != nil {
			c.fail(p.ctx, err, st.offset, true)
			return
		}
		p.tag, p.rows = res.Tag, res.Rows
		if p.hadRows = p.rows != nil; p.hadRows {
			if cols := p.rows.Columns(); len(cols) == 0 {
				err = p.rows.Close()
				p.rows, p.hadRows = nil, false
			} else {
				p.types = colTypes(cols)
			}
		}
		if err != nil {
			c.fail(p.ctx, err, st.offset, true)
			return
		}
	}
	n := 0
	if p.rows != nil {
		var done bool
		var err error
		n, done, err = c.sendRows(p.ctx, p.rows, p.types, p.formats, int(m.MaxRows))
		if done {
			if cerr := p.rows.Close(); err == nil {
				err = cerr
			}
			p.rows = nil
		}
		if err != nil {
			c.fail(p.ctx, err, st.offset, true)
			c.closePortal(m.Portal)
			return
		}
		if !done {
			c.send(&pgproto3.PortalSuspended{})
			return
		}
	}
	p.done = true
	c.complete(st.sql, p.tag, p.hadRows, n)
	p.tag = lastTag(p.tag, p.hadRows)
}

// lastTag is what executing a finished portal again reports.
func lastTag(tag string, hadRows bool) string {
	if tag == "SELECT" || tag == "" && hadRows {
		return "SELECT 0"
	}
	return tag
}

func (c *conn) closeObject(m *pgproto3.Close) {
	switch m.ObjectType {
	case 'S':
		delete(c.stmts, m.Name)
	case 'P':
		c.closePortal(m.Name)
	default:
		c.fail(context.Background(), protoErr("08P01", "invalid CLOSE message subtype %d", m.ObjectType), 0, true)
		return
	}
	c.send(&pgproto3.CloseComplete{})
}

// sync ends an extended-protocol batch. Outside a transaction block that
// ends the implicit transaction, and with it every portal.
func (c *conn) sync() {
	if c.tx != 'T' {
		c.closePortals()
	}
	c.ready()
}

func (c *conn) closePortal(name string) {
	if p := c.portals[name]; p != nil {
		if p.rows != nil {
			p.rows.Close()
		}
		p.cancel(nil)
		delete(c.portals, name)
	}
}

func (c *conn) closePortals() {
	for name := range c.portals {
		c.closePortal(name)
	}
}

// dropUnnamed forgets the unnamed statement and portal, as a simple
// Query does.
func (c *conn) dropUnnamed() {
	delete(c.stmts, "")
	c.closePortal("")
}
