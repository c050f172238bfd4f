// Package pgwire serves the SQL seam (internal/query) over the PostgreSQL v3
// wire protocol, so psql, pgx, JDBC and BI tools connect unchanged.
package pgwire

import (
	"crypto/subtle"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/tarnlake/tarn/internal/authlimit"
	"github.com/tarnlake/tarn/internal/query"
)

// Options configure a Server.
type Options struct {
	// Secret returns the secret of an access key id (the user name), for
	// password checks.
	Secret func(user string) (string, bool)
	Engine query.Engine
	// TLS, when set, lets clients upgrade with SSLRequest; nil refuses it.
	TLS *tls.Config
	Log *slog.Logger
	// MaxConns bounds concurrent client sessions (default 64); beyond it
	// clients get FATAL 53300. A connection counts once it has
	// authenticated, so clients that never finish their startup do not
	// take the places of those that do.
	MaxConns int
	// MaxStartups bounds the connections still in their startup (TLS,
	// startup packet, password), default 4 × MaxConns; beyond it new
	// connections get FATAL 53300 at once.
	MaxStartups int
	// StartupTimeout is how long a connection may take from accept to
	// authenticated (default 10s); then it is cut.
	StartupTimeout time.Duration
	// Throttle slows down repeated password failures per user and source
	// address; nil: one of the server's own with defaults.
	Throttle *authlimit.Limiter
	// Database is the only database name accepted (default "tarn").
	Database string
	// ServerVersion is reported as server_version (default "16.0 (tarn)").
	ServerVersion string
	// Auth is the password method: "scram-sha-256" (default) or
	// "password" (cleartext; use only over TLS or a trusted network).
	Auth string
}

// ErrServerClosed is returned by Serve after Close.
var ErrServerClosed = errors.New("pgwire: server closed")

const (
	defaultMaxMessage = 64 << 20 // bytes of one frontend message after startup
	maxStartupPacket  = 10000    // as PostgreSQL's MAX_STARTUP_PACKET_LENGTH
	startupTimeout    = 10 * time.Second
)

// Server accepts PostgreSQL clients and runs their statements through the
// engine.
type Server struct {
	opts       Options
	log        *slog.Logger
	maxMessage int
	authWait   time.Duration

	mu      sync.Mutex
	closed  bool
	lns     map[net.Listener]struct{}
	conns   map[*conn]struct{}
	byPID   map[uint32]*conn
	clients int // authenticated connections, for MaxConns
	pending int // connections in their startup, for MaxStartups
	// refused counts connections refused for MaxStartups since the last
	// one accepted: the first and the end of a run are logged, not each.
	refused int
	wg      sync.WaitGroup
	panics  atomic.Int64 // recovered connection panics (tests assert none)
}

// New returns a Server with defaults filled in.
func New(opts Options) *Server {
	if opts.MaxConns <= 0 {
		opts.MaxConns = 64
	}
	if opts.MaxStartups <= 0 {
		opts.MaxStartups = 4 * opts.MaxConns
	}
	if opts.StartupTimeout <= 0 {
		opts.StartupTimeout = startupTimeout
	}
	if opts.Throttle == nil {
		opts.Throttle = authlimit.New(authlimit.Options{})
	}
	if opts.Database == "" {
		opts.Database = "tarn"
	}
	if opts.ServerVersion == "" {
		opts.ServerVersion = "16.0 (tarn)"
	}
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if opts.Auth = strings.ToLower(opts.Auth); opts.Auth != "password" {
		if opts.Auth != "" && opts.Auth != "scram-sha-256" {
			log.Warn("pgwire: unknown Auth method, using scram-sha-256", "auth", opts.Auth)
		}
		opts.Auth = "scram-sha-256"
	}
	return &Server{
		opts:       opts,
		log:        log,
		maxMessage: defaultMaxMessage,
		authWait:   opts.StartupTimeout,
		lns:        map[net.Listener]struct{}{},
		conns:      map[*conn]struct{}{},
		byPID:      map[uint32]*conn{},
	}
}

// Serve accepts connections on ln until Close (then it returns
// ErrServerClosed) or until the listener fails.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrServerClosed
	}
	s.lns[ln] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.lns, ln)
		s.mu.Unlock()
	}()
	backoff := time.Duration(0)
	for {
		nc, err := ln.Accept()
		if err != nil {
			s.mu.Lock()
			closed := s.closed
			s.mu.Unlock()
			if closed {
				return ErrServerClosed
			}
			if errors.Is(err, net.ErrClosed) {
				return err
			}
			// Transient failures (EMFILE, ECONNABORTED) must not kill the
			// server; back off as net/http does.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			s.log.Warn("pgwire: accept", "err", err, "retry", backoff)
			time.Sleep(backoff)
			continue
		}
		backoff = 0
		s.serveConn(nc)
	}
}

// serveConn runs one client connection in its own goroutine, unless
// MaxStartups connections are already starting up.
func (s *Server) serveConn(nc net.Conn) {
	c := newConn(s, nc)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		nc.Close()
		return
	}
	if s.pending >= s.opts.MaxStartups {
		if s.refused++; s.refused == 1 {
			s.log.Info("pgwire: too many connections starting up; refusing new ones", "max_startups", s.opts.MaxStartups,
				"remote", nc.RemoteAddr(), "code", query.CodeTooManyConns)
		}
		s.mu.Unlock()
		go refuseConn(nc)
		return
	}
	if s.refused > 0 {
		s.log.Info("pgwire: accepting connections again", "refused", s.refused)
		s.refused = 0
	}
	s.pending++
	c.pending = true
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.wg.Done()
		defer s.forget(c)
		c.serve()
	}()
}

// refuseConn tells a client there is no room, without reading from it.
func refuseConn(nc net.Conn) {
	defer nc.Close()
	msg, _ := (&pgproto3.ErrorResponse{Severity: "FATAL", SeverityUnlocalized: "FATAL", Code: query.CodeTooManyConns,
		Message: "sorry, too many clients already"}).Encode(nil)
	nc.SetWriteDeadline(time.Now().Add(time.Second))
	nc.Write(msg)
}

// Close stops the listeners, ends every connection (cancelling running
// statements) and waits for their goroutines.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	for ln := range s.lns {
		ln.Close()
	}
	for c := range s.conns {
		c.kill(errServerClosing)
	}
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}

// admit moves an authenticated client from MaxStartups to MaxConns.
func (s *Server) admit(c *conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.clients >= s.opts.MaxConns {
		return false
	}
	s.clients++
	c.admitted = true
	if c.pending {
		c.pending = false
		s.pending--
	}
	return true
}

// register gives c a process id unused by any other connection.
func (s *Server) register(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		pid := randUint32() & 0x7fffffff
		if _, taken := s.byPID[pid]; pid != 0 && !taken {
			c.pid = pid
			s.byPID[pid] = c
			return
		}
	}
}

func (s *Server) forget(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, c)
	if c.pid != 0 && s.byPID[c.pid] == c {
		delete(s.byPID, c.pid)
	}
	s.leave(c)
}

// leave gives back c's MaxConns or MaxStartups slot; fatal errors call it
// before answering, so a client that reconnects at once finds the slot
// free.
func (s *Server) leave(c *conn) {
	if c.admitted {
		c.admitted = false
		s.clients--
	}
	if c.pending {
		c.pending = false
		s.pending--
	}
}

// cancel handles a CancelRequest: it cancels the statement running on the
// connection whose key matches, and silently ignores anything else, as
// PostgreSQL does.
func (s *Server) cancel(pid uint32, key []byte) {
	s.mu.Lock()
	c := s.byPID[pid]
	s.mu.Unlock()
	if c == nil || subtle.ConstantTimeCompare(c.key[:], key) != 1 {
		s.log.Debug("pgwire: cancel request with unknown key", "pid", pid)
		return
	}
	c.cancelStatement()
}

var errServerClosing = errors.New("server closing")
