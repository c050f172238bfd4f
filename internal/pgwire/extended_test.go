package pgwire

import (
	"context"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/tarnlake/tarn/internal/query"
)

// TestBindParams sends parameters of declared types in both formats and
// checks the Go values the engine receives.
func TestBindParams(t *testing.T) {
	_, eng, addr := startServer(t, Options{})
	conn := connect(t, connURL(addr, testKey, testSecret, "tarn", ""))
	ctx := context.Background()
	tm := pgtype.NewMap()
	ts := time.Date(2024, 2, 29, 13, 14, 15, 123456000, time.UTC)
	params := []struct {
		oid  uint32
		in   any
		want any
	}{
		{pgtype.Int8OID, int64(-42), int64(-42)},
		{pgtype.Int4OID, int32(7), int32(7)},
		{pgtype.Int2OID, int16(3), int16(3)},
		{pgtype.TextOID, "héllo", "héllo"},
		{pgtype.Float8OID, 2.5, 2.5},
		{pgtype.Float4OID, float32(0.25), float32(0.25)},
		{pgtype.BoolOID, true, true},
		{pgtype.ByteaOID, []byte{0, 1, 0xff}, []byte{0, 1, 0xff}},
		{pgtype.DateOID, time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)},
		{pgtype.TimestamptzOID, ts, ts},
		{pgtype.TimestampOID, ts, ts},
		{pgtype.NumericOID, pgtype.Numeric{Int: bigInt("-12345"), Exp: -3, Valid: true}, query.Decimal{Value: "-12345", Scale: 3}},
		{pgtype.UUIDOID, testUUID, testUUID},
		{pgtype.IntervalOID, pgtype.Interval{Months: 1, Days: 2, Microseconds: 3, Valid: true}, query.Interval{Months: 1, Days: 2, Micros: 3}},
		{pgtype.Int8ArrayOID, []int64{1, 2}, []any{int64(1), int64(2)}},
		{pgtype.TextArrayOID, []string{"a b", `q"`}, []any{"a b", `q"`}},
	}
	for _, format := range []int16{0, 1} {
		oids := make([]uint32, len(params))
		vals := make([][]byte, len(params))
		formats := make([]int16, len(params))
		var sql []string
		for i, p := range params {
			oids[i], formats[i] = p.oid, format
			b, err := tm.Encode(p.oid, format, p.in, nil)
			if err != nil {
				t.Fatalf("encode %v: %v", p.in, err)
			}
			vals[i] = b
			sql = append(sql, fmt.Sprintf("$%d::x", i+1))
		}
		q := "select " + strings.Join(sql, ", ")
		sd, err := conn.PgConn().Prepare(ctx, "p"+string(rune('0'+format)), q, oids)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(sd.ParamOIDs, oids) {
			t.Fatalf("described param OIDs %v, want %v", sd.ParamOIDs, oids)
		}
		rr := conn.PgConn().ExecPrepared(ctx, sd.Name, vals, formats, nil)
		if _, err := rr.Close(); err != nil {
			t.Fatal(err)
		}
		got := eng.lastArgs()
		for i, p := range params {
			if !reflect.DeepEqual(got[i], p.want) {
				t.Errorf("format %d, oid %d: engine got %#v, want %#v", format, p.oid, got[i], p.want)
			}
		}
	}
	// Parameters of unspecified type arrive as text strings, which pgx
	// sends in the text form of the Go value.
	var v int64
	if err := conn.QueryRow(ctx, "select $1::bigint", 42).Scan(&v); err != nil || v != 42 {
		t.Fatalf("untyped parameter: %v %v", v, err)
	}
	if got := eng.lastArgs(); !reflect.DeepEqual(got, []any{"42"}) {
		t.Errorf("untyped parameter arrived as %#v", got)
	}
	if err := conn.QueryRow(ctx, "select $1::bigint", "x").Scan(&v); err == nil {
		t.Error("bad bigint went through")
	}
}

func bigInt(s string) *big.Int { n, _ := new(big.Int).SetString(s, 10); return n }

func TestPortalRowLimit(t *testing.T) {
	_, _, addr := startServer(t, Options{Auth: "password"})
	c := dialRaw(t, addr)
	c.login(testKey, testSecret)
	c.send(&pgproto3.Parse{Name: "s", Query: "select n from series"},
		&pgproto3.Bind{PreparedStatement: "s", ResultFormatCodes: []int16{1}},
		&pgproto3.Describe{ObjectType: 'P'},
		&pgproto3.Execute{MaxRows: 2}, &pgproto3.Execute{MaxRows: 2}, &pgproto3.Execute{MaxRows: 2},
		&pgproto3.Execute{}, &pgproto3.Sync{})
	tr, msgs := c.trace()
	if tr != "1 2 T D D s D D s D C C Z" {
		t.Fatalf("trace %q", tr)
	}
	if f := msgs[2].(*pgproto3.RowDescription).Fields[0]; f.Format != 1 || f.DataTypeOID != oidInt8 {
		t.Errorf("field %+v", f)
	}
	if v := msgs[9].(*pgproto3.DataRow).Values[0]; len(v) != 8 || v[7] != 5 {
		t.Errorf("last row %v", v)
	}
	if tag := string(msgs[10].(*pgproto3.CommandComplete).CommandTag); tag != "SELECT 1" {
		t.Errorf("tag %q", tag)
	}
	if tag := string(msgs[11].(*pgproto3.CommandComplete).CommandTag); tag != "SELECT 0" {
		t.Errorf("tag of a finished portal %q", tag)
	}
	if tx := msgs[12].(*pgproto3.ReadyForQuery).TxStatus; tx != 'I' {
		t.Errorf("tx %c", tx)
	}
	// After Sync the implicit transaction ended and took the portal along.
	c.send(&pgproto3.Execute{}, &pgproto3.Sync{})
	if tr, msgs := c.trace(); tr != "E Z" || msgs[0].(*pgproto3.ErrorResponse).Code != "34000" {
		t.Fatalf("trace %q", tr)
	}
	// An error skips everything up to Sync; the statement survives.
	c.send(&pgproto3.Bind{PreparedStatement: "nope"}, &pgproto3.Execute{}, &pgproto3.Parse{Query: "select 1"},
		&pgproto3.Sync{}, &pgproto3.Bind{PreparedStatement: "s"}, &pgproto3.Execute{MaxRows: 1}, &pgproto3.Close{ObjectType: 'P'},
		&pgproto3.Close{ObjectType: 'S', Name: "s"}, &pgproto3.Sync{})
	if tr, _ := c.trace(); tr != "E Z" {
		t.Fatalf("trace %q", tr)
	}
	if tr, _ := c.trace(); tr != "2 D s 3 3 Z" {
		t.Fatalf("trace %q", tr)
	}
	c.send(&pgproto3.Parse{Query: ""}, &pgproto3.Bind{}, &pgproto3.Describe{ObjectType: 'S'}, &pgproto3.Execute{},
		&pgproto3.Parse{Query: "select 1; select 2"}, &pgproto3.Sync{})
	if tr, _ := c.trace(); tr != "1 2 t n I E Z" {
		t.Fatalf("trace %q", tr)
	}
}

func TestErrors(t *testing.T) {
	_, _, addr := startServer(t, Options{})
	conn := connect(t, connURL(addr, testKey, testSecret, "tarn", ""))
	ctx := context.Background()
	_, err := conn.Exec(ctx, "selec 1")
	if pe := pgErr(t, err, "42601"); pe.Position != 1 || pe.Severity != "ERROR" {
		t.Errorf("position %d severity %s", pe.Position, pe.Severity)
	}
	_, err = conn.Exec(ctx, "select 1;\n  selec 1", pgx.QueryExecModeSimpleProtocol)
	if pe := pgErr(t, err, "42601"); pe.Position != 13 {
		t.Errorf("position %d in a multi-statement query, want 13", pe.Position)
	}
	_, err = conn.Exec(ctx, "select x from nowhere")
	pgErr(t, err, "42P01")
	rows, _ := conn.Query(ctx, "select fail")
	for rows.Next() {
	}
	pgErr(t, rows.Err(), "22012")
	var n int
	if err := conn.QueryRow(ctx, "select 1").Scan(&n); err != nil || n != 1 {
		t.Fatalf("after errors: %v", err)
	}
}

func TestTransactionStatus(t *testing.T) {
	_, _, addr := startServer(t, Options{})
	conn := connect(t, connURL(addr, testKey, testSecret, "tarn", ""))
	ctx := context.Background()
	pc := conn.PgConn()
	tx, err := conn.Begin(ctx)
	if err != nil || pc.TxStatus() != 'T' {
		t.Fatalf("begin: %v %c", err, pc.TxStatus())
	}
	if _, err := tx.Exec(ctx, "insert into t values (1)"); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "selec 1"); err == nil || pc.TxStatus() != 'E' {
		t.Fatalf("failed statement: %v %c", err, pc.TxStatus())
	}
	_, err = tx.Exec(ctx, "select 1")
	pgErr(t, err, "25P02")
	if err := tx.Commit(ctx); err == nil || pc.TxStatus() != 'I' {
		t.Fatalf("commit of a failed transaction: %v %c", err, pc.TxStatus())
	}
	tx, _ = conn.Begin(ctx)
	if err := tx.Commit(ctx); err != nil || pc.TxStatus() != 'I' {
		t.Fatalf("commit: %v %c", err, pc.TxStatus())
	}
	tag, err := conn.Exec(ctx, "begin; insert into t values (1); commit", pgx.QueryExecModeSimpleProtocol)
	if err != nil || tag.String() != "COMMIT" || pc.TxStatus() != 'I' {
		t.Fatalf("batch: %v %q %c", err, tag, pc.TxStatus())
	}
	if tag, err := conn.Exec(ctx, "create table t (a int)"); err != nil || tag.String() != "CREATE TABLE" {
		t.Fatalf("ddl: %v %q", err, tag)
	}
}

func TestCancelRequest(t *testing.T) {
	_, eng, addr := startServer(t, Options{})
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeSimpleProtocol, pgx.QueryExecModeCacheStatement} {
		conn := connect(t, connURL(addr, testKey, testSecret, "tarn", ""))
		ctx := context.Background()
		done := make(chan error, 1)
		go func() {
			_, err := conn.Exec(ctx, "select pg_sleep(10)", mode)
			done <- err
		}()
		select {
		case <-eng.cancelled:
			t.Fatal("cancelled too early")
		case <-time.After(200 * time.Millisecond):
		}
		if err := conn.PgConn().CancelRequest(ctx); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-done:
			if pe := pgErr(t, err, "57014"); pe.Message != "canceling statement due to user request" {
				t.Errorf("message %q", pe.Message)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("cancel did not stop the statement")
		}
		<-eng.cancelled
		var n int
		if err := conn.QueryRow(ctx, "select 1").Scan(&n); err != nil {
			t.Fatalf("after cancel: %v", err)
		}
	}
}

func TestNumericBinaryRoundTrip(t *testing.T) {
	for _, s := range []string{"0", "-0.00", "1", "-1", "12345.678", "0.0001", "0.00001", "10000", "99999999",
		"1.5", "-123.45", "170141183460469231731687303715884105727", "0.000000000012"} {
		b, err := appendNumeric(nil, s)
		if err != nil {
			t.Fatal(s, err)
		}
		v, err := decodeNumeric(b)
		if err != nil {
			t.Fatal(s, err)
		}
		d := v.(query.Decimal)
		want := strings.TrimLeft(s, "-")
		if strings.Trim(want, "0.") == "" {
			want = strings.TrimPrefix(s, "-")
		} else if s[0] == '-' {
			want = s
		}
		if got := string(appendDecimal(nil, d)); got != want {
			t.Errorf("%s: round trip %s", s, got)
		}
		var n pgtype.Numeric
		if err := pgtype.NewMap().Scan(pgtype.NumericOID, 1, b, &n); err != nil {
			t.Fatalf("%s: pgx decode: %v", s, err)
		}
		if f, _ := n.Float64Value(); math.Abs(f.Float64) > 0 && s == "0" {
			t.Errorf("%s: pgx reads %v", s, f)
		}
	}
}
