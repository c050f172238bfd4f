package sftp

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/authlimit"
	"github.com/tarnlake/tarn/internal/lake"
)

func TestLogin(t *testing.T) {
	fx := start(t)
	for _, c := range []struct {
		name, user string
		auth       []ssh.AuthMethod
		ok         bool
	}{
		{"password by key id", writerKey.ID, password(writerKey.Secret), true},
		{"password by key name", "writer", password(writerKey.Secret), true},
		{"root by name", "root", password(rootKey.Secret), true},
		{"public key", "writer", []ssh.AuthMethod{ssh.PublicKeys(clientKey)}, true},
		{"public key by id", writerKey.ID, []ssh.AuthMethod{ssh.PublicKeys(clientKey)}, true},
		{"wrong password", "writer", password("nope"), false},
		{"another key's secret", "writer", password(readerKey.Secret), false},
		{"unknown user", "nobody", password("writer-secret"), false},
		{"key not on file", "reader", []ssh.AuthMethod{ssh.PublicKeys(clientKey)}, false},
		{"empty password", "writer", password(""), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			cl, conn, err := fx.connect(c.user, c.auth)
			if c.ok != (err == nil) {
				t.Fatalf("login: err = %v, want ok=%v", err, c.ok)
			}
			if err == nil {
				if _, err := cl.Getwd(); err != nil {
					t.Errorf("getwd: %v", err)
				}
				cl.Close()
				conn.Close()
			}
		})
	}
}

// An unknown user and a wrong password look alike to the client.
func TestLoginFailuresAlike(t *testing.T) {
	fx := start(t)
	_, _, unknown := fx.connect("nobody", password("x"))
	_, _, wrong := fx.connect("writer", password("x"))
	if unknown == nil || wrong == nil || unknown.Error() != wrong.Error() {
		t.Errorf("unknown user: %v; wrong password: %v", unknown, wrong)
	}
}

func TestLoginThrottled(t *testing.T) {
	fx := start(t, func(o *Options) { o.Limiter = authlimit.New(authlimit.Options{Free: 2, Base: time.Minute}) })
	for range 2 {
		if _, _, err := fx.connect("writer", password("guess")); err == nil {
			t.Fatal("a wrong password logged in")
		}
	}
	// Backing off now: even the right password is not checked.
	if _, _, err := fx.connect("writer", password(writerKey.Secret)); err == nil {
		t.Fatal("the right password logged in during the backoff")
	}
	// Another key from the same address is not locked out.
	fx.client(t, "reader", password(readerKey.Secret))
	if n := counter(fx.srv.metrics.logins.WithLabelValues("throttled")); n != 1 {
		t.Errorf("throttled logins = %v, want 1", n)
	}
}

func TestListBuckets(t *testing.T) {
	fx := start(t)
	for user, want := range map[string][]string{
		"root":    {"lake", "landing", "secret"},
		"writer":  {"lake", "landing"},
		"reader":  {"landing"},
		"dropbox": {"landing"},
	} {
		t.Run(user, func(t *testing.T) {
			secret := map[string]string{"root": rootKey.Secret, "writer": writerKey.Secret, "reader": readerKey.Secret,
				"dropbox": dropKey.Secret}[user]
			c := fx.client(t, user, password(secret))
			fis, err := c.ReadDir("/")
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, fi := range fis {
				if !fi.IsDir() {
					t.Errorf("%s is not a directory", fi.Name())
				}
				got = append(got, fi.Name())
			}
			sort.Strings(got)
			if !slices.Equal(got, want) {
				t.Errorf("buckets %v, want %v", got, want)
			}
			if _, err := c.Stat("/secret"); user != "root" && !errors.Is(err, os.ErrPermission) {
				t.Errorf("stat /secret: %v, want permission denied", err)
			}
		})
	}
}

func TestPutGet(t *testing.T) {
	fx := start(t)
	for _, concurrent := range []bool{false, true} {
		name := "sequential writes"
		if concurrent {
			name = "concurrent writes"
		}
		t.Run(name, func(t *testing.T) {
			c := fx.client(t, "writer", []ssh.AuthMethod{ssh.PublicKeys(clientKey)},
				sftp.UseConcurrentWrites(concurrent), sftp.UseConcurrentReads(true))
			data := randomBytes(3<<20 + 12345)
			key := "in/" + strings.ReplaceAll(name, " ", "-") + ".csv"
			f, err := c.Create("/landing/" + key)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.ReadFrom(bytes.NewReader(data)); err != nil {
				t.Fatal(err)
			}
			if _, ok := fx.object(t, "landing", key); ok {
				t.Fatal("the object exists before the file is closed")
			}
			if err := f.Close(); err != nil {
				t.Fatalf("close: %v", err)
			}
			if got, ok := fx.object(t, "landing", key); !ok || !bytes.Equal(got, data) {
				t.Fatalf("object: %d bytes (exists %v), want %d", len(got), ok, len(data))
			}
			if ev := fx.events.named("landing", key); !slices.Equal(ev, []string{"ObjectCreated:Put"}) {
				t.Errorf("events %v, want one ObjectCreated:Put", ev)
			}
			oi, _ := fx.store.Head(t.Context(), "landing", key)
			if want := mime.TypeByExtension(".csv"); oi.ContentType != want {
				t.Errorf("content type %q", oi.ContentType)
			}

			fi, err := c.Stat("/landing/" + key)
			if err != nil || fi.Size() != int64(len(data)) || fi.IsDir() {
				t.Fatalf("stat: %v %v", fi, err)
			}
			if fi, err := c.Stat("/landing/in"); err != nil || !fi.IsDir() {
				t.Fatalf("stat of the prefix: %v %v", fi, err)
			}
			r, err := c.Open("/landing/" + key)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			var got bytes.Buffer
			if _, err := r.WriteTo(&got); err != nil || !bytes.Equal(got.Bytes(), data) {
				t.Fatalf("get: %d bytes, %v", got.Len(), err)
			}
			// Reads anywhere, backwards too, and past the end.
			for _, off := range []int64{int64(len(data)) - 10, 5, 1 << 20, 0, 2<<20 + 7} {
				b := make([]byte, 1000)
				n, err := r.ReadAt(b, off)
				want := data[off:min(off+1000, int64(len(data)))]
				if !bytes.Equal(b[:n], want) || (err != nil && err != io.EOF) {
					t.Fatalf("ReadAt %d: %d bytes, %v", off, n, err)
				}
			}
			if n, err := r.ReadAt(make([]byte, 10), int64(len(data))); n != 0 || err != io.EOF {
				t.Errorf("ReadAt at the end: %d, %v", n, err)
			}
		})
	}
}

func TestListDirectory(t *testing.T) {
	fx := start(t)
	for _, k := range []string{"a.csv", "b/1.csv", "b/2.csv", "b/c/3.csv", "d/"} {
		fx.putObject(t, "landing", k, []byte(k))
	}
	c := fx.client(t, "reader", password(readerKey.Secret))
	for dir, want := range map[string][]string{
		"/landing":   {"a.csv", "b/", "d/"},
		"/landing/b": {"1.csv", "2.csv", "c/"},
		"/landing/d": nil, // the S3 console's folder marker "d/": a directory, not a file ""
	} {
		fis, err := c.ReadDir(dir)
		if err != nil {
			t.Fatalf("ls %s: %v", dir, err)
		}
		var got []string
		for _, fi := range fis {
			n := fi.Name()
			if fi.IsDir() {
				n += "/"
			}
			got = append(got, n)
		}
		sort.Strings(got)
		if !slices.Equal(got, want) {
			t.Errorf("ls %s: %v, want %v", dir, got, want)
		}
	}
	if _, err := c.ReadDir("/landing/nope"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("ls of a missing directory: %v", err)
	}
	if _, err := c.ReadDir("/landing/a.csv"); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("ls of a file: %v", err)
	}
	if _, err := c.ReadDir("/nobucket"); !errors.Is(err, os.ErrPermission) {
		t.Errorf("ls of a bucket not granted: %v", err)
	}
}

func TestListManyPages(t *testing.T) {
	fx := start(t)
	const n = listPage + 17 // pkg/sftp reads 100 at a time: crosses a page
	for i := range n {
		fx.putObject(t, "lake", "many/"+strings.Repeat("x", i%7)+strconv.Itoa(i), nil)
	}
	c := fx.client(t, "writer", password(writerKey.Secret))
	fis, err := c.ReadDir("/lake/many")
	if err != nil || len(fis) != n {
		t.Fatalf("ls: %d entries, %v; want %d", len(fis), err, n)
	}
	seen := map[string]bool{}
	for _, fi := range fis {
		if seen[fi.Name()] {
			t.Fatalf("%s listed twice", fi.Name())
		}
		seen[fi.Name()] = true
	}
}

func TestRename(t *testing.T) {
	fx := start(t)
	c := fx.client(t, "writer", password(writerKey.Secret))
	data := []byte("id,amount\n1,2\n")
	fx.putObject(t, "landing", "in/sales.csv", data)
	ctx := t.Context()
	if err := fx.store.SetObjectTags(ctx, "landing", "in/sales.csv", map[string]string{"source": "sftp"}); err != nil {
		t.Fatal(err)
	}

	t.Run("move across buckets", func(t *testing.T) {
		if err := c.Rename("/landing/in/sales.csv", "/lake/sales/2026.csv"); err != nil {
			t.Fatal(err)
		}
		if _, ok := fx.object(t, "landing", "in/sales.csv"); ok {
			t.Error("the source is still there")
		}
		if got, ok := fx.object(t, "lake", "sales/2026.csv"); !ok || !bytes.Equal(got, data) {
			t.Errorf("target %q %v", got, ok)
		}
		if ev := fx.events.named("lake", "sales/2026.csv"); !slices.Equal(ev, []string{"ObjectCreated:Copy"}) {
			t.Errorf("target events %v", ev)
		}
		if ev := fx.events.named("landing", "in/sales.csv"); !slices.Contains(ev, "ObjectRemoved:Delete") {
			t.Errorf("source events %v", ev)
		}
		if tags, _ := fx.store.ObjectTags(ctx, "lake", "sales/2026.csv"); tags["source"] != "sftp" {
			t.Errorf("tags not moved: %v", tags)
		}
	})
	t.Run("onto an existing file", func(t *testing.T) {
		fx.putObject(t, "lake", "x", []byte("x"))
		fx.putObject(t, "lake", "y", []byte("y"))
		// SFTP's rename refuses to replace; OpenSSH's posix-rename replaces.
		if err := c.Rename("/lake/x", "/lake/y"); err == nil {
			t.Error("rename replaced an existing file")
		}
		if err := c.PosixRename("/lake/x", "/lake/y"); err != nil {
			t.Fatal(err)
		}
		if got, _ := fx.object(t, "lake", "y"); string(got) != "x" {
			t.Errorf("y = %q after posix-rename", got)
		}
	})
	t.Run("a directory", func(t *testing.T) {
		err := c.Rename("/lake/sales", "/lake/sales2")
		if err == nil || !strings.Contains(err.Error(), "renaming a directory is not supported") {
			t.Errorf("rename of a directory: %v", err)
		}
	})
	t.Run("missing", func(t *testing.T) {
		if err := c.Rename("/lake/nope", "/lake/nope2"); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("rename of a missing file: %v", err)
		}
	})
	t.Run("needs write on both buckets", func(t *testing.T) {
		fx.putObject(t, "landing", "r.csv", data)
		r := fx.client(t, "reader", password(readerKey.Secret))
		if err := r.Rename("/landing/r.csv", "/landing/r2.csv"); !errors.Is(err, os.ErrPermission) {
			t.Errorf("rename by a reader: %v", err)
		}
		if err := c.Rename("/landing/r.csv", "/secret/r.csv"); !errors.Is(err, os.ErrPermission) {
			t.Errorf("rename into a bucket not granted: %v", err)
		}
		if _, ok := fx.object(t, "landing", "r.csv"); !ok {
			t.Error("a refused rename removed the source")
		}
	})
}

func TestPermissions(t *testing.T) {
	fx := start(t)
	fx.putObject(t, "landing", "data.csv", []byte("a\n"))

	t.Run("reader cannot put", func(t *testing.T) {
		c := fx.client(t, "reader", password(readerKey.Secret))
		if _, err := c.Create("/landing/new.csv"); !errors.Is(err, os.ErrPermission) {
			t.Errorf("create: %v", err)
		}
		if err := c.Remove("/landing/data.csv"); !errors.Is(err, os.ErrPermission) {
			t.Errorf("remove: %v", err)
		}
		if err := c.Mkdir("/landing/d"); !errors.Is(err, os.ErrPermission) {
			t.Errorf("mkdir: %v", err)
		}
		if _, ok := fx.object(t, "landing", "new.csv"); ok {
			t.Error("the reader's put stored an object")
		}
	})
	t.Run("drop box cannot get or list", func(t *testing.T) {
		c := fx.client(t, "dropbox", password(dropKey.Secret))
		if _, err := c.Open("/landing/data.csv"); !errors.Is(err, os.ErrPermission) {
			t.Errorf("open: %v", err)
		}
		if _, err := c.ReadDir("/landing"); !errors.Is(err, os.ErrPermission) {
			t.Errorf("ls: %v", err)
		}
		if _, err := c.Stat("/landing/data.csv"); !errors.Is(err, os.ErrPermission) {
			t.Errorf("stat of an object: %v", err)
		}
		// It may still cd into the bucket and put files.
		if fi, err := c.Stat("/landing"); err != nil || !fi.IsDir() {
			t.Errorf("stat of the bucket: %v %v", fi, err)
		}
		f, err := c.Create("/landing/drop.csv")
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte("dropped\n"))
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		if got, _ := fx.object(t, "landing", "drop.csv"); string(got) != "dropped\n" {
			t.Errorf("dropped object %q", got)
		}
	})
	t.Run("grants revoked while logged in", func(t *testing.T) {
		c := fx.client(t, "writer", password(writerKey.Secret))
		if _, err := c.ReadDir("/lake"); err != nil {
			t.Fatal(err)
		}
		w := writerKey
		w.Grants = w.Grants[:1]
		if err := writeKeys(fx, w); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the revoked grant to take effect", func() bool {
			_, err := c.ReadDir("/lake")
			return errors.Is(err, os.ErrPermission)
		})
	})
}

func TestRemoveAndDirectories(t *testing.T) {
	fx := start(t)
	fx.putObject(t, "landing", "d/f.csv", []byte("f"))
	c := fx.client(t, "writer", password(writerKey.Secret))

	// pkg/sftp's Remove tries rmdir when remove fails.
	if err := c.Remove("/landing/d"); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("rm of a directory: %v", err)
	}
	if err := c.RemoveDirectory("/landing/d"); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("rmdir of a full directory: %v", err)
	}
	if err := c.Remove("/landing/d/f.csv"); err != nil {
		t.Fatal(err)
	}
	if _, ok := fx.object(t, "landing", "d/f.csv"); ok {
		t.Error("rm left the object")
	}
	if err := c.Remove("/landing/d/f.csv"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("rm of a missing file: %v", err)
	}

	// mkdir stores nothing, but the directory is there for this session.
	if err := c.Mkdir("/landing/new"); err != nil {
		t.Fatal(err)
	}
	if err := c.MkdirAll("/landing/new/deeper/still"); err != nil {
		t.Fatal(err)
	}
	if fi, err := c.Stat("/landing/new/deeper"); err != nil || !fi.IsDir() {
		t.Fatalf("stat of a new directory: %v %v", fi, err)
	}
	if fis, err := c.ReadDir("/landing/new"); err != nil || len(fis) != 1 || fis[0].Name() != "deeper" {
		t.Fatalf("ls of a new directory: %v %v", fis, err)
	}
	if res, _ := fx.store.List(t.Context(), "landing", lakeListAll()); len(res.Objects) != 0 {
		t.Errorf("mkdir stored objects: %v", res.Objects)
	}
	other := fx.client(t, "writer", password(writerKey.Secret))
	if _, err := other.Stat("/landing/new"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("another session sees an empty directory: %v", err)
	}
	if err := c.RemoveDirectory("/landing/new"); err == nil {
		t.Error("rmdir of a directory holding a new one")
	}
	f, err := c.Create("/landing/new/deeper/still/x.csv")
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("x"))
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if fi, err := other.Stat("/landing/new/deeper"); err != nil || !fi.IsDir() {
		t.Errorf("a directory with an object is everyone's: %v %v", fi, err)
	}
	if err := c.Mkdir("/newbucket"); err == nil {
		t.Error("mkdir at the root made a bucket")
	}
	// setstat (chmod, times) is accepted and changes nothing.
	if err := c.Chmod("/landing/new/deeper/still/x.csv", 0o600); err != nil {
		t.Errorf("chmod: %v", err)
	}
	if err := c.Truncate("/landing/new/deeper/still/x.csv", 0); err == nil {
		t.Error("truncate succeeded")
	}
}

// writeKeys replaces the keys file with keys and the reader and drop box.
func writeKeys(fx *fixture, keys ...access.Key) error {
	return access.WriteFile(fx.keysFile, append(keys, readerKey, dropKey))
}

func lakeListAll() lake.ListOptions { return lake.ListOptions{MaxKeys: 1000} }
