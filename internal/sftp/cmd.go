package sftp

import (
	"errors"
	"fmt"
	"strings"

	"github.com/pkg/sftp"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/lake"
)

// Filecmd answers the requests that change names: rename, remove, mkdir,
// rmdir, and setstat (accepted and ignored: an object has no owner, mode
// or times to set, and failing would make `put -p` fail).
func (f *fsys) Filecmd(r *sftp.Request) (err error) {
	defer f.recovered(r.Method, &err)
	p := parsePath(r.Filepath)
	switch r.Method {
	case "Rename":
		return f.fail("rename", p, f.rename(p, parsePath(r.Target), false))
	case "Remove":
		return f.fail("rm", p, f.remove(p))
	case "Mkdir":
		return f.fail("mkdir", p, f.mkdir(p))
	case "Rmdir":
		return f.fail("rmdir", p, f.rmdir(p))
	case "Setstat":
		return f.fail("setstat", p, f.setstat(p, r))
	case "Link", "Symlink":
		return fmt.Errorf("%w: %s %s: the lake has no links", sftp.ErrSSHFxOpUnsupported, r.Method, p)
	}
	return fmt.Errorf("%w: %s", sftp.ErrSSHFxOpUnsupported, r.Method)
}

// PosixRename is rename that replaces an existing target, as OpenSSH's
// client asks for.
func (f *fsys) PosixRename(r *sftp.Request) (err error) {
	defer f.recovered("rename", &err)
	p := parsePath(r.Filepath)
	return f.fail("rename", p, f.rename(p, parsePath(r.Target), true))
}

// rename moves an object: it copies the source (the copy raises an
// ObjectCreated:Copy event), then deletes the source if it is still the
// version copied. A directory is many objects and no atomic move of them
// exists, so renaming one is refused.
func (f *fsys) rename(src, dst lpath, replace bool) error {
	if src.key == "" {
		return fmt.Errorf("%w: buckets cannot be renamed", errIsDir)
	}
	if dst.key == "" {
		return fmt.Errorf("%w: the target must name an object inside a bucket", errIsDir)
	}
	k, err := f.key()
	if err != nil {
		return err
	}
	for _, c := range []struct {
		a      access.Action
		bucket string
	}{{access.Read, src.bucket}, {access.Write, src.bucket}, {access.Write, dst.bucket}} {
		if !k.Allowed(c.a, access.Bucket(c.bucket)) {
			return denied(k, c.a, c.bucket)
		}
	}
	if src == dst {
		return nil
	}
	if _, err := f.store.Head(f.ctx, src.bucket, src.key); errors.Is(err, lake.ErrNoSuchKey) {
		if dir, _ := f.hasPrefix(src.bucket, src.key+"/"); dir || f.sessionDir(src) {
			return fmt.Errorf("%w: renaming a directory is not supported (S3 has no folders: move its objects one by one)", errIsDir)
		}
		return err
	} else if err != nil {
		return err
	}
	if _, err := f.store.Head(f.ctx, dst.bucket, dst.key); err == nil && !replace {
		return fmt.Errorf("%w: %s", errExists, dst)
	} else if err != nil && !errors.Is(err, lake.ErrNoSuchKey) {
		return err
	}
	if dir, err := f.hasPrefix(dst.bucket, dst.key+"/"); err != nil {
		return err
	} else if dir || f.sessionDir(dst) {
		return fmt.Errorf("%w: the target %s is a directory", errIsDir, dst)
	}
	oi, err := f.copy(src, dst)
	if err != nil {
		return err
	}
	err = f.store.DeleteIf(f.ctx, src.bucket, src.key, oi.ETag)
	switch {
	case errors.Is(err, lake.ErrNoSuchKey):
		return nil // removed meanwhile: moved all the same
	case errors.Is(err, lake.ErrPreconditionFailed):
		return fmt.Errorf("%w: %s was replaced during the rename; %s holds the earlier version and the source is kept",
			errRaced, src, dst)
	}
	return err
}

// copy writes src's current version, tags and headers included, to dst.
func (f *fsys) copy(src, dst lpath) (lake.ObjectInfo, error) {
	rc, oi, err := f.store.Get(f.ctx, src.bucket, src.key, nil)
	if err != nil {
		return oi, err
	}
	defer rc.Close()
	tags, err := f.store.ObjectTags(f.ctx, src.bucket, src.key)
	if err != nil && !errors.Is(err, lake.ErrNoSuchKey) {
		return oi, err
	}
	ctx := lake.WithEventName(f.ctx, "ObjectCreated:Copy")
	_, err = f.store.Put(ctx, dst.bucket, dst.key, rc, lake.PutOptions{Size: oi.Size, ContentType: oi.ContentType,
		Headers: oi.Headers, Metadata: oi.Metadata, Tags: tags})
	if err != nil {
		return oi, err
	}
	f.log.Info("sftp: moved", "from", src.String(), "to", dst.String(), "size", oi.Size)
	return oi, nil
}

// remove deletes an object; a directory (a prefix) is not an object.
func (f *fsys) remove(p lpath) error {
	if p.key == "" {
		return fmt.Errorf("%w: use rmdir, and buckets are removed with the S3 API", errIsDir)
	}
	if err := f.need(access.Write, p.bucket); err != nil {
		return err
	}
	oi, err := f.store.Head(f.ctx, p.bucket, p.key)
	if errors.Is(err, lake.ErrNoSuchKey) {
		if dir, _ := f.hasPrefix(p.bucket, p.key+"/"); dir || f.sessionDir(p) {
			return fmt.Errorf("%w: use rmdir", errIsDir)
		}
	}
	if err != nil {
		return err
	}
	// The version looked at is the one removed: a newer one put meanwhile
	// stays.
	if err := f.store.DeleteIf(f.ctx, p.bucket, p.key, oi.ETag); err != nil {
		return err
	}
	f.log.Info("sftp: removed", "path", p.String())
	return nil
}

// mkdir stores nothing (S3 has no folders; a marker object would show as
// a file to crawlers and rules): the directory exists in this session
// until an object is put under it, which makes it real.
func (f *fsys) mkdir(p lpath) error {
	if p.key == "" {
		return errNoBuckets
	}
	if err := f.need(access.Write, p.bucket); err != nil {
		return err
	}
	if _, err := f.store.HeadBucket(f.ctx, p.bucket); err != nil {
		return err
	}
	if _, err := f.store.Head(f.ctx, p.bucket, p.key); err == nil {
		return fmt.Errorf("%w: an object has this name", errExists)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.dirs[p.bucket+"/"+p.key] = true
	return nil
}

// rmdir removes a directory that mkdir made in this session and nothing
// was put under. A directory with objects under it is not empty; one
// without is gone already (its last object took it along), as in S3.
func (f *fsys) rmdir(p lpath) error {
	if p.key == "" {
		return errNoBuckets
	}
	if err := f.need(access.Write, p.bucket); err != nil {
		return err
	}
	full, err := f.hasPrefix(p.bucket, p.key+"/")
	if err != nil {
		return err
	}
	if full {
		return errNotEmpty
	}
	if !f.sessionDir(p) {
		// Nothing below p: p is a file, or nothing at all.
		if _, err := f.store.Head(f.ctx, p.bucket, p.key); err == nil {
			return errNotDir
		} else if !errors.Is(err, lake.ErrNoSuchKey) {
			return err
		}
		return fmt.Errorf("%w: %s/%s", lake.ErrNoSuchKey, p.bucket, p.key)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for d := range f.dirs {
		if strings.HasPrefix(d, p.bucket+"/"+p.key+"/") {
			return errNotEmpty // holds a directory made in this session
		}
	}
	delete(f.dirs, p.bucket+"/"+p.key)
	return nil
}

// setstat accepts mode, owner and time changes and ignores them. A size
// change is refused: an object cannot be truncated in place.
func (f *fsys) setstat(p lpath, r *sftp.Request) error {
	if r.AttrFlags().Size {
		return fmt.Errorf("%w: setstat %s: changing a file's size is not supported", sftp.ErrSSHFxOpUnsupported, p)
	}
	if p.key == "" {
		return nil
	}
	return f.need(access.Write, p.bucket)
}
