package pgwire

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

const tCSV = "a,b\n1,\"x,y\"\n2,\"say \"\"hi\"\"\tnow\nok\"\n,\"\"\n4,\n"

func TestCopyTo(t *testing.T) {
	_, _, addr := startServer(t, Options{})
	conn := connect(t, connURL(addr, testKey, testSecret, "tarn", ""))
	ctx := context.Background()
	for _, c := range []struct{ sql, want string }{
		{"COPY (select * from t) TO STDOUT WITH (FORMAT csv, HEADER)", tCSV},
		{"copy ( select * from t ) to stdout with csv header", tCSV},
		{"COPY t TO STDOUT", "1\tx,y\n2\tsay \"hi\"\\tnow\\nok\n\\N\t\n4\t\\N\n"},
		{"COPY t (a, b) TO STDOUT (FORMAT text, HEADER true, NULL 'nil')", "a\tb\n1\tx,y\n2\tsay \"hi\"\\tnow\\nok\nnil\t\n4\tnil\n"},
		{"COPY (select n from series) TO STDOUT WITH (DELIMITER '|', FORMAT 'csv', FORCE_QUOTE *)", "\"1\"\n\"2\"\n\"3\"\n\"4\"\n\"5\"\n"},
		{"COPY (select n from series) TO STDOUT WITH DELIMITER AS ';' CSV", "1\n2\n3\n4\n5\n"},
	} {
		var buf bytes.Buffer
		tag, err := conn.PgConn().CopyTo(ctx, &buf, c.sql)
		if err != nil {
			t.Fatalf("%s: %v", c.sql, err)
		}
		if buf.String() != c.want {
			t.Errorf("%s:\n%q\nwant\n%q", c.sql, buf.String(), c.want)
		}
		if !strings.HasPrefix(tag.String(), "COPY ") {
			t.Errorf("tag %q", tag)
		}
	}
	var buf bytes.Buffer
	if _, err := conn.PgConn().CopyTo(ctx, &buf, "COPY (select n from series) TO STDOUT (FORMAT binary)"); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	if !bytes.HasPrefix(b, []byte(binaryCopySignature)) || len(b) != 19+5*(2+4+8)+2 || !bytes.HasSuffix(b, []byte{0xff, 0xff}) {
		t.Errorf("binary copy % x", b)
	}
	_, err := conn.PgConn().CopyTo(ctx, &buf, "COPY t FROM STDIN")
	pgErr(t, err, "0A000")
	_, err = conn.PgConn().CopyTo(ctx, &buf, "COPY t TO STDOUT (FORMAT xml)")
	pgErr(t, err, "42601")
	_, err = conn.PgConn().CopyTo(ctx, &buf, "COPY (selec 1) TO STDOUT")
	if pe := pgErr(t, err, "42601"); pe.Position != 7 {
		t.Errorf("position %d of an error inside COPY", pe.Position)
	}
	var n int
	if err := conn.QueryRow(ctx, "select 1").Scan(&n); err != nil {
		t.Fatal(err)
	}
}

func TestCopyExtended(t *testing.T) {
	_, _, addr := startServer(t, Options{Auth: "password"})
	c := dialRaw(t, addr)
	c.login(testKey, testSecret)
	c.send(&pgproto3.Parse{Query: "COPY (select n from series) TO STDOUT"}, &pgproto3.Bind{},
		&pgproto3.Describe{ObjectType: 'P'}, &pgproto3.Execute{}, &pgproto3.Sync{})
	tr, msgs := c.trace()
	if tr != "1 2 n H d d d d d c C Z" {
		t.Fatalf("trace %q", tr)
	}
	if d := string(msgs[4].(*pgproto3.CopyData).Data); d != "1\n" {
		t.Errorf("first row %q", d)
	}
	if tag := string(msgs[10].(*pgproto3.CommandComplete).CommandTag); tag != "COPY 5" {
		t.Errorf("tag %q", tag)
	}
}

func TestTLS(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "tarn"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), DNSNames: []string{"localhost"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	_, _, addr := startServer(t, Options{TLS: cfg})
	url := strings.Replace(connURL(addr, testKey, testSecret, "tarn", ""), "sslmode=disable", "sslmode=require", 1)
	conn := connect(t, url)
	if _, ok := conn.PgConn().Conn().(*tls.Conn); !ok {
		t.Fatalf("connection is %T, not TLS", conn.PgConn().Conn())
	}
	var n int
	if err := conn.QueryRow(context.Background(), "select 1").Scan(&n); err != nil || n != 1 {
		t.Fatal(n, err)
	}
	// Without TLS configured, sslmode=require is refused with 'N'.
	_, _, plain := startServer(t, Options{})
	url = strings.Replace(connURL(plain, testKey, testSecret, "tarn", ""), "sslmode=disable", "sslmode=require", 1)
	if c, err := connectErr(url); err == nil {
		c.Close(context.Background())
		t.Fatal("sslmode=require connected to a server without TLS")
	}
}
