package access

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestAllowed(t *testing.T) {
	k := Key{Grants: []Grant{
		{Resource: "s3:landing", Write: true, Read: true},
		{Bucket: "raw-*", Read: true}, // a grant from before kinds: a bucket pattern
		{Resource: "k*", Read: true},
		{Resource: "kinesis:clicks", Write: true},
		{Resource: "glue:Analytics", Read: true, Write: true},
		{Bucket: "kinesis:app-*", Read: true}, // typed, in the old field
		{Resource: "nope:x", Read: true},      // unknown kind: matches nothing
	}}
	for _, c := range []struct {
		a    Action
		r    Resource
		want bool
	}{
		{Write, Bucket("landing"), true}, {Read, Bucket("landing"), true}, {Write, Bucket("lake"), false}, {Read, Bucket("lake"), false},
		{Read, Bucket("raw-2026"), true}, {Write, Bucket("raw-2026"), false}, {Read, Bucket(""), false},
		// "k*" is a bucket pattern: it never reaches streams or databases.
		{Read, Bucket("keep"), true}, {Read, Stream("kafka"), false}, {Read, Stream("clicks"), false},
		{Write, Stream("clicks"), true}, {Write, Stream("clicks2"), false}, {Read, Stream("app-1"), true},
		{Write, Database("analytics"), true}, {Read, Database("ANALYTICS"), true}, {Write, Database("finance"), false},
		{Read, Resource{Kind: "nope", Name: "x"}, false},
		{Read, Workgroup("primary"), false},
	} {
		if got := k.Allowed(c.a, c.r); got != c.want {
			t.Errorf("Allowed(%v, %v) = %v, want %v", c.a, c.r, got, c.want)
		}
	}
	if !(&Key{Root: true}).Allowed(Write, Bucket("anything")) {
		t.Error("root must be allowed everything")
	}
	all := Key{Grants: []Grant{{Resource: "glue:*", Read: true}}}
	if !all.Allowed(Read, Resource{Kind: Glue}) || all.Allowed(Read, Resource{Kind: S3}) {
		t.Error("account-wide actions need a * grant of their kind")
	}
}

func TestParsePattern(t *testing.T) {
	for in, want := range map[string]string{"landing": "s3:landing", "*": "s3:*", "KINESIS:a-*": "kinesis:a-*", "glue:Sales": "glue:sales"} {
		r, err := ParsePattern(in)
		if err != nil || r.String() != want {
			t.Errorf("ParsePattern(%q) = %v, %v; want %s", in, r, err, want)
		}
	}
	for _, bad := range []string{"s3:", "bogus:x", "s3:[", "kinesis:"} {
		if _, err := ParsePattern(bad); err == nil {
			t.Errorf("ParsePattern(%q) succeeded", bad)
		}
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
