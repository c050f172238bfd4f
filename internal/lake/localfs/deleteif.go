package localfs

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/tarnlake/tarn/internal/lake"
)

// DeleteIf removes key if the ETag of its file is etag.
//
// POSIX has no compare-and-unlink, so a lock, not the file system, makes the
// check and the unlink one step: a key's file is only ever replaced by the
// rename in place, which takes the same lock (one of keyLocks, picked by the
// path). Under it DeleteIf reads the ETag of the file at the path and
// unlinks the path; no new version can be renamed in between, so the file
// unlinked is the one checked. A Put waiting on the lock lands after the
// delete, as if it came later.
//
// Why not the file system alone: renaming the object away to capture one
// version, and back on a mismatch, makes the key vanish meanwhile (readers
// get NoSuchKey; a plain Delete then is undone by the rename back) and a
// crash then leaves the only copy under a temporary name. Checking the inode
// through a hard link and unlinking the path if it still names that inode
// leaves a window between check and unlink in which a new version renamed
// into place would be unlinked: an acknowledged write lost.
//
// With the lock, DeleteIf changes the namespace once (the unlink): a crash
// leaves the object or nothing, no temporary file to recover. A plain
// Delete takes no lock; if it unlinks the file between the check and the
// unlink, DeleteIf answers ErrNoSuchKey, as if the Delete came first. Tag
// changes rewrite the file's attribute in place and keep its ETag. The
// window that remains is for writers outside this Store (another process or
// a second Store on the same folder), which Open, by clearing the .tmp such
// a writer uses, already rules out.
func (s *Store) DeleteIf(ctx context.Context, bucket, key, etag string) error {
	dir, p, err := s.objectPath(bucket, key)
	if err != nil {
		return err
	}
	unlock := s.keys.lock(p)
	err = unlinkIf(p, bucket, key, lake.UnquoteETag(etag))
	unlock()
	if err != nil {
		return err
	}
	return removed(dir, p)
}

// unlinkIf unlinks p if its ETag is etag ("*": any); the caller holds p's
// lock. A folder at p (of other keys) is no object: ErrNoSuchKey.
func unlinkIf(p, bucket, key, etag string) error {
	f, _, m, err := openPath(p, bucket, key)
	if err != nil {
		return err
	}
	f.Close()
	if etag != "*" && m.ETag != etag {
		// The current ETag stays out of the message: a caller that may
		// delete but not read would learn it.
		return fmt.Errorf("delete %s/%s: %w: its ETag is not %s", bucket, key, lake.ErrPreconditionFailed, etag)
	}
	// unlink, not os.Remove: it never removes a folder.
	if err := unix.Unlink(p); err != nil {
		if errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.ENOTDIR) || errors.Is(err, syscall.EISDIR) {
			return fmt.Errorf("%w: %s/%s", lake.ErrNoSuchKey, bucket, key)
		}
		return fmt.Errorf("delete %s/%s: %w", bucket, key, err)
	}
	return nil
}

// keyLocks is a fixed set of mutexes, each path using the one its hash
// picks: keys rarely wait on each other, and there is no map to grow.
type keyLocks [64]sync.Mutex

func (l *keyLocks) lock(path string) (unlock func()) {
	h := uint32(2166136261) // FNV-1a
	for i := 0; i < len(path); i++ {
		h ^= uint32(path[i])
		h *= 16777619
	}
	m := &l[h%uint32(len(l))]
	m.Lock()
	return m.Unlock
}
