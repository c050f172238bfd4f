package sftp

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

// tmpFiles lists what the local-folder lake holds half-written.
func (fx *fixture) tmpFiles(t *testing.T) []string {
	t.Helper()
	des, err := os.ReadDir(filepath.Join(fx.dir, "lake", ".tmp"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, de := range des {
		out = append(out, de.Name())
	}
	return out
}

func TestAbortedUpload(t *testing.T) {
	fx := start(t)
	c, conn, err := fx.connect("writer", password(writerKey.Secret))
	if err != nil {
		t.Fatal(err)
	}
	f, err := c.Create("/landing/partial.bin")
	if err != nil {
		t.Fatal(err)
	}
	// Sequential writes: each is acknowledged, so the server holds them.
	if _, err := f.Write(randomBytes(1 << 20)); err != nil {
		t.Fatal(err)
	}
	if len(fx.tmpFiles(t)) == 0 {
		t.Fatal("no upload in progress in the lake's .tmp")
	}
	conn.Close() // the connection drops mid-upload
	c.Close()
	eventually(t, "the upload to be aborted", func() bool {
		return counter(fx.srv.metrics.uploads.WithLabelValues("failed")) == 1
	})
	if _, ok := fx.object(t, "landing", "partial.bin"); ok {
		t.Error("a cut-off upload became an object")
	}
	if ev := fx.events.named("landing", "partial.bin"); len(ev) != 0 {
		t.Errorf("events for a cut-off upload: %v", ev)
	}
	eventually(t, "the half-written file to be removed", func() bool { return len(fx.tmpFiles(t)) == 0 })
}

func TestOutOfOrderWrites(t *testing.T) {
	fx := start(t, func(o *Options) { o.MaxWriteBuffer = 256 << 10 })
	c := fx.client(t, "writer", []ssh.AuthMethod{ssh.PublicKeys(clientKey)})
	open := func(name string) interface {
		WriteAt([]byte, int64) (int, error)
		Close() error
	} {
		t.Helper()
		f, err := c.OpenFile("/landing/"+name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}

	t.Run("reordered", func(t *testing.T) {
		data := randomBytes(200_000)
		f := open("ooo.bin")
		for _, r := range [][2]int{{150_000, 200_000}, {40_000, 100_000}, {100_000, 150_000}, {0, 40_000}} {
			if _, err := f.WriteAt(data[r[0]:r[1]], int64(r[0])); err != nil {
				t.Fatalf("WriteAt %d: %v", r[0], err)
			}
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		if got, ok := fx.object(t, "landing", "ooo.bin"); !ok || !bytes.Equal(got, data) {
			t.Fatalf("object: %d bytes, %v", len(got), ok)
		}
	})

	refused := func(t *testing.T, name string, writes [][2]int64, want string) {
		t.Helper()
		f := open(name)
		var werr error
		for _, w := range writes {
			if _, err := f.WriteAt(make([]byte, w[1]), w[0]); err != nil {
				werr = err
				break
			}
		}
		cerr := f.Close()
		if err := firstErr(werr, cerr); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got write error %v and close error %v, want %q", werr, cerr, want)
		}
		if _, ok := fx.object(t, "landing", name); ok {
			t.Error("a refused upload became an object")
		}
	}
	t.Run("too far ahead", func(t *testing.T) {
		refused(t, "far.bin", [][2]int64{{0, 10}, {1 << 20, 10}}, "bytes ahead")
	})
	t.Run("backwards", func(t *testing.T) {
		refused(t, "back.bin", [][2]int64{{0, 100}, {50, 10}}, "front to back")
	})
	t.Run("gap", func(t *testing.T) {
		refused(t, "gap.bin", [][2]int64{{0, 10}, {20, 10}}, "bytes 10 to 19 never arrived")
	})
	t.Run("append", func(t *testing.T) {
		_, err := c.OpenFile("/landing/app.bin", os.O_WRONLY|os.O_APPEND|os.O_CREATE)
		if err == nil || !strings.Contains(err.Error(), "appending is not supported") {
			t.Errorf("open for append: %v", err)
		}
	})
	t.Run("exclusive", func(t *testing.T) {
		fx.putObject(t, "landing", "there.bin", []byte("x"))
		if _, err := c.OpenFile("/landing/there.bin", os.O_WRONLY|os.O_CREATE|os.O_EXCL); err == nil {
			t.Error("O_EXCL opened an existing file")
		}
	})
	t.Run("invalid targets", func(t *testing.T) {
		for _, p := range []string{"/landing", "/", "/nobucket/x", "/landing/" + strings.Repeat("k", 1100)} {
			if _, err := c.Create(p); err == nil {
				t.Errorf("create %s succeeded", p[:min(len(p), 40)])
			}
		}
		fx.putObject(t, "landing", "dir/x", []byte("x"))
		if _, err := c.Create("/landing/dir"); err == nil || !strings.Contains(err.Error(), "is a directory") {
			t.Errorf("create over a directory: %v", err)
		}
	})
	fx.srv.buffers.mu.Lock()
	n := fx.srv.buffers.used
	fx.srv.buffers.mu.Unlock()
	if n != 0 {
		t.Errorf("%d bytes of upload buffers not given back", n)
	}
	if tmp := fx.tmpFiles(t); len(tmp) != 0 {
		t.Errorf("half-written files left: %v", tmp)
	}
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func TestEmptyUpload(t *testing.T) {
	fx := start(t)
	c := fx.client(t, "writer", password(writerKey.Secret))
	f, err := c.Create("/landing/empty.csv")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if got, ok := fx.object(t, "landing", "empty.csv"); !ok || len(got) != 0 {
		t.Errorf("empty upload: %q %v", got, ok)
	}
}
