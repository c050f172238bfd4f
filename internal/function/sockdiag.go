package function

import (
	"encoding/binary"
	"net/netip"

	"golang.org/x/sys/unix"
)

// diagUID asks the kernel (NETLINK_SOCK_DIAG, an exact lookup rather than
// a scan of every socket) for the uid owning the IPv4 TCP socket bound to
// local and connected to remote.
func diagUID(local, remote netip.AddrPort) (uint32, bool) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, unix.NETLINK_SOCK_DIAG)
	if err != nil {
		return 0, false
	}
	defer unix.Close(fd)
	// nlmsghdr (16) + inet_diag_req_v2 (56).
	req := make([]byte, 16+56)
	binary.NativeEndian.PutUint32(req[0:], uint32(len(req)))
	binary.NativeEndian.PutUint16(req[4:], 20) // SOCK_DIAG_BY_FAMILY
	binary.NativeEndian.PutUint16(req[6:], unix.NLM_F_REQUEST)
	r := req[16:]
	r[0], r[1] = unix.AF_INET, unix.IPPROTO_TCP
	binary.NativeEndian.PutUint32(r[4:], 0xffffffff) // every state
	id := r[8:]                                      // inet_diag_sockid: ports and addresses in network order
	binary.BigEndian.PutUint16(id[0:], local.Port())
	binary.BigEndian.PutUint16(id[2:], remote.Port())
	l4, r4 := local.Addr().As4(), remote.Addr().As4()
	copy(id[4:], l4[:])
	copy(id[20:], r4[:])
	binary.NativeEndian.PutUint32(id[40:], 0xffffffff) // no cookie
	binary.NativeEndian.PutUint32(id[44:], 0xffffffff)
	if err := unix.Sendto(fd, req, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return 0, false
	}
	buf := make([]byte, 4096)
	n, _, err := unix.Recvfrom(fd, buf, 0)
	if err != nil || n < 16+72 {
		return 0, false
	}
	if typ := binary.NativeEndian.Uint16(buf[4:]); typ != 20 {
		return 0, false // an error or no such socket
	}
	// inet_diag_msg: family, state, timer, retrans (4), id (48), expires,
	// rqueue, wqueue (12), uid.
	return binary.NativeEndian.Uint32(buf[16+64:]), true
}
