package sftp

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"log/slog"
	"strings"

	"golang.org/x/crypto/ssh"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/authlimit"
)

// Permissions extensions that carry a login's outcome from the
// callbacks to the connection.
const (
	extKeyID  = "tarn-key-id"
	extMethod = "tarn-method"
)

// errLogin is every refused login, whatever the reason: an unknown user,
// a wrong password, a key not on file and a throttled source look alike.
var errLogin = errors.New("sftp: login refused")

func (s *Server) sshConfig(signer ssh.Signer) *ssh.ServerConfig {
	c := &ssh.ServerConfig{
		ServerVersion:     "SSH-2.0-tarn",
		PasswordCallback:  s.checkPassword,
		PublicKeyCallback: s.checkPublicKey,
		MaxAuthTries:      6,
	}
	c.AddHostKey(signer)
	return c
}

// lookupUser finds the key a user name stands for: an access key id, or
// else a key's name.
func (s *Server) lookupUser(user string) (access.Key, bool) {
	if k, ok := s.opts.Keys.Lookup(user); ok {
		return k, true
	}
	return s.opts.Keys.ByName(user)
}

// allow asks the limiter before a credential is checked.
func (s *Server) allow(c ssh.ConnMetadata) bool {
	d := s.opts.Limiter.Allow(c.User(), authlimit.Source(c.RemoteAddr().String()))
	if d.OK {
		return true
	}
	level := slog.LevelInfo
	if d.Refused > 1 {
		level = slog.LevelDebug // logged once per backoff, not per attempt
	}
	s.log.Log(s.base, level, "sftp: login refused: too many failures from this address", "user", c.User(),
		"remote", c.RemoteAddr().String(), "retry_in", d.Wait)
	s.metrics.logins.WithLabelValues("throttled").Inc()
	return false
}

// checkPassword accepts the key's secret as its password.
func (s *Server) checkPassword(c ssh.ConnMetadata, password []byte) (*ssh.Permissions, error) {
	if !s.allow(c) {
		return nil, errLogin
	}
	k, ok := s.lookupUser(c.User())
	// Compare digests, in constant time, so that neither the outcome for
	// an unknown user nor the secret's length shows in the timing.
	got, want := sha256.Sum256(password), sha256.Sum256([]byte(k.Secret))
	match := subtle.ConstantTimeCompare(got[:], want[:]) == 1
	if !ok || k.Secret == "" || !match {
		s.opts.Limiter.Fail(c.User(), authlimit.Source(c.RemoteAddr().String()))
		s.log.Info("sftp: login refused", "user", c.User(), "method", "password", "remote", c.RemoteAddr().String())
		s.metrics.logins.WithLabelValues("refused").Inc()
		return nil, errLogin
	}
	return permissions(k, "password"), nil
}

// checkPublicKey accepts the key's SSH public keys. A key not on file is
// not counted as a failure: keys cannot be guessed, and clients offer
// every key they hold, one after the other.
func (s *Server) checkPublicKey(c ssh.ConnMetadata, pub ssh.PublicKey) (*ssh.Permissions, error) {
	if !s.allow(c) {
		return nil, errLogin
	}
	k, ok := s.lookupUser(c.User())
	if ok && s.authorized(k, pub) {
		// Called for a key's offer as well as for its proof: the login
		// counts as a success only once the handshake ends (see serveConn).
		return permissions(k, "publickey"), nil
	}
	s.log.Debug("sftp: public key not authorized", "user", c.User(), "remote", c.RemoteAddr().String(),
		"fingerprint", ssh.FingerprintSHA256(pub))
	return nil, errLogin
}

// authorized reports whether pub is one of k's SSH keys. Lines with
// authorized_keys options are skipped: tarn honours none of them, and
// ignoring a from= or restrict would grant more than was written.
func (s *Server) authorized(k access.Key, pub ssh.PublicKey) bool {
	want := pub.Marshal()
	for _, line := range k.SSHKeys {
		if line = strings.TrimSpace(line); line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, _, opts, _, err := ssh.ParseAuthorizedKey([]byte(line))
		if err != nil {
			s.log.Warn("sftp: unreadable SSH key on an access key", "key", k.ID, "err", err)
			continue
		}
		if len(opts) > 0 {
			s.log.Warn("sftp: SSH key with authorized_keys options skipped: options are not supported",
				"key", k.ID, "options", strings.Join(opts, ","))
			continue
		}
		if bytes.Equal(key.Marshal(), want) {
			return true
		}
	}
	return false
}

func permissions(k access.Key, method string) *ssh.Permissions {
	return &ssh.Permissions{Extensions: map[string]string{extKeyID: k.ID, extMethod: method}}
}
