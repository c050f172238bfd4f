package pgwire

import (
	"io"
	"log/slog"
	"net"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// fuzzSeeds are message streams a client may send after logging in.
func fuzzSeeds() [][]byte {
	enc := func(msgs ...pgproto3.FrontendMessage) []byte {
		var b []byte
		for _, m := range msgs {
			b, _ = m.Encode(b)
		}
		return b
	}
	return [][]byte{
		enc(&pgproto3.Query{String: "select 1"}),
		enc(&pgproto3.Query{String: "select * from types; selec 1"}, &pgproto3.Query{String: ""}),
		enc(&pgproto3.Parse{Name: "s", Query: "select n from series"}, &pgproto3.Bind{PreparedStatement: "s", ResultFormatCodes: []int16{1}},
			&pgproto3.Describe{ObjectType: 'P'}, &pgproto3.Execute{MaxRows: 2}, &pgproto3.Execute{}, &pgproto3.Sync{}),
		enc(&pgproto3.Parse{Query: "select $1::int8, $2::text", ParameterOIDs: []uint32{20, 1016}},
			&pgproto3.Bind{ParameterFormatCodes: []int16{1}, Parameters: [][]byte{{0, 0, 0, 0, 0, 0, 0, 7}, {0, 0, 0, 1}}},
			&pgproto3.Describe{ObjectType: 'S'}, &pgproto3.Execute{}, &pgproto3.Sync{}),
		enc(&pgproto3.Bind{ResultFormatCodes: []int16{7, 1}}, &pgproto3.Flush{}, &pgproto3.Sync{}),
		enc(&pgproto3.Query{String: "begin; selec 1"}, &pgproto3.Query{String: "select 1"}, &pgproto3.Query{String: "rollback"}),
		enc(&pgproto3.Query{String: "COPY t TO STDOUT WITH CSV HEADER"}, &pgproto3.CopyData{Data: []byte("x")}),
		enc(&pgproto3.Query{String: "COPY (select * from types) TO STDOUT (FORMAT binary)"}, &pgproto3.Terminate{}),
		enc(&pgproto3.FunctionCall{Function: 1}, &pgproto3.Close{ObjectType: 'X'}, &pgproto3.Sync{}),
		{'Q', 0x7f, 0xff, 0xff, 0xff},
		{'Q', 0, 0, 0, 3},
		[]byte("\x00\x01garbage"),
	}
}

// FuzzMessages feeds arbitrary bytes to a logged-in connection: the
// server must not panic, and must finish once the client hangs up.
func FuzzMessages(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
		s := New(Options{Engine: newFakeEngine(), Secret: testSecrets, Auth: "password", Log: log})
		s.maxMessage = 1 << 16
		defer s.Close()
		cli, srv := net.Pipe()
		s.serveConn(srv)
		c := newRawClient(t, cli)
		c.login(testKey, testSecret)
		drained := make(chan struct{})
		go func() {
			io.Copy(io.Discard, cli) // net.Pipe is synchronous: keep reading answers
			close(drained)
		}()
		cli.SetWriteDeadline(time.Now().Add(2 * time.Second))
		cli.Write(data) // returns once the server has read it all, or closed
		cli.Close()
		deadline := time.Now().Add(5 * time.Second)
		for {
			s.mu.Lock()
			n := len(s.conns)
			s.mu.Unlock()
			if n == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("server did not finish the connection after the client left")
			}
			time.Sleep(time.Millisecond)
		}
		<-drained
		if n := s.panics.Load(); n != 0 {
			t.Fatalf("%d panics", n)
		}
	})
}
