package function

import (
	"net"
	"net/netip"
	"os"
	"testing"
)

// The kernel's socket diagnostics and /proc/net/tcp name the same owner
// for a loopback connection's client socket; a socket that is not there
// is found by neither.
func TestDiagUID(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	client := netip.MustParseAddrPort(c.LocalAddr().String())
	server := netip.MustParseAddrPort(c.RemoteAddr().String())
	uid, ok := diagUID(client, server)
	if !ok || uid != uint32(os.Getuid()) {
		t.Fatalf("diagUID: %d %v, want %d", uid, ok, os.Getuid())
	}
	if _, ok := diagUID(netip.AddrPortFrom(client.Addr(), 1), server); ok {
		t.Fatal("a socket that does not exist was found")
	}
	// The fallback agrees.
	if uid, ok := socketUID(s.RemoteAddr(), s.LocalAddr()); !ok || uid != uint32(os.Getuid()) {
		t.Fatalf("socketUID: %d %v", uid, ok)
	}
}
