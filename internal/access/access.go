// Package access holds tarn's access keys: the root key and further keys with
// typed read and write grants (s3:, kinesis:, glue:, …). The edge asks it for secrets (to verify
// signatures) and for permission (to authorise each request).
package access

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

// Key is one access key.
type Key struct {
	ID     string  `json:"id"`
	Secret string  `json:"secret"`
	Name   string  `json:"name,omitempty"`
	Root   bool    `json:"root,omitempty"` // may do everything
	Grants []Grant `json:"grants,omitempty"`
	// SSHKeys are authorized_keys lines that log the key in over SFTP.
	SSHKeys []string `json:"ssh_keys,omitempty"`
}

// Action is what a request does to a resource.
type Action int

const (
	Read Action = iota
	Write
)

func (a Action) String() string {
	if a == Write {
		return "write"
	}
	return "read"
}

// Allowed reports whether k may do a to r. An account-wide action (listing
// buckets, managing crawlers) names its kind with an empty name and needs
// the root key or a grant of that kind with pattern "*".
func (k *Key) Allowed(a Action, r Resource) bool {
	if k.Root {
		return true
	}
	for _, g := range k.Grants {
		if (a == Read && g.Read || a == Write && g.Write) && g.Matches(r) {
			return true
		}
	}
	return false
}

// MayReadAny reports whether k may read some resource of kind: what a
// listing that leaves out the rest needs.
func (k *Key) MayReadAny(kind Kind) bool {
	if k.Root {
		return true
	}
	for _, g := range k.Grants {
		if r, err := g.Target(); err == nil && r.Kind == kind && (g.Read || g.Write) {
			return true
		}
	}
	return false
}

// Keyring is the set of keys in force. Keys added to its file while tarn runs
// take effect within a second.
type Keyring struct {
	mu      sync.RWMutex
	root    Key
	keys    map[string]Key
	file    string
	read    os.FileInfo // of the file as last read
	checked time.Time
}

// NewKeyring serves root and the keys in file (which may not exist yet).
func NewKeyring(root Key, file string) (*Keyring, error) {
	root.Root = true
	kr := &Keyring{root: root, file: file, keys: map[string]Key{}}
	if err := kr.reload(reloadForce); err != nil {
		return nil, err
	}
	return kr, nil
}

// Lookup returns the key with id.
func (kr *Keyring) Lookup(id string) (Key, bool) {
	kr.reload(reloadStale)
	k, ok := kr.lookup(id)
	if !ok && kr.reload(reloadChanged) == nil {
		// A key just added (tarn keys add, tarn apply) works at once.
		k, ok = kr.lookup(id)
	}
	return k, ok
}

func (kr *Keyring) lookup(id string) (Key, bool) {
	kr.mu.RLock()
	defer kr.mu.RUnlock()
	if id == kr.root.ID {
		return kr.root, true
	}
	k, ok := kr.keys[id]
	return k, ok
}

// ByName returns the key named name (the root key is named "root").
func (kr *Keyring) ByName(name string) (Key, bool) {
	kr.reload(reloadStale)
	k, ok := kr.byName(name)
	if !ok && kr.reload(reloadChanged) == nil {
		k, ok = kr.byName(name)
	}
	return k, ok
}

func (kr *Keyring) byName(name string) (Key, bool) {
	kr.mu.RLock()
	defer kr.mu.RUnlock()
	if name == "root" || name == kr.root.Name && name != "" {
		return kr.root, true
	}
	for _, k := range kr.keys {
		if k.Name == name {
			return k, true
		}
	}
	return Key{}, false
}

// Secret implements the signature verifier's lookup.
func (kr *Keyring) Secret(id string) (string, bool) {
	k, ok := kr.Lookup(id)
	return k.Secret, ok
}

// How reload decides to read the keys file again.
const (
	reloadStale   = iota // if it changed and was last looked at over a second ago
	reloadChanged        // if it changed (a stat: a miss costs no more)
	reloadForce          // whatever its time says
)

func (kr *Keyring) reload(mode int) error {
	if kr.file == "" {
		return nil
	}
	force := mode == reloadForce
	kr.mu.RLock()
	// A miss looks again at most every 50 ms: unknown key IDs in a flood
	// share one stat.
	fresh := mode == reloadStale && time.Since(kr.checked) < time.Second ||
		mode == reloadChanged && time.Since(kr.checked) < 50*time.Millisecond
	kr.mu.RUnlock()
	if fresh {
		return nil
	}
	kr.mu.Lock()
	defer kr.mu.Unlock()
	kr.checked = time.Now()
	fi, err := os.Stat(kr.file)
	if errors.Is(err, os.ErrNotExist) {
		kr.keys = map[string]Key{}
		return nil
	}
	// The same file (keys files are replaced by renames), of the same
	// time and size: nothing to read.
	if err != nil || !force && kr.read != nil && os.SameFile(fi, kr.read) && fi.ModTime().Equal(kr.read.ModTime()) && fi.Size() == kr.read.Size() {
		return err
	}
	keys, err := ReadFile(kr.file)
	if err != nil {
		return err
	}
	kr.keys = make(map[string]Key, len(keys))
	for _, k := range keys {
		kr.keys[k.ID] = k
	}
	kr.read = fi
	return nil
}

// ReadFile reads a keys file; a missing file holds no keys.
func ReadFile(file string) ([]Key, error) {
	b, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var keys []Key
	if err := json.Unmarshal(b, &keys); err != nil {
		return nil, fmt.Errorf("read keys from %s: %w", file, err)
	}
	return keys, nil
}

// WriteFile replaces a keys file atomically, readable by its owner only.
func WriteFile(file string, keys []Key) error {
	b, err := json.MarshalIndent(keys, "", "  ")
	if err != nil {
		return err
	}
	return WriteSecret(file, append(b, '\n'))
}

// WriteSecret writes b to file with mode 0600 through a synced temporary
// file of its own, so that two writers never mix their bytes.
func WriteSecret(file string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(file), filepath.Base(file)+".*.tmp") // mode 0600
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, file)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

// NewKey makes a key with a random id ("TK" + 18 characters, like AWS's 20)
// and a 40-character secret.
func NewKey(name string) Key {
	const idChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	const secretChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	return Key{ID: "TK" + random(idChars, 18), Secret: random(secretChars, 40), Name: name}
}

func random(alphabet string, n int) string {
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// KeysFile is a keys file read and changed one key at a time.
type KeysFile string

func (f KeysFile) List() ([]Key, error) { return ReadFile(string(f)) }

// Put adds k, or replaces the key with its ID.
func (f KeysFile) Put(k Key) error {
	list, err := ReadFile(string(f))
	if err != nil {
		return err
	}
	if i := slices.IndexFunc(list, func(o Key) bool { return o.ID == k.ID }); i >= 0 {
		list[i] = k
	} else {
		list = append(list, k)
	}
	return WriteFile(string(f), list)
}

// Remove removes the key with id.
func (f KeysFile) Remove(id string) error {
	list, err := ReadFile(string(f))
	if err != nil {
		return err
	}
	return WriteFile(string(f), slices.DeleteFunc(list, func(k Key) bool { return k.ID == id }))
}
