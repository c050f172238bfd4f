package pgwire

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
	"golang.org/x/crypto/pbkdf2"

	"github.com/tarnlake/tarn/internal/authlimit"
)

const (
	scramMechanism  = "SCRAM-SHA-256"
	scramIterations = 4096
)

// authenticate asks for the password by the configured method; false means
// the connection was refused (and told so). A user that failed too often
// from this address is refused without being asked.
func (c *conn) authenticate() bool {
	th, source := c.srv.opts.Throttle, authlimit.Source(c.raw.RemoteAddr().String())
	if d := th.Allow(c.user, source); !d.OK {
		c.refuseAt(d.Refused > 1, "28000", fmt.Sprintf("too many failed password attempts for user %q from this address; try again in %s",
			c.user, d.Wait.Round(time.Second)))
		return false
	}
	secret, known := "", false
	if f := c.srv.opts.Secret; f != nil {
		secret, known = f(c.user)
	}
	var ok bool
	if c.srv.opts.Auth == "password" {
		ok = c.authPassword(secret, known)
	} else {
		ok = c.authSCRAM(secret, known)
	}
	if !ok {
		return false
	}
	th.Succeed(c.user, source)
	c.send(&pgproto3.AuthenticationOk{})
	c.be.SetAuthType(pgproto3.AuthTypeOk)
	return true
}

// authFailed counts the failure, before the client hears of it and can
// try again, and refuses the login.
func (c *conn) authFailed() {
	c.srv.opts.Throttle.Fail(c.user, authlimit.Source(c.raw.RemoteAddr().String()))
	c.refuse("28P01", fmt.Sprintf("password authentication failed for user %q", c.user))
}

// refuse logs a login refused and tells the client.
func (c *conn) refuse(code, msg string) { c.refuseAt(false, code, msg) }

// refuseAt is refuse, logged at debug when quiet: a refusal repeated while
// a backoff lasts, which an attacker could otherwise flood the log with.
func (c *conn) refuseAt(quiet bool, code, msg string) {
	level := slog.LevelInfo
	if quiet {
		level = slog.LevelDebug
	}
	c.srv.log.Log(c.ctx, level, "pgwire: login refused", "key", c.user, "op", "login", "remote", c.raw.RemoteAddr(),
		"code", code, "err", msg)
	c.fatal(code, msg)
}

// authReply reads the client's answer to an authentication request.
func (c *conn) authReply(authType uint32) (pgproto3.FrontendMessage, bool) {
	c.flush()
	c.be.SetAuthType(authType)
	msg, err := c.be.Receive()
	if err != nil {
		c.receiveFailed(err)
		return nil, false
	}
	return msg, true
}

func (c *conn) authPassword(secret string, known bool) bool {
	c.send(&pgproto3.AuthenticationCleartextPassword{})
	msg, ok := c.authReply(pgproto3.AuthTypeCleartextPassword)
	if !ok {
		return false
	}
	pm, ok := msg.(*pgproto3.PasswordMessage)
	if !ok {
		c.fatal("08P01", fmt.Sprintf("expected password response, got %T", msg))
		return false
	}
	if !known || subtle.ConstantTimeCompare([]byte(pm.Password), []byte(secret)) != 1 {
		c.authFailed()
		return false
	}
	return true
}

func (c *conn) authSCRAM(secret string, known bool) bool {
	if !known {
		// Go through the whole exchange anyway so that unknown users
		// cannot be told from wrong passwords.
		secret = rand.Text()
	}
	sc := &scram{secret: secret}
	c.send(&pgproto3.AuthenticationSASL{AuthMechanisms: []string{scramMechanism}})
	msg, ok := c.authReply(pgproto3.AuthTypeSASL)
	if !ok {
		return false
	}
	init, ok := msg.(*pgproto3.SASLInitialResponse)
	if !ok || init.AuthMechanism != scramMechanism {
		c.fatal("08P01", "client selected an invalid SASL authentication mechanism")
		return false
	}
	first, err := sc.clientFirst(string(init.Data))
	if err != nil {
		c.fatal("08P01", err.Error())
		return false
	}
	c.send(&pgproto3.AuthenticationSASLContinue{Data: []byte(first)})
	msg, ok = c.authReply(pgproto3.AuthTypeSASLContinue)
	if !ok {
		return false
	}
	resp, ok := msg.(*pgproto3.SASLResponse)
	if !ok {
		c.fatal("08P01", fmt.Sprintf("expected SASL response, got %T", msg))
		return false
	}
	final, valid, err := sc.clientFinal(string(resp.Data))
	if err != nil {
		c.fatal("08P01", err.Error())
		return false
	}
	if !valid || !known {
		c.authFailed()
		return false
	}
	c.send(&pgproto3.AuthenticationSASLFinal{Data: []byte(final)})
	return true
}

// scram is the server side of one SCRAM-SHA-256 exchange (RFC 5802,
// RFC 7677) without channel binding. The salted password is derived per
// connection from the stored secret with a fresh salt.
type scram struct {
	secret          string
	gs2             string // the client's GS2 header, echoed in c=
	clientFirstBare string
	serverFirst     string
	nonce           string // client nonce + server nonce
	salted          []byte
}

var errSCRAM = errors.New("malformed SCRAM message")

func (s *scram) clientFirst(msg string) (string, error) {
	// gs2-header = cbind-flag "," [authzid] ","
	flag, rest, ok := strings.Cut(msg, ",")
	if !ok {
		return "", errSCRAM
	}
	switch {
	case flag == "n", flag == "y":
	case strings.HasPrefix(flag, "p="):
		return "", errors.New("SCRAM channel binding is not supported")
	default:
		return "", errSCRAM
	}
	authzid, bare, ok := strings.Cut(rest, ",")
	if !ok {
		return "", errSCRAM
	}
	if authzid != "" {
		return "", errors.New("client uses authorization identity, but it is not supported")
	}
	attrs := strings.Split(bare, ",")
	if len(attrs) < 2 || !strings.HasPrefix(attrs[0], "n=") || !strings.HasPrefix(attrs[1], "r=") {
		return "", errSCRAM
	}
	cnonce := attrs[1][2:]
	if cnonce == "" || strings.IndexFunc(cnonce, func(r rune) bool { return r < 0x21 || r > 0x7e }) >= 0 {
		return "", errSCRAM
	}
	salt := make([]byte, 16)
	rand.Read(salt)
	snonce := make([]byte, 18)
	rand.Read(snonce)
	s.gs2 = msg[:len(msg)-len(bare)]
	s.clientFirstBare = bare
	s.nonce = cnonce + base64.StdEncoding.EncodeToString(snonce)
	s.salted = pbkdf2.Key([]byte(s.secret), salt, scramIterations, sha256.Size, sha256.New)
	s.serverFirst = fmt.Sprintf("r=%s,s=%s,i=%d", s.nonce, base64.StdEncoding.EncodeToString(salt), scramIterations)
	return s.serverFirst, nil
}

// clientFinal checks the client's proof; it returns the server-final
// message and whether the proof was right.
func (s *scram) clientFinal(msg string) (string, bool, error) {
	i := strings.LastIndex(msg, ",p=")
	if i < 0 {
		return "", false, errSCRAM
	}
	withoutProof := msg[:i]
	proof, err := base64.StdEncoding.DecodeString(msg[i+3:])
	if err != nil || len(proof) != sha256.Size {
		return "", false, errSCRAM
	}
	attrs := strings.Split(withoutProof, ",")
	if len(attrs) < 2 || !strings.HasPrefix(attrs[0], "c=") || !strings.HasPrefix(attrs[1], "r=") {
		return "", false, errSCRAM
	}
	if attrs[0][2:] != base64.StdEncoding.EncodeToString([]byte(s.gs2)) {
		return "", false, errors.New("SCRAM channel binding check failed")
	}
	if attrs[1][2:] != s.nonce {
		return "", false, errors.New("SCRAM nonce mismatch")
	}
	authMessage := []byte(s.clientFirstBare + "," + s.serverFirst + "," + withoutProof)
	clientKey := hmacSHA256(s.salted, []byte("Client Key"))
	storedKey := sha256.Sum256(clientKey)
	sig := hmacSHA256(storedKey[:], authMessage)
	for j := range proof {
		proof[j] ^= sig[j]
	}
	got := sha256.Sum256(proof)
	valid := subtle.ConstantTimeCompare(got[:], storedKey[:]) == 1
	serverSig := hmacSHA256(hmacSHA256(s.salted, []byte("Server Key")), authMessage)
	return "v=" + base64.StdEncoding.EncodeToString(serverSig), valid, nil
}

func hmacSHA256(key, msg []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write(msg)
	return h.Sum(nil)
}
