package sftp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/crypto/ssh"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/authlimit"
	"github.com/tarnlake/tarn/internal/lake"
)

// Options configure a Server. Lake, Keys and HostKeyFile are required,
// and Addr unless the caller serves its own listener (Serve).
type Options struct {
	// Addr is the TCP address Listen and Run bind ("127.0.0.1:9822";
	// port 0 picks a free one, see Server.Addr).
	Addr string
	// HostKeyFile holds the server's private host key; Run generates an
	// ed25519 key into it (mode 0600) when it does not exist.
	HostKeyFile string
	// Lake is where uploads go; pass the store that raises object events.
	Lake lake.Store
	// Keys authenticates users and authorises each operation.
	Keys *access.Keyring
	// Limiter slows down repeated login failures per user and source
	// address; share the other listeners' so guesses add up across
	// protocols. Nil: one of the server's own.
	Limiter *authlimit.Limiter
	Log     *slog.Logger
	// Registerer receives the server's metrics; nil registers nothing.
	Registerer prometheus.Registerer

	// MaxConns bounds the logged-in connections (default 64); a
	// connection beyond it has its sessions refused.
	MaxConns int
	// MaxStartups bounds the connections still in their SSH handshake
	// (default 32); beyond it new connections are closed at once, so that
	// clients that never log in cannot take everyone's place.
	MaxStartups int
	// HandshakeTimeout is how long a connection may take from accept to
	// logged in (default 10s); then it is cut.
	HandshakeTimeout time.Duration
	// MaxWriteBuffer bounds how far past the first byte still missing a
	// write may reach, and so the out-of-order bytes one upload holds
	// (default 4 MiB). OpenSSH keeps up to 64 writes of 32 KiB in flight,
	// which arrive slightly out of order; a write further ahead is
	// refused, and the upload with it.
	MaxWriteBuffer int64
	// BufferBytes bounds the out-of-order bytes all uploads together may
	// hold (default 256 MiB).
	BufferBytes int64
}

const (
	defaultMaxConns         = 64
	defaultMaxStartups      = 32
	defaultHandshakeTimeout = 10 * time.Second
	defaultMaxWriteBuffer   = 4 << 20
	defaultBufferBytes      = 256 << 20
	// maxSessions bounds the SSH sessions (each an SFTP server with its
	// own workers) one connection may open; clients use one.
	maxSessions = 4
	// maxPacket is the most one read answer carries. Clients ask for 32
	// KiB by default; one that asks for more (sftp -B, pkg/sftp's
	// MaxPacket) gets it, in fewer round trips.
	maxPacket = 256 << 10
)

// Server accepts SFTP clients and serves the lake to them.
type Server struct {
	opts    Options
	log     *slog.Logger
	metrics *metrics
	buffers *budget

	base   context.Context // ends with Close: every connection's parent
	cancel context.CancelFunc

	prepMu      sync.Mutex
	config      *ssh.ServerConfig // set by prepare
	fingerprint string            // the host key's

	mu       sync.Mutex
	closed   bool
	ln       net.Listener // bound by Listen, served by Run
	lns      map[net.Listener]struct{}
	conns    map[net.Conn]struct{}
	pending  int // connections in their handshake
	loggedIn int // connections past it
	refused  int // connections refused for MaxStartups since the last accepted
	wg       sync.WaitGroup
	panics   atomic.Int64 // recovered panics (tests assert none)
}

// ErrServerClosed is returned by Listen, Run and Serve after Close.
var ErrServerClosed = errors.New("sftp: server closed")

// New returns a Server with defaults filled in; it does no I/O.
func New(opts Options) *Server {
	if opts.MaxConns <= 0 {
		opts.MaxConns = defaultMaxConns
	}
	if opts.MaxStartups <= 0 {
		opts.MaxStartups = defaultMaxStartups
	}
	if opts.HandshakeTimeout <= 0 {
		opts.HandshakeTimeout = defaultHandshakeTimeout
	}
	if opts.MaxWriteBuffer <= 0 {
		opts.MaxWriteBuffer = defaultMaxWriteBuffer
	}
	if opts.BufferBytes <= 0 {
		opts.BufferBytes = defaultBufferBytes
	}
	if opts.Limiter == nil {
		opts.Limiter = authlimit.New(authlimit.Options{})
	}
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	base, cancel := context.WithCancel(context.Background())
	return &Server{
		opts:    opts,
		log:     log.With("component", "sftp"),
		metrics: newMetrics(opts.Registerer),
		buffers: &budget{limit: opts.BufferBytes},
		base:    base,
		cancel:  cancel,
		lns:     map[net.Listener]struct{}{},
		conns:   map[net.Conn]struct{}{},
	}
}

// Listen loads (or generates) the host key and binds Options.Addr, so
// that a caller learns of a bad key or a busy port (and the port it got)
// before serving; Run calls it when it was not called.
func (s *Server) Listen() error {
	if _, err := s.prepare(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrServerClosed
	}
	if s.ln != nil {
		return nil
	}
	if s.opts.Addr == "" {
		// An empty address would mean every interface: say which.
		return errors.New("sftp: no listen address (Options.Addr)")
	}
	ln, err := net.Listen("tcp", s.opts.Addr)
	if err != nil {
		return fmt.Errorf("sftp: listen: %w", err)
	}
	s.ln = ln
	return nil
}

// Addr is the address Listen bound, or nil before.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// Run listens on Options.Addr (unless Listen did) and serves until ctx
// ends or Close is called; then it returns nil.
func (s *Server) Run(ctx context.Context) error {
	if err := s.Listen(); err != nil {
		return err
	}
	s.mu.Lock()
	ln := s.ln
	s.mu.Unlock()
	return s.Serve(ctx, ln)
}

// Serve serves on a listener the caller bound, until ctx ends or Close is
// called (then it returns nil, once the connections have ended) or the
// listener fails. It loads or generates the host key first, unless
// Listen did.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	defer ln.Close()
	config, err := s.prepare()
	if err != nil {
		return err
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrServerClosed
	}
	s.lns[ln] = struct{}{}
	s.mu.Unlock()
	stop := context.AfterFunc(ctx, s.shutdown)
	defer stop()
	s.log.Info("sftp: serving", "addr", ln.Addr().String(), "host_key", s.fingerprint)
	backoff := time.Duration(0)
	for {
		nc, err := ln.Accept()
		if err != nil {
			if s.isClosed() {
				s.wg.Wait() // the connections end with the server
				return nil
			}
			if errors.Is(err, net.ErrClosed) {
				return fmt.Errorf("sftp: accept: %w", err)
			}
			// Transient failures (EMFILE, ECONNABORTED) must not end the
			// server; back off as net/http does.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			s.log.Warn("sftp: accept", "err", err, "retry", backoff)
			time.Sleep(backoff)
			continue
		}
		backoff = 0
		s.start(nc, config)
	}
}

// prepare checks the options and loads the host key, once.
func (s *Server) prepare() (*ssh.ServerConfig, error) {
	s.prepMu.Lock()
	defer s.prepMu.Unlock()
	if s.config != nil {
		return s.config, nil
	}
	if s.opts.Lake == nil || s.opts.Keys == nil {
		return nil, errors.New("sftp: Options.Lake and Options.Keys are required")
	}
	signer, err := loadHostKey(s.opts.HostKeyFile, s.log)
	if err != nil {
		return nil, err
	}
	s.config = s.sshConfig(signer)
	s.fingerprint = ssh.FingerprintSHA256(signer.PublicKey())
	return s.config, nil
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// start runs one connection in its own goroutine, unless MaxStartups
// connections are already in their handshake.
func (s *Server) start(nc net.Conn, config *ssh.ServerConfig) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		nc.Close()
		return
	}
	if s.pending >= s.opts.MaxStartups {
		if s.refused++; s.refused == 1 {
			s.log.Info("sftp: too many connections in their handshake; refusing new ones",
				"max_startups", s.opts.MaxStartups, "remote", nc.RemoteAddr().String())
		}
		s.mu.Unlock()
		s.metrics.refused.Inc()
		nc.Close()
		return
	}
	if s.refused > 0 {
		s.log.Info("sftp: accepting connections again", "refused", s.refused)
		s.refused = 0
	}
	s.pending++
	s.conns[nc] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.wg.Done()
		defer s.forget(nc)
		s.serveConn(nc, config)
	}()
}

func (s *Server) forget(nc net.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, nc)
	nc.Close()
}

// handshook moves a connection from MaxStartups to MaxConns; false when
// MaxConns are logged in already (the connection still leaves
// MaxStartups).
func (s *Server) handshook() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pending--
	if s.loggedIn >= s.opts.MaxConns {
		return false
	}
	s.loggedIn++
	return true
}

func (s *Server) loggedOut() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loggedIn--
}

// handshakeFailed gives back a MaxStartups place.
func (s *Server) handshakeFailed() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pending--
}

// shutdown stops the listeners and cuts every connection: uploads in
// flight are aborted and store nothing.
func (s *Server) shutdown() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.cancel()
	if s.ln != nil {
		s.ln.Close()
	}
	for ln := range s.lns {
		ln.Close()
	}
	for nc := range s.conns {
		nc.Close()
	}
}

// Close is shutdown, then it waits for the connections to end.
func (s *Server) Close() error {
	s.shutdown()
	s.wg.Wait()
	return nil
}
