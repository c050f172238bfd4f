package pgwire

import (
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/tarnlake/tarn/internal/query"
)

const (
	sslRequestCode    = 80877103
	gssEncRequestCode = 80877104
	cancelRequestCode = 80877102
)

var errUnsupportedProtocol = errors.New("unsupported frontend protocol")

// badStartup is a startup packet that is not one: the client hears why
// before the connection closes.
type badStartup struct{ err error }

func (e badStartup) Error() string { return e.err.Error() }
func (e badStartup) Unwrap() error { return e.err }

// readStartup reads one startup-phase packet straight from the socket,
// byte-exact, so nothing sent after an SSLRequest is read as plaintext and
// no length a client claims is allocated unless it is small.
func readStartup(r io.Reader) (pgproto3.FrontendMessage, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := int64(int32(binary.BigEndian.Uint32(hdr[:]))) - 4
	if n < 4 || n > maxStartupPacket {
		return nil, badStartup{fmt.Errorf("invalid length of startup packet: %d", n)}
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, err
	}
	code := binary.BigEndian.Uint32(buf)
	switch code {
	case sslRequestCode:
		return &pgproto3.SSLRequest{}, nil
	case gssEncRequestCode:
		return &pgproto3.GSSEncRequest{}, nil
	case cancelRequestCode:
		m := &pgproto3.CancelRequest{}
		if err := m.Decode(buf); err != nil {
			return nil, badStartup{err}
		}
		return m, nil
	}
	if code>>16 != 3 {
		return nil, badStartup{fmt.Errorf("%w %d.%d: server supports 3.0", errUnsupportedProtocol, code>>16, code&0xffff)}
	}
	// Any 3.x is accepted and negotiated down to 3.0 afterwards.
	binary.BigEndian.PutUint32(buf, pgproto3.ProtocolVersion30)
	m := &pgproto3.StartupMessage{}
	if err := m.Decode(buf); err != nil {
		return nil, badStartup{err}
	}
	m.ProtocolVersion = code
	return m, nil
}

// startup runs the startup phase up to the first ReadyForQuery; false
// means the connection is done. The whole of it, TLS and password
// included, must end within the startup timeout.
func (c *conn) startup() bool {
	s := c.srv
	c.raw.SetDeadline(time.Now().Add(s.authWait))
	var sm *pgproto3.StartupMessage
	for sm == nil {
		msg, err := readStartup(c.nc)
		if err != nil {
			s.log.Debug("pgwire: bad startup packet", "remote", c.raw.RemoteAddr(), "err", err)
			var bad badStartup
			switch {
			case errors.Is(err, errUnsupportedProtocol):
				c.fatal(query.CodeFeature, err.Error())
			case errors.As(err, &bad):
				c.fatal("08P01", err.Error())
			}
			return false
		}
		switch m := msg.(type) {
		case *pgproto3.SSLRequest:
			if s.opts.TLS == nil || c.nc != c.raw {
				if _, err := c.nc.Write([]byte{'N'}); err != nil {
					return false
				}
				continue
			}
			if _, err := c.raw.Write([]byte{'S'}); err != nil {
				return false
			}
			tc := tls.Server(c.raw, s.opts.TLS)
			if err := tc.HandshakeContext(c.ctx); err != nil {
				s.log.Debug("pgwire: TLS handshake", "err", err)
				return false
			}
			c.nc = tc
		case *pgproto3.GSSEncRequest:
			if _, err := c.nc.Write([]byte{'N'}); err != nil {
				return false
			}
		case *pgproto3.CancelRequest:
			s.cancel(m.ProcessID, m.SecretKey)
			return false
		case *pgproto3.StartupMessage:
			sm = m
		}
	}
	c.in = startPump(c)
	c.be = pgproto3.NewBackend(c.in, nil)
	c.be.SetMaxBodyLen(s.maxMessage)
	if !c.login(sm) {
		return false
	}
	c.raw.SetDeadline(time.Time{})
	return true
}

// login checks the startup parameters and the password, opens the
// session and reports the session's parameters.
func (c *conn) login(sm *pgproto3.StartupMessage) bool {
	s := c.srv
	p := sm.Parameters
	c.user, c.appName = p["user"], p["application_name"]
	var unknown []string
	for k := range p {
		if strings.HasPrefix(k, "_pq_.") {
			unknown = append(unknown, k)
		}
	}
	if sm.ProtocolVersion != pgproto3.ProtocolVersion30 || len(unknown) > 0 {
		c.send(&pgproto3.NegotiateProtocolVersion{NewestMinorProtocol: 0, UnrecognizedOptions: unknown})
	}
	if c.user == "" {
		c.refuse("28000", "no PostgreSQL user name specified in startup packet")
		return false
	}
	if r := strings.ToLower(p["replication"]); r != "" && r != "false" && r != "off" && r != "0" && r != "no" {
		c.fatal(query.CodeFeature, "replication connections are not supported")
		return false
	}
	if !c.authenticate() {
		return false
	}
	if !s.admit(c) {
		c.refuse(query.CodeTooManyConns, "sorry, too many clients already")
		return false
	}
	if db := p["database"]; db != "" && db != s.opts.Database {
		c.refuse("3D000", fmt.Sprintf("database %q does not exist", db))
		return false
	}
	sess, err := s.opts.Engine.Session(c.ctx, c.user)
	if err != nil {
		e := errorResponse(c.ctx, err, 0)
		c.fatal(e.Code, e.Message)
		return false
	}
	c.sess = sess
	if !c.applyOptions(p["options"]) {
		return false
	}
	s.register(c)
	s.log.Debug("pgwire: connected", "user", c.user, "pid", c.pid, "remote", c.raw.RemoteAddr())
	for _, kv := range [][2]string{
		{"server_version", s.opts.ServerVersion},
		{"server_encoding", "UTF8"},
		{"client_encoding", "UTF8"},
		{"DateStyle", "ISO, MDY"},
		{"IntervalStyle", "postgres"},
		{"integer_datetimes", "on"},
		{"standard_conforming_strings", "on"},
		{"TimeZone", "UTC"},
		{"application_name", c.appName},
		{"is_superuser", "off"},
		{"session_authorization", c.user},
	} {
		c.send(&pgproto3.ParameterStatus{Name: kv[0], Value: kv[1]})
	}
	c.send(&pgproto3.BackendKeyData{ProcessID: c.pid, SecretKey: c.key[:]})
	c.ready()
	return c.werr == nil
}

// applyOptions runs the startup "options" parameter's settings
// ("-c name=value" or "--name=value") as SET statements.
func (c *conn) applyOptions(opts string) bool {
	args := splitOptions(opts)
	for i := 0; i < len(args); i++ {
		a := args[i]
		var kv string
		switch {
		case a == "-c" && i+1 < len(args):
			i++
			kv = args[i]
		case strings.HasPrefix(a, "-c"):
			kv = a[2:]
		case strings.HasPrefix(a, "--"):
			kv = a[2:]
		}
		name, value, ok := strings.Cut(kv, "=")
		if !ok || name == "" {
			c.fatal("22023", fmt.Sprintf("invalid command-line argument for server process: %s", a))
			return false
		}
		sql := "SET " + strings.ReplaceAll(name, "-", "_") + " = '" + strings.ReplaceAll(value, "'", "''") + "'"
		res, err := c.sess.Query(c.ctx, sql)
		if err == nil && res.Rows != nil {
			err = res.Rows.Close()
		}
		if err != nil {
			e := errorResponse(c.ctx, err, 0)
			c.fatal(e.Code, e.Message)
			return false
		}
	}
	return true
}

// splitOptions splits on spaces; a backslash escapes the next character.
func splitOptions(s string) []string {
	var out []string
	var cur strings.Builder
	have := false
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; {
		case ch == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			have = true
		case ch == ' ' || ch == '\t':
			if have {
				out = append(out, cur.String())
				cur.Reset()
				have = false
			}
		default:
			cur.WriteByte(ch)
			have = true
		}
	}
	if have {
		out = append(out, cur.String())
	}
	return out
}
