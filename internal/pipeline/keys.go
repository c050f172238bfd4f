package pipeline

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
	"golang.org/x/crypto/ssh"

	"github.com/tarnlake/tarn/internal/access"
)

// Key is an access key, declared by name with its grants and the SSH
// public keys it may log in to SFTP with. Its secret is never in the
// config: tarn generates it into the data folder, or takes it from the
// environment variable SecretEnv names.
type Key struct {
	Name    string   `yaml:"name"`
	Read    []string `yaml:"read,omitempty"`     // s3:lake, kinesis:clicks, …
	Write   []string `yaml:"write,omitempty"`    // write grants read too
	SSHKeys []string `yaml:"ssh_keys,omitempty"` // left out: those the key has stay

	SecretEnv string `yaml:"secret_env,omitempty"`
	Line      int    `yaml:"-"`
}

func (k *Key) UnmarshalYAML(n *yaml.Node) error {
	type plain Key
	return decodeAt(n, (*plain)(k), &k.Line)
}

// Keys is the keys file of the tarn a plan is made against (root is not
// in it).
type Keys interface {
	List() ([]access.Key, error)
	// Put adds the key, or replaces the one with its ID.
	Put(access.Key) error
	Remove(id string) error
}

// grants are k's grants as the keys file keeps them.
func (k Key) grants() []access.Grant {
	var gs []access.Grant
	for i, list := range [][]string{k.Write, k.Read} {
		for _, p := range list {
			if r, err := access.ParsePattern(p); err == nil {
				gs = append(gs, access.Grant{Resource: r.String(), Read: true, Write: i == 0})
			}
		}
	}
	return gs
}

func (k Key) validate(add func(line int, field, format string, a ...any), f string) {
	if k.Name == "" || k.Name == "root" {
		add(k.Line, f+".name", "a key needs a name other than root")
	}
	if len(k.Read)+len(k.Write) == 0 {
		add(k.Line, f, "key %q has no grants: list resources under read or write (s3:landing)", k.Name)
	}
	for _, list := range []struct {
		name string
		ps   []string
	}{{"read", k.Read}, {"write", k.Write}} {
		for i, p := range list.ps {
			if _, err := access.ParsePattern(p); err != nil {
				add(k.Line, fmt.Sprintf("%s.%s[%d]", f, list.name, i), "%v", err)
			}
		}
	}
	for i, line := range k.SSHKeys {
		if _, _, opts, _, err := ssh.ParseAuthorizedKey([]byte(line)); err != nil {
			add(k.Line, fmt.Sprintf("%s.ssh_keys[%d]", f, i), "not an SSH public key (%v): paste a line of a .pub file", err)
		} else if len(opts) > 0 {
			add(k.Line, fmt.Sprintf("%s.ssh_keys[%d]", f, i), "authorized_keys options (%s) are not enforced: give the key alone", strings.Join(opts, ","))
		}
	}
	if k.SecretEnv != "" {
		switch v := os.Getenv(k.SecretEnv); {
		case v == "":
			add(k.Line, f+".secret_env", "environment variable %s is not set", k.SecretEnv)
		case len(v) < minSecret:
			add(k.Line, f+".secret_env", "the secret in %s has %d characters: want %d at least (it is also an SFTP password)", k.SecretEnv, len(v), minSecret)
		}
	}
}

// minSecret is the shortest secret a config may bring.
const minSecret = 20

type keyKind struct{}

func (keyKind) plan(ctx context.Context, t Target, s Spec) ([]Change, int, error) {
	if t.Keys == nil {
		if len(s.Keys) > 0 {
			return nil, 0, fmt.Errorf("keys are kept in the server's data folder: run tarn apply where it is, with --data")
		}
		return nil, 0, nil
	}
	list, err := t.Keys.List()
	if err != nil {
		return nil, 0, err
	}
	have := map[string]access.Key{}
	for _, k := range list {
		if k.Name == "" {
			continue
		}
		if o, dup := have[k.Name]; dup {
			return nil, 0, fmt.Errorf("the keys file has two keys named %s (%s, %s): remove one with tarn keys remove ID", k.Name, o.ID, k.ID)
		}
		have[k.Name] = k
	}
	var out []Change
	n := 0
	for _, k := range s.Keys {
		was, ok := have[k.Name]
		delete(have, k.Name)
		secret := ""
		if k.SecretEnv != "" {
			secret = os.Getenv(k.SecretEnv)
		}
		if !ok {
			nk := access.NewKey(k.Name)
			nk.Grants, nk.SSHKeys = k.grants(), k.SSHKeys
			if secret != "" {
				nk.Secret = secret
			}
			out = append(out, Change{Op: Create, Kind: "key", Name: k.Name, Key: &nk,
				do: func(context.Context) error { return t.Keys.Put(nk) }})
			continue
		}
		var d diff
		if !sameGrants(was.Grants, k.grants()) {
			d = append(d, "grants "+grantList(was.Grants)+" → "+grantList(k.grants()))
		}
		if k.SSHKeys == nil {
			// Not declared, not managed: keys added with tarn keys add
			// --ssh-key stay (ssh_keys: [] removes them).
			k.SSHKeys = was.SSHKeys
		}
		if !slices.Equal(was.SSHKeys, k.SSHKeys) {
			d = append(d, fmt.Sprintf("ssh_keys changed (%d → %d)", len(was.SSHKeys), len(k.SSHKeys)))
		}
		if secret != "" && secret != was.Secret {
			d = append(d, "secret from "+k.SecretEnv)
		}
		if len(d) == 0 {
			n++
			continue
		}
		nk := was
		nk.Grants, nk.SSHKeys = k.grants(), k.SSHKeys
		if secret != "" {
			nk.Secret = secret
		}
		out = append(out, Change{Op: Update, Kind: "key", Name: k.Name, What: d.String(),
			do: func(context.Context) error { return t.Keys.Put(nk) }})
	}
	for name, k := range have {
		if s.Keys == nil {
			break // no keys: section, no keys managed
		}
		out = append(out, Change{Op: Delete, Kind: "key", Name: name,
			do: func(context.Context) error { return t.Keys.Remove(k.ID) }})
	}
	sortChanges(out)
	return out, n, nil
}

// sameGrants compares grants as sets: their order means nothing.
func sameGrants(a, b []access.Grant) bool {
	key := func(g access.Grant) string { return fmt.Sprintf("%s %t %t", g.Resource, g.Read, g.Write) }
	as, bs := make([]string, len(a)), make([]string, len(b))
	for i, g := range a {
		as[i] = key(g)
	}
	for i, g := range b {
		bs[i] = key(g)
	}
	slices.Sort(as)
	slices.Sort(bs)
	return slices.Equal(as, bs)
}

func grantList(gs []access.Grant) string {
	var parts []string
	for _, g := range gs {
		mode := "read"
		if g.Write {
			mode = "write"
		}
		r, _ := g.Target()
		parts = append(parts, r.String()+"="+mode)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// exportKeys are the keys file's named keys, without their secrets.
func exportKeys(t Target) ([]Key, error) {
	if t.Keys == nil {
		return nil, nil
	}
	list, err := t.Keys.List()
	if err != nil {
		return nil, err
	}
	var out []Key
	for _, k := range list {
		if k.Name == "" {
			continue
		}
		e := Key{Name: k.Name, SSHKeys: k.SSHKeys}
		for _, g := range k.Grants {
			r, err := g.Target()
			if err != nil {
				continue
			}
			if g.Write {
				e.Write = append(e.Write, r.String())
			} else if g.Read {
				e.Read = append(e.Read, r.String())
			}
		}
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b Key) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}
