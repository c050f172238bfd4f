package pgwire

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"runtime/debug"
	"sync"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/tarnlake/tarn/internal/query"
)

// conn is one client connection. A single goroutine reads and answers
// messages; a second one (pump) reads the socket ahead so that a client
// which disconnects while a statement runs cancels it at once.
type conn struct {
	srv *Server
	raw net.Conn // the accepted connection (closed to end everything)
	nc  net.Conn // raw or its TLS upgrade
	be  *pgproto3.Backend
	in  *pump

	ctx    context.Context // ends with the connection
	cancel context.CancelCauseFunc

	wbuf []byte
	werr error

	pid      uint32
	key      [4]byte
	admitted bool // counted in MaxConns
	pending  bool // counted in MaxStartups
	user     string
	appName  string
	sess     query.Session
	tx       byte // 'I' idle, 'T' in a transaction block, 'E' failed one

	mu         sync.Mutex
	stmtCancel context.CancelCauseFunc // the running statement's

	stmts   map[string]*prepared
	portals map[string]*portal
	skip    bool // an extended-protocol error: ignore until Sync
}

var (
	errClientGone = errors.New("client disconnected")
	errUserCancel = errors.New("canceled by user request")
)

func newConn(s *Server, nc net.Conn) *conn {
	ctx, cancel := context.WithCancelCause(context.Background())
	c := &conn{srv: s, raw: nc, nc: nc, ctx: ctx, cancel: cancel, tx: 'I',
		stmts: map[string]*prepared{}, portals: map[string]*portal{}}
	rand.Read(c.key[:])
	return c
}

func randUint32() uint32 {
	var b [4]byte
	rand.Read(b[:])
	return binary.BigEndian.Uint32(b[:])
}

// kill ends the connection from another goroutine.
func (c *conn) kill(cause error) {
	c.cancel(cause)
	c.raw.Close()
}

func (c *conn) serve() {
	defer func() {
		if r := recover(); r != nil {
			c.srv.panics.Add(1)
			c.srv.log.Error("pgwire: panic", "err", r, "stack", string(debug.Stack()))
		}
		c.teardown()
	}()
	if !c.startup() {
		return
	}
	for c.werr == nil {
		msg, err := c.be.Receive()
		if err != nil {
			c.receiveFailed(err)
			return
		}
		if !c.dispatch(msg) {
			return
		}
	}
}

// dispatch answers one message; false ends the connection.
func (c *conn) dispatch(msg pgproto3.FrontendMessage) bool {
	if c.skip {
		switch msg.(type) {
		case *pgproto3.Sync:
			c.skip = false
		case *pgproto3.Terminate:
			return false
		default:
			return true
		}
	}
	switch m := msg.(type) {
	case *pgproto3.Query:
		c.simpleQuery(m.String)
	case *pgproto3.Parse:
		c.parse(m)
	case *pgproto3.Bind:
		c.bind(m)
	case *pgproto3.Describe:
		c.describe(m)
	case *pgproto3.Execute:
		c.execute(m)
	case *pgproto3.Close:
		c.closeObject(m)
	case *pgproto3.Sync:
		c.sync()
	case *pgproto3.Flush:
		c.flush()
	case *pgproto3.Terminate:
		return false
	case *pgproto3.CopyData, *pgproto3.CopyDone, *pgproto3.CopyFail:
		// Late data of a failed COPY; the protocol says to ignore it.
	case *pgproto3.FunctionCall:
		c.fail(context.Background(), &query.Error{Code: query.CodeFeature, Message: "function call messages are not supported"}, 0, true)
	default:
		c.fatal("08P01", fmt.Sprintf("unexpected message type %T", msg))
		return false
	}
	return true
}

// receiveFailed reports a malformed or oversized message; read errors
// (the client went away) end the connection silently.
func (c *conn) receiveFailed(err error) {
	if c.in.failed() {
		return
	}
	var big *pgproto3.ExceededMaxBodyLenErr
	if errors.As(err, &big) {
		c.fatal("08P01", fmt.Sprintf("invalid message length %d (maximum %d)", big.ActualBodyLen, big.MaxExpectedBodyLen))
		return
	}
	c.fatal("08P01", "invalid frontend message: "+err.Error())
}

func (c *conn) teardown() {
	c.cancel(errClientGone)
	c.closePortals()
	if c.sess != nil {
		if err := c.sess.Close(); err != nil {
			c.srv.log.Debug("pgwire: session close", "err", err)
		}
	}
	c.raw.Close()
	if c.in != nil {
		<-c.in.done
	}
}

// send queues a message, writing out when the buffer is large so big
// results stream instead of piling up in memory.
func (c *conn) send(msg pgproto3.BackendMessage) {
	if c.werr != nil {
		return
	}
	b, err := msg.Encode(c.wbuf)
	if err != nil {
		c.werr = err
		c.cancel(err)
		return
	}
	c.wbuf = b
	if len(c.wbuf) >= 64<<10 {
		c.flush()
	}
}

func (c *conn) flush() {
	if c.werr != nil || len(c.wbuf) == 0 {
		return
	}
	_, err := c.nc.Write(c.wbuf)
	if cap(c.wbuf) > 1<<20 {
		c.wbuf = nil
	} else {
		c.wbuf = c.wbuf[:0]
	}
	if err != nil {
		c.werr = err
		c.cancel(errClientGone)
	}
}

func (c *conn) ready() {
	c.send(&pgproto3.ReadyForQuery{TxStatus: c.tx})
	c.flush()
}

// fatal reports an error that ends the connection.
func (c *conn) fatal(code, msg string) {
	c.srv.mu.Lock()
	c.srv.leave(c)
	c.srv.mu.Unlock()
	c.send(&pgproto3.ErrorResponse{Severity: "FATAL", SeverityUnlocalized: "FATAL", Code: code, Message: msg})
	c.flush()
}

// running makes cancel the target of CancelRequests until the returned
// func is called.
func (c *conn) running(cancel context.CancelCauseFunc) func() {
	c.mu.Lock()
	c.stmtCancel = cancel
	c.mu.Unlock()
	return func() {
		c.mu.Lock()
		c.stmtCancel = nil
		c.mu.Unlock()
	}
}

func (c *conn) cancelStatement() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stmtCancel != nil {
		c.stmtCancel(errUserCancel)
	}
}

// errorResponse turns a statement's failure into what the client sees;
// offset shifts syntax error positions to the whole query string.
func errorResponse(ctx context.Context, err error, offset int) *pgproto3.ErrorResponse {
	e := &pgproto3.ErrorResponse{Severity: "ERROR", SeverityUnlocalized: "ERROR", Code: query.CodeInternal, Message: err.Error()}
	var qe *query.Error
	switch {
	case ctx != nil && errors.Is(context.Cause(ctx), errUserCancel):
		e.Code, e.Message = query.CodeQueryCanceled, "canceling statement due to user request"
	case errors.As(err, &qe):
		e.Code, e.Message = qe.Code, qe.Message
		if qe.Position > 0 {
			e.Position = int32(qe.Position + offset)
		}
	case errors.Is(err, context.DeadlineExceeded):
		e.Code, e.Message = query.CodeQueryCanceled, "canceling statement due to statement timeout"
	case errors.Is(err, context.Canceled):
		e.Code, e.Message = query.CodeQueryCanceled, "canceling statement: "+err.Error()
	}
	if e.Code == "" {
		e.Code = query.CodeInternal
	}
	return e
}

// pump copies the socket into chunks for the Backend and cancels the
// connection as soon as the socket fails.
type pump struct {
	ch   chan []byte
	done chan struct{}
	cur  []byte
	err  error // set before ch is closed
	bad  bool  // Read returned err
}

func startPump(c *conn) *pump {
	p := &pump{ch: make(chan []byte, 4), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		defer close(p.ch)
		for {
			buf := make([]byte, 16<<10)
			n, err := c.nc.Read(buf)
			if n > 0 {
				select {
				case p.ch <- buf[:n]:
				case <-c.ctx.Done():
					p.err = context.Cause(c.ctx)
					return
				}
			}
			if err != nil {
				p.err = err
				c.cancel(errClientGone)
				return
			}
		}
	}()
	return p
}

func (p *pump) Read(b []byte) (int, error) {
	for len(p.cur) == 0 {
		chunk, ok := <-p.ch
		if !ok {
			p.bad = true
			return 0, p.err
		}
		p.cur = chunk
	}
	n := copy(b, p.cur)
	p.cur = p.cur[n:]
	return n, nil
}

func (p *pump) failed() bool { return p.bad }
