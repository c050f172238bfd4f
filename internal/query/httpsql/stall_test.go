package httpsql

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// A statement whose body stops arriving ends its request and connection.
func TestStalledBody(t *testing.T) {
	srv := httptest.NewServer(&Handler{Log: slog.New(slog.DiscardHandler), BodyTimeout: 200 * time.Millisecond,
		User: func(*http.Request) string { return "test" }})
	defer srv.Close()
	nc, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	io.WriteString(nc, "POST /v1/sql HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nSELECT")
	nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err = io.ReadAll(nc)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatal("a stalled statement kept its connection open")
	}
}
