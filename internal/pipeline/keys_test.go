package pipeline

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tarnlake/tarn/internal/access"
)

const (
	sshOld = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHk8u4XhzOFzl8dL0uJ3bO2d1t3jYQy8hX6p5e4Y8Q1a old"
	sshNew = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBPv4vS3r8bOZ4n0Ck8wHq3S0b9p1q1g5u4bHc3Y2Z7k new"
)

// A key's changes reach the keys file: an SSH key replaced by another (the
// same count) is a change; a config without keys: manages none.
func TestKeyPlans(t *testing.T) {
	ctx := context.Background()
	file := access.KeysFile(filepath.Join(t.TempDir(), "keys.json"))
	tg := Target{Keys: file}
	apply := func(s Spec, prune bool) Plan {
		t.Helper()
		p, err := keysOnly(ctx, tg, s, prune)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Apply(ctx); err != nil {
			t.Fatal(err)
		}
		return p
	}
	partner := Key{Name: "partner", Write: []string{"s3:landing"}, SSHKeys: []string{sshOld}}
	if p := apply(Spec{Keys: []Key{partner}}, false); len(p.Changes) != 1 || p.Changes[0].Op != Create || p.Changes[0].Key == nil {
		t.Fatalf("create: %v", p)
	}
	partner.SSHKeys = []string{sshNew}
	if p := apply(Spec{Keys: []Key{partner}}, false); len(p.Changes) != 1 || !strings.Contains(p.Changes[0].What, "ssh_keys changed") {
		t.Fatalf("rotate: %v", p)
	}
	list, _ := file.List()
	if len(list) != 1 || list[0].SSHKeys[0] != sshNew {
		t.Fatalf("keys file after rotation: %+v", list)
	}
	// No keys: section: nothing to delete, even with prune.
	if p := apply(Spec{}, true); len(p.Changes) != 0 {
		t.Fatalf("a spec without keys changed keys: %v", p)
	}
	// keys: [] manages them all: prune deletes partner.
	if p := apply(Spec{Keys: []Key{}}, true); len(p.Changes) != 1 || p.Changes[0].Op != Delete {
		t.Fatalf("prune: %v", p)
	}
	if list, _ := file.List(); len(list) != 0 {
		t.Fatalf("after prune: %+v", list)
	}
	// Two keys of one name: refused, with the fix.
	file.Put(access.NewKey("twin"))
	file.Put(access.NewKey("twin"))
	if _, err := keysOnly(ctx, tg, Spec{Keys: []Key{{Name: "twin", Read: []string{"s3:x"}}}}, false); err == nil || !strings.Contains(err.Error(), "two keys named twin") {
		t.Fatalf("duplicate names: %v", err)
	}
}

// keysOnly plans the keys kind alone.
func keysOnly(ctx context.Context, t Target, s Spec, prune bool) (Plan, error) {
	cs, n, err := keyKind{}.plan(ctx, t, s)
	return Plan{Changes: cs, Unchanged: n, Prune: prune}, err
}
