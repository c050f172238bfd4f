package access

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestAllowed(t *testing.T) {
	k := Key{Grants: []Grant{{Bucket: "landing", Write: true, Read: true}, {Bucket: "raw-*", Read: true}}}
	for _, c := range []struct {
		a      Action
		bucket string
		want   bool
	}{
		{Write, "landing", true}, {Read, "landing", true}, {Write, "lake", false}, {Read, "lake", false},
		{Read, "raw-2026", true}, {Write, "raw-2026", false}, {Read, "", false},
	} {
		if got := k.Allowed(c.a, c.bucket); got != c.want {
			t.Errorf("Allowed(%v, %q) = %v, want %v", c.a, c.bucket, got, c.want)
		}
	}
	if !(&Key{Root: true}).Allowed(Write, "anything") {
		t.Error("root must be allowed everything")
	}
}

func TestKeyringReloads(t *testing.T) {
	file := filepath.Join(t.TempDir(), "keys.json")
	kr, err := NewKeyring(Key{ID: "ROOT", Secret: "s"}, file)
	if err != nil {
		t.Fatal(err)
	}
	if k, ok := kr.Lookup("ROOT"); !ok || !k.Root {
		t.Fatalf("root: %+v %v", k, ok)
	}
	k := NewKey("producer")
	if len(k.ID) != 20 || len(k.Secret) != 40 {
		t.Fatalf("key shape: %q %q", k.ID, k.Secret)
	}
	if err := WriteFile(file, []Key{k}); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(file); fi.Mode().Perm() != 0o600 {
		t.Fatalf("keys file mode %v, want 0600", fi.Mode().Perm())
	}
	deadline := time.Now().Add(3 * time.Second)
	for {
		if _, ok := kr.Lookup(k.ID); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a key added to the file was not picked up")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if secret, ok := kr.Secret(k.ID); !ok || secret != k.Secret {
		t.Fatal("Secret does not return the key's secret")
	}
}
