package function

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"time"

	"github.com/tarnlake/tarn/internal/catalog"
)

// Account is the account id in tarn's ARNs.
const Account = "000000000000"

// Config is a function as the Lambda API shows it.
type Config struct {
	Name         string            `json:"name"`
	Runtime      string            `json:"runtime"`
	Handler      string            `json:"handler"`
	Role         string            `json:"role"`
	Description  string            `json:"description,omitempty"`
	Timeout      int               `json:"timeout"` // seconds
	MemorySize   int               `json:"memorySize"`
	Env          map[string]string `json:"env,omitempty"`
	CodeSHA256   string            `json:"codeSha256"` // base64, as Lambda shows it
	CodeSize     int64             `json:"codeSize"`
	LastModified time.Time         `json:"lastModified"`
	RevisionID   string            `json:"revisionId"`
	Owner        string            `json:"owner"` // the access key that made it
	// Slot numbers the function's own user (the registry's UIDBase plus
	// Slot), when functions run as users of their own.
	Slot int `json:"slot,omitempty"`
	// Async is PutFunctionEventInvokeConfig's: retries, event age and
	// where failures go.
	Async *AsyncConfig `json:"async,omitempty"`
}

// AsyncConfig is how events (asynchronous invocations) are retried.
type AsyncConfig struct {
	MaxRetries  int    `json:"maxRetries"`  // 0–2, Lambda's default 2
	MaxEventAge int    `json:"maxEventAge"` // seconds, 60–21600
	OnFailure   string `json:"onFailure,omitempty"`
	OnSuccess   string `json:"onSuccess,omitempty"`
	Updated     time.Time
}

// ARN is the function's ARN in region.
func (c Config) ARN(region string) string {
	return fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", region, Account, c.Name)
}

// Errors of the Registry.
var (
	ErrNotFound = errors.New("function not found")
	ErrExists   = errors.New("function already exists")
	ErrInvalid  = errors.New("invalid function")
)

var validName = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)

// Registry keeps functions: their configuration in the catalog store's
// documents (shared by every tarn process), their zips in a private
// folder, and their code unpacked where the function user can read it —
// unpacked again from the zip when that folder was cleared.
type Registry struct {
	docs    catalog.Documents
	zipDir  string
	codeDir string
	uidBase uint32
}

// NewRegistry keeps configurations in docs, zips under zipDir (tarn's
// alone) and unpacked code under codeDir (whose folders the function
// user can pass through).
func NewRegistry(docs catalog.Documents, zipDir, codeDir string) *Registry {
	return &Registry{docs: docs, zipDir: zipDir, codeDir: codeDir}
}

// UsersFrom gives each function a user of its own, uid and gid base plus
// its slot, and its code to that user alone (tarn must run as root).
func (r *Registry) UsersFrom(base uint32) *Registry {
	r.uidBase = base
	return r
}

// User is the user a function runs as, or nil when functions share one.
func (r *Registry) User(c Config) *Credential {
	if r.uidBase == 0 || c.Slot == 0 {
		return nil
	}
	id := r.uidBase + uint32(c.Slot)
	return &Credential{UID: id, GID: id}
}

const docSlots = "function-slots"

// nextSlot hands out the next function user's slot: slots are never
// reused, so a new function never inherits files of a deleted one.
func (r *Registry) nextSlot(ctx context.Context) (int, error) {
	n, err := catalog.UpdateDoc(ctx, r.docs, docSlots, "next", func(n *int, _ bool) error {
		*n++
		return nil
	})
	return n, err
}

const docKind = "function"

func codeHex(c Config) string {
	sum, _ := base64.StdEncoding.DecodeString(c.CodeSHA256)
	return hex.EncodeToString(sum)
}

// CodeDir returns where a function's current code is unpacked, unpacking
// its zip first if it is not (a cleared folder, another tarn process).
func (r *Registry) CodeDir(c Config) (string, error) {
	dir := filepath.Join(r.codeDir, c.Name, codeHex(c))
	if _, err := os.Stat(dir); err == nil {
		return dir, nil
	}
	zip, err := os.ReadFile(r.zipPath(c))
	if err != nil {
		return "", fmt.Errorf("code of function %s: %w", c.Name, err)
	}
	return dir, r.unpackTo(dir, zip, c.Runtime, r.User(c))
}

func (r *Registry) zipPath(c Config) string { return ZipPath(r.zipDir, c.Name, c.CodeSHA256) }

// ZipPath is where a registry keeping zips under zipDir keeps the code of
// function name whose CodeSha256 (base64) is sum.
func ZipPath(zipDir, name, sum string) string {
	return filepath.Join(zipDir, name, codeHex(Config{CodeSHA256: sum})+".zip")
}

// Check returns ErrInvalid, saying why, for a configuration Lambda would
// refuse.
func Check(c Config) error {
	switch {
	case !validName.MatchString(c.Name):
		return fmt.Errorf("%w: function name %q is not 1 to 64 characters of a-z, A-Z, 0-9, - and _", ErrInvalid, c.Name)
	case !slices.Contains(Runtimes, c.Runtime):
		return fmt.Errorf("%w: runtime %q is not one tarn runs (%v)", ErrInvalid, c.Runtime, Runtimes)
	case c.Handler == "" && c.Runtime[:min(8, len(c.Runtime))] != "provided":
		return fmt.Errorf("%w: the %s runtime needs a Handler", ErrInvalid, c.Runtime)
	case c.Timeout < 1 || c.Timeout > 900:
		return fmt.Errorf("%w: Timeout %d is not 1 to 900 seconds", ErrInvalid, c.Timeout)
	case c.MemorySize < 128 || c.MemorySize > 10240:
		return fmt.Errorf("%w: MemorySize %d is not 128 to 10240 MB", ErrInvalid, c.MemorySize)
	}
	return nil
}

// Create stores a new function with its zipped code.
func (r *Registry) Create(ctx context.Context, c Config, zip []byte) (Config, error) {
	if c.Timeout == 0 {
		c.Timeout = 3
	}
	if c.MemorySize == 0 {
		c.MemorySize = 128
	}
	if err := Check(c); err != nil {
		return Config{}, err
	}
	if _, err := r.Get(ctx, c.Name); err == nil {
		return Config{}, fmt.Errorf("%w: %s", ErrExists, c.Name)
	}
	if r.uidBase > 0 {
		slot, err := r.nextSlot(ctx)
		if err != nil {
			return Config{}, err
		}
		c.Slot = slot
	}
	if err := r.unpack(&c, zip); err != nil {
		return Config{}, err
	}
	return r.put(ctx, c, 0)
}

// Get returns a function's configuration, or ErrNotFound.
func (r *Registry) Get(ctx context.Context, name string) (Config, error) {
	c, _, err := r.get(ctx, name)
	return c, err
}

func (r *Registry) get(ctx context.Context, name string) (Config, int64, error) {
	d, err := r.docs.GetDoc(ctx, docKind, name)
	if errors.Is(err, catalog.ErrNotFound) {
		return Config{}, 0, fmt.Errorf("%w: %s", ErrNotFound, name)
	}
	if err != nil {
		return Config{}, 0, fmt.Errorf("function %s: %w", name, err)
	}
	var c Config
	if err := json.Unmarshal(d.Body, &c); err != nil {
		return Config{}, 0, fmt.Errorf("function %s: %w", name, err)
	}
	return c, d.Rev, nil
}

// List returns every function, by name.
func (r *Registry) List(ctx context.Context) ([]Config, error) {
	docs, err := r.docs.ListDocs(ctx, docKind, "")
	if err != nil {
		return nil, fmt.Errorf("list functions: %w", err)
	}
	out := make([]Config, 0, len(docs))
	for _, d := range docs {
		var c Config
		if err := json.Unmarshal(d.Body, &c); err != nil {
			return nil, fmt.Errorf("function %s: %w", d.Name, err)
		}
		out = append(out, c)
	}
	return out, nil
}

// Update applies fn to a function's configuration and stores it if it
// still checks; zip, when not nil, replaces the code.
func (r *Registry) Update(ctx context.Context, name string, zip []byte, fn func(*Config) error) (Config, error) {
	var out Config
	_, err := catalog.UpdateDoc(ctx, r.docs, docKind, name, func(c *Config, exists bool) error {
		if !exists {
			return fmt.Errorf("%w: %s", ErrNotFound, name)
		}
		if fn != nil {
			if err := fn(c); err != nil {
				return err
			}
		}
		c.Name = name
		if err := Check(*c); err != nil {
			return err
		}
		if zip != nil {
			if err := r.unpack(c, zip); err != nil {
				return err
			}
		}
		c.LastModified, c.RevisionID = time.Now().UTC(), newRevision()
		out = *c
		return nil
	})
	return out, err
}

// Delete removes a function and its code.
func (r *Registry) Delete(ctx context.Context, name string) error {
	err := r.docs.DeleteDoc(ctx, docKind, name)
	if errors.Is(err, catalog.ErrNotFound) {
		return fmt.Errorf("%w: %s", ErrNotFound, name)
	}
	if err != nil {
		return fmt.Errorf("delete function %s: %w", name, err)
	}
	return errors.Join(os.RemoveAll(filepath.Join(r.codeDir, name)), os.RemoveAll(filepath.Join(r.zipDir, name)))
}

func (r *Registry) put(ctx context.Context, c Config, rev int64) (Config, error) {
	c.LastModified, c.RevisionID = time.Now().UTC(), newRevision()
	body, err := json.Marshal(c)
	if err != nil {
		return Config{}, err
	}
	_, err = r.docs.PutDoc(ctx, catalog.Doc{Kind: docKind, Name: c.Name, Body: body}, rev)
	if errors.Is(err, catalog.ErrExists) {
		return Config{}, fmt.Errorf("%w: %s", ErrExists, c.Name)
	}
	if err != nil {
		return Config{}, fmt.Errorf("function %s: %w", c.Name, err)
	}
	return c, nil
}

// unpack keeps zip for the function, checks it and unpacks it, and sets
// the code's hash and size.
func (r *Registry) unpack(c *Config, zip []byte) error {
	sum := sha256.Sum256(zip)
	c.CodeSHA256, c.CodeSize = base64.StdEncoding.EncodeToString(sum[:]), int64(len(zip))
	dir := filepath.Join(r.codeDir, c.Name, codeHex(*c))
	if err := r.unpackTo(dir, zip, c.Runtime, r.User(*c)); err != nil {
		return err
	}
	zp := r.zipPath(*c)
	if err := os.MkdirAll(filepath.Dir(zp), 0o700); err != nil {
		return err
	}
	tmp := zp + ".tmp"
	if err := os.WriteFile(tmp, zip, 0o600); err != nil {
		return err
	}
	if err := syncFile(tmp); err != nil {
		return err
	}
	return os.Rename(tmp, zp)
}

// unpackTo unpacks zip into dir unless it is there already; with a user,
// the code is that user's alone (read and execute, no write).
func (r *Registry) unpackTo(dir string, zip []byte, runtime string, user *Credential) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	// Functions run as another user: the folders above the code must let
	// it through (0711: no listing), whatever tarn's umask.
	for _, d := range []string{r.codeDir, filepath.Dir(dir)} {
		if err := os.MkdirAll(d, 0o711); err != nil {
			return err
		}
		if err := os.Chmod(d, 0o711); err != nil {
			return err
		}
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), ".unpack-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := unzip(zip, tmp, runtime); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	err = filepath.WalkDir(tmp, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.Type()&os.ModeSymlink != 0 {
			return err
		}
		return codeMode(p, d, user)
	})
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, dir); err != nil && !os.IsExist(err) {
		return err
	}
	return nil
}

// codeMode makes one unpacked file or folder readable by the function
// only: everyone's when functions share tarn's user, else its own user's.
func codeMode(p string, d os.DirEntry, user *Credential) error {
	info, err := d.Info()
	if err != nil {
		return err
	}
	mode := os.FileMode(0o644)
	if d.IsDir() || info.Mode()&0o100 != 0 {
		mode = 0o755
	}
	if user != nil {
		if err := os.Lchown(p, int(user.UID), int(user.GID)); err != nil {
			return err
		}
		mode &^= 0o222 | 0o077 // the owner's read and execute, no one else's
	}
	return os.Chmod(p, mode)
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

func newRevision() string {
	b := make([]byte, 16)
	if _, err := randRead(b); err != nil {
		return time.Now().Format(time.RFC3339Nano)
	}
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
