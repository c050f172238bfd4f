package sftp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime/debug"
	"sync"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"

	"github.com/tarnlake/tarn/internal/authlimit"
)

// serveConn runs one connection: the SSH handshake under a deadline, then
// its session channels, each of which may run the sftp subsystem.
func (s *Server) serveConn(nc net.Conn, config *ssh.ServerConfig) {
	remote := nc.RemoteAddr().String()
	defer func() {
		if r := recover(); r != nil {
			s.panics.Add(1)
			s.log.Error("sftp: panic", "remote", remote, "err", r, "stack", string(debug.Stack()))
		}
	}()
	// The connection holds a MaxStartups place until handshook, then a
	// MaxConns place if it got one; both are given back however it ends.
	handshaking, admitted := true, false
	defer func() {
		if handshaking {
			s.handshakeFailed()
		}
		if admitted {
			s.loggedOut()
		}
	}()
	nc.SetDeadline(time.Now().Add(s.opts.HandshakeTimeout))
	sc, chans, reqs, err := ssh.NewServerConn(nc, config)
	if err != nil {
		s.log.Debug("sftp: handshake failed", "remote", remote, "err", err)
		return
	}
	defer sc.Close()
	nc.SetDeadline(time.Time{})
	keyID, method := sc.Permissions.Extensions[extKeyID], sc.Permissions.Extensions[extMethod]
	// A key's offer alone reaches the callbacks too; only now, with the
	// handshake done, is the login proven.
	s.opts.Limiter.Succeed(sc.User(), authlimit.Source(remote))
	s.metrics.logins.WithLabelValues("ok").Inc()
	log := s.log.With("key", keyID, "remote", remote)
	handshaking, admitted = false, s.handshook()
	if !admitted {
		log.Info("sftp: too many connections; refusing this one's sessions", "max_conns", s.opts.MaxConns)
		s.metrics.refused.Inc()
		nc.SetDeadline(time.Now().Add(s.opts.HandshakeTimeout)) // it is told at its first channel, or cut
		go ssh.DiscardRequests(reqs)
		for ch := range chans {
			ch.Reject(ssh.ResourceShortage, fmt.Sprintf("tarn: too many SFTP connections (at most %d); try again later", s.opts.MaxConns))
			sc.Close()
		}
		return
	}
	s.metrics.conns.Inc()
	defer s.metrics.conns.Dec()
	log.Info("sftp: logged in", "user", sc.User(), "method", method, "client", string(sc.ClientVersion()))

	ctx, cancel := context.WithCancel(s.base)
	defer cancel()
	go ssh.DiscardRequests(reqs) // keepalives and the like: answered "no"
	var wg sync.WaitGroup
	open := 0
	for ch := range chans {
		if ch.ChannelType() != "session" {
			ch.Reject(ssh.UnknownChannelType, "tarn serves SFTP sessions only")
			continue
		}
		if open >= maxSessions {
			ch.Reject(ssh.ResourceShortage, fmt.Sprintf("at most %d sessions per connection", maxSessions))
			continue
		}
		channel, requests, err := ch.Accept()
		if err != nil {
			log.Debug("sftp: accept channel", "err", err)
			continue
		}
		open++
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if r := recover(); r != nil {
					s.panics.Add(1)
					log.Error("sftp: panic", "err", r, "stack", string(debug.Stack()))
				}
			}()
			s.serveSession(ctx, log, keyID, channel, requests)
		}()
	}
	wg.Wait() // the sessions end with the connection
	log.Info("sftp: logged out")
}

// serveSession answers a session's requests: the sftp subsystem is
// served, everything else (shells, commands, terminals) refused.
func (s *Server) serveSession(ctx context.Context, log *slog.Logger, keyID string, ch ssh.Channel, reqs <-chan *ssh.Request) {
	defer ch.Close()
	started := false
	for req := range reqs {
		ok := false
		if req.Type == "subsystem" && !started {
			var sub struct{ Name string }
			ok = ssh.Unmarshal(req.Payload, &sub) == nil && sub.Name == "sftp"
		}
		if req.WantReply {
			req.Reply(ok, nil)
		}
		if !ok {
			if req.Type == "shell" || req.Type == "exec" {
				fmt.Fprintln(ch.Stderr(), "tarn: this server offers SFTP only")
			}
			continue
		}
		started = true
		go func() {
			// The session's other requests must be read, or the
			// connection stalls; none of them is honoured.
			for req := range reqs {
				if req.WantReply {
					req.Reply(false, nil)
				}
			}
		}()
		err := s.runSFTP(ctx, log, keyID, ch)
		status := uint32(0)
		if err != nil {
			status = 1
		}
		ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{status}))
		return
	}
}

// runSFTP serves the sftp protocol on ch until the client ends it.
func (s *Server) runSFTP(ctx context.Context, log *slog.Logger, keyID string, ch ssh.Channel) error {
	fs := newFS(ctx, s, log, keyID)
	h := sftp.Handlers{FileGet: fs, FilePut: fs, FileCmd: fs, FileList: fs}
	rs := sftp.NewRequestServer(ch, h, sftp.WithRSMaxTxPacket(maxPacket))
	stop := context.AfterFunc(ctx, func() { rs.Close() })
	defer stop()
	err := rs.Serve()
	if errors.Is(err, io.EOF) || ctx.Err() != nil {
		return nil
	}
	if err != nil {
		log.Debug("sftp: session ended", "err", err)
	}
	return err
}
