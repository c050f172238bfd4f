package function

import (
	"bufio"
	"encoding/binary"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
)

// peerListener accepts only connections from sockets of one uid, so that
// processes of other users on the machine cannot take a function's
// invocations or answer for it. The owner of the peer socket comes from
// the kernel's socket diagnostics, or /proc/net/tcp where they are not
// served: both ends are on the loopback, so the peer's socket is there.
type peerListener struct {
	net.Listener
	uid uint32
}

func (l *peerListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		uid, ok := socketUID(c.RemoteAddr(), c.LocalAddr())
		if ok && uid == l.uid {
			return c, nil
		}
		c.Close()
	}
}

// socketUID finds the uid owning the TCP socket bound to local and
// connected to remote.
func socketUID(local, remote net.Addr) (uint32, bool) {
	la, err1 := netip.ParseAddrPort(local.String())
	ra, err2 := netip.ParseAddrPort(remote.String())
	if err1 != nil || err2 != nil || !la.Addr().Is4() || !ra.Addr().Is4() {
		return 0, false
	}
	if uid, ok := diagUID(la, ra); ok {
		return uid, true
	}
	f, err := os.Open("/proc/net/tcp")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// sl local_address rem_address st tx:rx tr:when retrnsmt uid ...
		fields := strings.Fields(sc.Text())
		if len(fields) < 8 || procAddr(fields[1]) != la || procAddr(fields[2]) != ra {
			continue
		}
		uid, err := strconv.ParseUint(fields[7], 10, 32)
		return uint32(uid), err == nil
	}
	return 0, false
}

// procAddr parses an address of /proc/net/tcp: the IPv4 address as a
// 32-bit number in the machine's byte order, and the port, both in hex.
func procAddr(s string) netip.AddrPort {
	ip, port, ok := strings.Cut(s, ":")
	if !ok || len(ip) != 8 {
		return netip.AddrPort{}
	}
	n, err := strconv.ParseUint(ip, 16, 32)
	if err != nil {
		return netip.AddrPort{}
	}
	var a [4]byte
	binary.NativeEndian.PutUint32(a[:], uint32(n))
	p, err := strconv.ParseUint(port, 16, 16)
	if err != nil {
		return netip.AddrPort{}
	}
	return netip.AddrPortFrom(netip.AddrFrom4(a), uint16(p))
}
