package main

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A second tarn serve on busy ports stops before it generates credentials
// or touches its data folder, naming every busy address in one error, and
// leaves the free ones free.
func TestServeBusyPorts(t *testing.T) {
	busy := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ln.Close() })
		return ln.Addr().String()
	}
	awsAddr, pgAddr, httpAddr := busy(), busy(), closedAddr(t)
	t.Setenv("TARN_ACCESS_KEY_ID", "")
	t.Setenv("TARN_SECRET_ACCESS_KEY", "")
	data := filepath.Join(t.TempDir(), "data")
	con, _, errOut := testConsole("")
	err := run(t.Context(), []string{"serve", "--data", data, "--aws-addr", awsAddr, "--http-addr", httpAddr, "--pg-addr", pgAddr, "--sftp-addr", closedAddr(t)}, con)
	want := "--aws-addr " + awsAddr + " is in use, --pg-addr " + pgAddr + " is in use: stop the other tarn or choose other addresses"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
	if strings.Contains(errOut.String(), "credentials") {
		t.Errorf("credentials generated before the ports were checked: %s", errOut)
	}
	if _, err := os.Stat(data); !os.IsNotExist(err) {
		t.Errorf("the data folder was made: %v", err)
	}
	ln, err := net.Listen("tcp", httpAddr)
	if err != nil {
		t.Fatalf("the free address was kept: %v", err)
	}
	ln.Close()
}
