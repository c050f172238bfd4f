package sftp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/pkg/sftp"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/lake"
)

// fsys is the lake as one SFTP session sees it. It implements pkg/sftp's
// handlers; each call looks the session's key up again, so that a key's
// grants changed or the key removed take effect on open sessions.
type fsys struct {
	ctx   context.Context // ends with the connection
	srv   *Server
	store lake.Store
	log   *slog.Logger
	keyID string

	mu   sync.Mutex
	dirs map[string]bool // "bucket/prefix" made by mkdir in this session
}

var (
	_ sftp.FileReader     = (*fsys)(nil)
	_ sftp.OpenFileWriter = (*fsys)(nil)
	_ sftp.FileCmder      = (*fsys)(nil)
	_ sftp.FileLister     = (*fsys)(nil)
)

func newFS(ctx context.Context, s *Server, log *slog.Logger, keyID string) *fsys {
	return &fsys{ctx: ctx, srv: s, store: s.opts.Lake, log: log, keyID: keyID, dirs: map[string]bool{}}
}

// lpath is a path in the lake: bucket "" is the root, key "" a bucket.
type lpath struct {
	bucket, key string
}

func parsePath(p string) lpath {
	p = strings.TrimPrefix(path.Clean("/"+p), "/")
	b, k, _ := strings.Cut(p, "/")
	return lpath{b, k}
}

func (p lpath) String() string {
	if p.key == "" {
		return "/" + p.bucket
	}
	return "/" + p.bucket + "/" + p.key
}

// key is the session's access key as it stands now.
func (f *fsys) key() (access.Key, error) {
	k, ok := f.srv.opts.Keys.Lookup(f.keyID)
	if !ok {
		return k, fmt.Errorf("%w: access key %s no longer exists", sftp.ErrSSHFxPermissionDenied, f.keyID)
	}
	return k, nil
}

// need fails unless the key may do a to bucket.
func (f *fsys) need(a access.Action, bucket string) error {
	k, err := f.key()
	if err != nil {
		return err
	}
	if !k.Allowed(a, access.Bucket(bucket)) {
		return denied(k, a, bucket)
	}
	return nil
}

func denied(k access.Key, a access.Action, bucket string) error {
	return fmt.Errorf("%w: key %s may not %s bucket %s", sftp.ErrSSHFxPermissionDenied, keyName(k), a, bucket)
}

// sees reports whether a bucket shows to the key: it may read or write it.
func sees(k access.Key, bucket string) bool {
	return k.Allowed(access.Read, access.Bucket(bucket)) || k.Allowed(access.Write, access.Bucket(bucket))
}

func keyName(k access.Key) string {
	if k.Name != "" {
		return k.Name
	}
	return k.ID
}

// tarn's own errors: their text names lake paths only, so it goes to the
// client as it is.
var (
	errIsDir     = errors.New("is a directory")
	errNotDir    = errors.New("not a directory")
	errExists    = errors.New("already exists")
	errNotEmpty  = errors.New("directory not empty")
	errNoBuckets = errors.New("buckets are made and removed with the S3 API, not over SFTP")
	errRaced     = errors.New("rename incomplete")
	errUpload    = errors.New("upload failed, nothing stored")
	errChanged   = errors.New("the object changed while being read")
	ownErrors    = []error{errIsDir, errNotDir, errExists, errNotEmpty, errNoBuckets, errRaced, errUpload, errChanged}
)

// lakeErrors are the store's errors a client can cause. Their text can
// name server paths, so the client is told the sentinel's.
var lakeErrors = []error{lake.ErrInvalidKey, lake.ErrKeyTooLong, lake.ErrKeyConflict, lake.ErrInvalidBucket,
	lake.ErrPreconditionFailed, lake.ErrEventNotLogged, lake.ErrBadDigest, lake.ErrIncompleteBody}

// statusCodes are the SFTP statuses an error made for the client wraps.
var statusCodes = []error{sftp.ErrSSHFxNoSuchFile, sftp.ErrSSHFxPermissionDenied, sftp.ErrSSHFxOpUnsupported,
	sftp.ErrSSHFxFailure, sftp.ErrSSHFxEOF}

// fail turns err into what the client is told (pkg/sftp sends its text
// and the status code it wraps), and logs what the operator needs to
// know: refusals at info, the store's failures at error.
func (f *fsys) fail(op string, p lpath, err error) error {
	if err == nil {
		return nil
	}
	for _, code := range statusCodes {
		if errors.Is(err, code) {
			if code == sftp.ErrSSHFxPermissionDenied {
				f.log.Info("sftp: refused", "op", op, "path", p.String(), "err", err)
			}
			return err // made for the client already
		}
	}
	if errors.Is(err, lake.ErrNoSuchKey) || errors.Is(err, lake.ErrNoSuchBucket) {
		return fmt.Errorf("%w: %s", sftp.ErrSSHFxNoSuchFile, p)
	}
	where := op + " " + p.String()
	if f.ctx.Err() != nil {
		return fmt.Errorf("%s: %w", where, f.ctx.Err()) // the session is ending: nobody to tell
	}
	for _, e := range ownErrors {
		if errors.Is(err, e) {
			f.log.Info("sftp: failed", "op", op, "path", p.String(), "err", err)
			return fmt.Errorf("%s: %w", where, err)
		}
	}
	for _, e := range lakeErrors {
		if errors.Is(err, e) {
			f.log.Info("sftp: failed", "op", op, "path", p.String(), "err", err)
			return fmt.Errorf("%s: %w", where, e)
		}
	}
	f.log.Error("sftp: failed", "op", op, "path", p.String(), "err", err)
	return fmt.Errorf("%s: internal error (see the server's log)", where)
}

// recovered turns a panic in a handler into an error for the client:
// pkg/sftp's workers do not recover, and a bug must cost one request,
// not the process.
func (f *fsys) recovered(op string, err *error) {
	if r := recover(); r != nil {
		f.srv.panics.Add(1)
		f.log.Error("sftp: panic", "op", op, "err", r, "stack", string(debug.Stack()))
		*err = fmt.Errorf("%w: %s: internal error (see the server's log)", sftp.ErrSSHFxFailure, op)
	}
}

// sessionDir reports whether mkdir made p in this session.
func (f *fsys) sessionDir(p lpath) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.dirs[p.bucket+"/"+p.key]
}

// sessionDirsIn returns the names of the directories mkdir made right
// below p in this session.
func (f *fsys) sessionDirsIn(p lpath) map[string]bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	prefix := p.bucket + "/"
	if p.key != "" {
		prefix += p.key + "/"
	}
	out := map[string]bool{}
	for d := range f.dirs {
		if name, ok := strings.CutPrefix(d, prefix); ok && name != "" && !strings.Contains(name, "/") {
			out[name] = true
		}
	}
	return out
}

// hasPrefix reports whether any key in bucket starts with prefix.
func (f *fsys) hasPrefix(bucket, prefix string) (bool, error) {
	res, err := f.store.List(f.ctx, bucket, lake.ListOptions{Prefix: prefix, MaxKeys: 1})
	if err != nil {
		return false, err
	}
	return len(res.Objects) > 0 || len(res.CommonPrefixes) > 0, nil
}
