package pgwire

import (
	"context"
	"errors"
	"math/big"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

func connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func connectErr(url string) (*pgx.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return pgx.Connect(ctx, url)
}

func pgErr(t *testing.T, err error, code string) *pgconn.PgError {
	t.Helper()
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != code {
		t.Fatalf("error %v, want SQLSTATE %s", err, code)
	}
	return pe
}

func TestPgxAuth(t *testing.T) {
	for _, auth := range []string{"", "password"} {
		t.Run("auth="+auth, func(t *testing.T) {
			_, eng, addr := startServer(t, Options{Auth: auth})
			conn := connect(t, connURL(addr, testKey, testSecret, "tarn", "application_name=tester"))
			var n int
			if err := conn.QueryRow(context.Background(), "select 1").Scan(&n); err != nil || n != 1 {
				t.Fatalf("select 1: %d, %v", n, err)
			}
			pc := conn.PgConn()
			for k, want := range map[string]string{"server_version": "16.0 (tarn)", "TimeZone": "UTC",
				"application_name": "tester", "session_authorization": testKey, "integer_datetimes": "on"} {
				if got := pc.ParameterStatus(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			if pc.PID() == 0 {
				t.Error("no BackendKeyData")
			}
			conn.Close(context.Background())
			deadline := time.Now().Add(5 * time.Second)
			for eng.openSessions() != 0 && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			if eng.openSessions() != 0 {
				t.Error("session not closed after Terminate")
			}
		})
	}
}

func TestPgxAuthFailures(t *testing.T) {
	for _, auth := range []string{"scram-sha-256", "password"} {
		_, _, addr := startServer(t, Options{Auth: auth, MaxConns: 1})
		ctx := context.Background()
		for _, c := range []struct{ user, pass, db, code string }{
			{testKey, "wrong", "tarn", "28P01"},
			{"nobody", testSecret, "tarn", "28P01"},
			{testKey, testSecret, "other", "3D000"},
			{"nosession", testSecret, "tarn", "XX000"},
		} {
			_, err := pgx.Connect(ctx, connURL(addr, c.user, c.pass, c.db, ""))
			pe := pgErr(t, err, c.code)
			if c.code == "28P01" && pe.Message != `password authentication failed for user "`+c.user+`"` {
				t.Errorf("message %q", pe.Message)
			}
		}
		connect(t, connURL(addr, testKey, testSecret, "tarn", ""))
		_, err := pgx.Connect(ctx, connURL(addr, testKey, testSecret, "tarn", ""))
		pgErr(t, err, "53300")
	}
}

func TestStartupOptions(t *testing.T) {
	_, eng, addr := startServer(t, Options{})
	connect(t, connURL(addr, testKey, testSecret, "tarn", "options="+"-c%20x%3Dy"))
	eng.mu.Lock()
	ran := slices.Contains(eng.stmts, "SET x = 'y'")
	eng.mu.Unlock()
	if !ran {
		t.Error("options did not run SET x = 'y'")
	}
	_, err := connectErr(connURL(addr, testKey, testSecret, "tarn", "options=--bad%3D1"))
	pgErr(t, err, "42704")
	_, err = connectErr(connURL(addr, testKey, testSecret, "tarn", "options=nonsense"))
	pgErr(t, err, "22023")
}

func TestPgxProtocol32Negotiation(t *testing.T) {
	_, _, addr := startServer(t, Options{})
	conn := connect(t, connURL(addr, testKey, testSecret, "tarn", "max_protocol_version=latest"))
	if _, err := conn.Exec(context.Background(), "select 1"); err != nil {
		t.Fatal(err)
	}
}

// TestPgxBinaryTypes reads every type in the binary formats pgx asks for.
func TestPgxBinaryTypes(t *testing.T) {
	_, _, addr := startServer(t, Options{})
	conn := connect(t, connURL(addr, testKey, testSecret, "tarn", ""))
	var (
		b             bool
		i2            int16
		i4            int32
		i8, ut        int64
		f4            float32
		f8            float64
		dec, huge, ub pgtype.Numeric
		s, st, m      string
		by            []byte
		d, ts, tstz   time.Time
		tm            pgtype.Time
		iv            pgtype.Interval
		u             [16]byte
		j             map[string]any
		li            []*int64
		ls            []*string
	)
	rows, err := conn.Query(context.Background(), "select * from types")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rows.FieldDescriptions() {
		if f.Format != 1 && f.DataTypeOID != oidText && f.DataTypeOID != oidJSON {
			t.Errorf("column %s (oid %d) not in binary", f.Name, f.DataTypeOID)
		}
	}
	if !rows.Next() {
		t.Fatal(rows.Err())
	}
	if err := rows.Scan(&b, &i2, &i4, &i8, &f4, &f8, &dec, &huge, &s, &by, &d, &tm, &ts, &tstz, &iv, &u, &j, &li, &ls, &st, &m, &ub, &ut); err != nil {
		t.Fatal(err)
	}
	check := func(name string, got, want any) {
		t.Helper()
		if got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	check("b", b, true)
	check("i2", i2, int16(-2))
	check("i4", i4, int32(4))
	check("i8", i8, int64(1<<40))
	check("f4", f4, float32(1.5))
	check("f8", f8, 3.25)
	check("dec", dec.Int.String()+"e"+big.NewInt(int64(dec.Exp)).String(), "-12345e-2")
	check("huge", new(big.Int).Mul(huge.Int, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(huge.Exp)), nil)).String(), hugeInt.String())
	check("ub", ub.Int.String()+"e"+big.NewInt(int64(ub.Exp)).String(), "18446744073709551615e0")
	check("s", s, `hello, "world"`)
	check("by", string(by), "\xde\xad\xbe\xef")
	check("d", d.Format(time.DateOnly), "2024-02-29")
	check("t", tm.Microseconds, int64((13*3600+14*60+15)*1e6+5e5))
	check("ts", ts.Format(time.RFC3339Nano), "2024-02-29T13:14:15.123456Z")
	check("tstz", tstz.UTC().Format(time.RFC3339), "2024-02-29T11:14:15Z")
	check("iv", iv, pgtype.Interval{Months: 14, Days: 3, Microseconds: (4*3600 + 5*60 + 6) * 1e6, Valid: true})
	check("u", u, testUUID)
	check("j", j["a"], float64(1))
	check("li", len(li) == 3 && *li[0] == 1 && li[1] == nil && *li[2] == 3, true)
	check("ls", len(ls) == 4 && *ls[1] == "b c" && ls[2] == nil && *ls[3] == "", true)
	check("st", st, `{"y": "z", "x": 1}`)
	check("m", m, `{"k": 7}`)
	check("ut", ut, int64(255))
	if !rows.Next() {
		t.Fatal("no NULL row", rows.Err())
	}
	vals, err := rows.Values()
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range vals {
		if v != nil {
			t.Errorf("column %d of the NULL row: %v", i, v)
		}
	}
	if rows.Next() || rows.Err() != nil {
		t.Fatal("extra rows", rows.Err())
	}
	if tag := rows.CommandTag(); tag.String() != "SELECT 2" {
		t.Errorf("tag %q", tag)
	}
}

// TestTextFormats checks the text encodings through the simple protocol
// and through the extended protocol with text result formats.
func TestTextFormats(t *testing.T) {
	_, _, addr := startServer(t, Options{})
	conn := connect(t, connURL(addr, testKey, testSecret, "tarn", ""))
	ctx := context.Background()
	check := func(name string, rr *pgconn.ResultReader) {
		t.Helper()
		if !rr.NextRow() {
			_, err := rr.Close()
			t.Fatalf("%s: no row: %v", name, err)
		}
		for i, v := range rr.Values() {
			if string(v) != typeText[i] {
				t.Errorf("%s: column %s = %q, want %q", name, typeCols[i].Name, v, typeText[i])
			}
		}
		if !rr.NextRow() {
			t.Fatalf("%s: no NULL row", name)
		}
		for i, v := range rr.Values() {
			if v != nil {
				t.Errorf("%s: NULL row column %d = %q", name, i, v)
			}
		}
		if _, err := rr.Close(); err != nil {
			t.Fatal(err)
		}
	}
	check("extended", conn.PgConn().ExecParams(ctx, "select * from types", nil, nil, nil, []int16{0}))
	mrr := conn.PgConn().Exec(ctx, "select * from types")
	if !mrr.NextResult() {
		t.Fatal(mrr.Close())
	}
	check("simple", mrr.ResultReader())
	if err := mrr.Close(); err != nil {
		t.Fatal(err)
	}
	// pgx's own text decoding agrees.
	var li []*int64
	var ls []*string
	var iv pgtype.Interval
	row := conn.QueryRow(ctx, "select * from types", pgx.QueryExecModeSimpleProtocol)
	vals := make([]any, len(typeCols))
	for i := range vals {
		vals[i] = new(any)
	}
	vals[14], vals[17], vals[18] = &iv, &li, &ls
	if err := row.Scan(vals...); err != nil {
		t.Fatal(err)
	}
	if iv.Months != 14 || iv.Days != 3 || len(li) != 3 || *li[0] != 1 || li[1] != nil || *ls[1] != "b c" {
		t.Errorf("simple-protocol scan: %v %v %v", iv, li, ls)
	}
}
