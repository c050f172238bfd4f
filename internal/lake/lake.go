// Package lake is the object-store seam: the small interface every part of
// tarn uses to read and write the lake, with S3's semantics (buckets, keys,
// ETags, multipart uploads). Backends live in sibling packages (localfs, s3);
// laketest holds the conformance suite they all pass.
package lake

import (
	"context"
	"errors"
	"io"
	"strings"
	"time"
)

// Errors every backend returns (wrapped with context); check with errors.Is.
var (
	ErrNoSuchBucket     = errors.New("no such bucket")
	ErrNoSuchKey        = errors.New("no such key")
	ErrBucketExists     = errors.New("bucket already exists")
	ErrBucketNotEmpty   = errors.New("bucket not empty")
	ErrInvalidBucket    = errors.New("invalid bucket name")
	ErrInvalidKey       = errors.New("invalid key")
	ErrKeyTooLong       = errors.New("key too long")
	ErrKeyConflict      = errors.New("key conflicts with an existing key")
	ErrNoSuchUpload     = errors.New("no such upload")
	ErrInvalidPart      = errors.New("invalid part")
	ErrInvalidPartOrder = errors.New("parts not in ascending order")
	ErrEntityTooSmall   = errors.New("part smaller than the 5 MiB minimum")
	ErrInvalidRange     = errors.New("range not satisfiable")
	ErrIncompleteBody   = errors.New("body shorter or longer than declared")
	ErrBadDigest        = errors.New("content MD5 does not match")
	// ErrMetadataTooLarge: what is kept with an object or a bucket (headers,
	// user metadata, tags) exceeds what the backend can store with it.
	ErrMetadataTooLarge = errors.New("metadata too large for the store")
	// ErrPreconditionFailed: a conditional write found the object other
	// than the condition named (DeleteIf: another ETag) and changed nothing.
	ErrPreconditionFailed = errors.New("precondition failed")
)

// MaxKeyLen is S3's limit on a key's length in bytes.
const MaxKeyLen = 1024

// MinPartSize is the smallest size of a multipart part other than the last.
const MinPartSize = 5 << 20

// ObjectInfo describes a stored object.
type ObjectInfo struct {
	Key          string
	Size         int64
	ETag         string // without quotes: hex MD5, or "hex-N" for multipart
	LastModified time.Time
	ContentType  string
	Headers      map[string]string // other stored headers: Content-Encoding, Cache-Control, ...
	Metadata     map[string]string // user metadata (x-amz-meta-*), lower-case names without the prefix
	TagCount     int               // how many tags the object has (Get and Head tell; see Tagging)
}

// UnquoteETag returns etag without the double quotes HTTP puts around it.
func UnquoteETag(etag string) string { return strings.Trim(etag, `"`) }

// PutOptions carries what a writer says about an object.
type PutOptions struct {
	Size        int64 // -1 when unknown
	ContentType string
	Headers     map[string]string
	Metadata    map[string]string
	// MD5, when set, is the digest the writer sent (Content-MD5): a store
	// refuses content that does not match it with ErrBadDigest.
	MD5 []byte
	// Tags are stored with the object, in the same atomic step as its data.
	Tags map[string]string
}

// Range is an inclusive byte range; End < 0 means to the end.
// A suffix range (the last N bytes) has Start < 0 and End = N.
type Range struct {
	Start, End int64
}

// Bucket describes a bucket.
type Bucket struct {
	Name    string
	Created time.Time
}

// ListOptions selects keys as S3's ListObjectsV2 does.
type ListOptions struct {
	Prefix     string
	Delimiter  string
	StartAfter string // list keys strictly after this one (also the continuation marker)
	MaxKeys    int    // 0 means 1000
}

// ListResult is one page of a listing, keys and common prefixes in byte order.
type ListResult struct {
	Objects        []ObjectInfo
	CommonPrefixes []string
	Truncated      bool
	Next           string // when Truncated: pass as StartAfter for the next page
}

// Part describes one uploaded part of a multipart upload.
type Part struct {
	Number       int
	ETag         string
	Size         int64
	LastModified time.Time
}

// Upload describes a multipart upload in progress.
type Upload struct {
	Key       string
	ID        string
	Initiated time.Time
}

// Buckets manages buckets.
type Buckets interface {
	CreateBucket(ctx context.Context, name string) error
	// DeleteBucket removes an empty bucket; ErrBucketNotEmpty otherwise.
	DeleteBucket(ctx context.Context, name string) error
	HeadBucket(ctx context.Context, name string) (Bucket, error)
	ListBuckets(ctx context.Context) ([]Bucket, error)
}

// Objects reads and writes whole objects.
type Objects interface {
	// Put stores r under key. It reads r to io.EOF and makes the object
	// visible only if r ended cleanly: a reader that fails (a bad checksum,
	// a truncated body) leaves nothing behind. It returns after the object is
	// durable.
	Put(ctx context.Context, bucket, key string, r io.Reader, opts PutOptions) (ObjectInfo, error)
	// Get opens an object, or the part of it that rng selects (nil: whole).
	// ObjectInfo.Size is the whole object's size.
	Get(ctx context.Context, bucket, key string, rng *Range) (io.ReadCloser, ObjectInfo, error)
	Head(ctx context.Context, bucket, key string) (ObjectInfo, error)
	// Delete removes key; deleting a missing key is not an error, as in S3.
	Delete(ctx context.Context, bucket, key string) error
	// DeleteIf removes key only if its current version has ETag etag, as
	// DeleteObject with If-Match does; "*" matches any version. Quotes
	// around etag are ignored. The check and the removal are one atomic
	// step: a version written meanwhile is never removed in place of the
	// one named. ErrNoSuchKey when key is missing; ErrPreconditionFailed,
	// with nothing removed, when its ETag is another.
	DeleteIf(ctx context.Context, bucket, key, etag string) error
	List(ctx context.Context, bucket string, opts ListOptions) (ListResult, error)
}

// Multipart assembles an object from parts uploaded separately.
type Multipart interface {
	CreateUpload(ctx context.Context, bucket, key string, opts PutOptions) (uploadID string, err error)
	// UploadPart stores part n (1..10000); like Put, a failing reader stores nothing.
	UploadPart(ctx context.Context, bucket, key, uploadID string, n int, r io.Reader, size int64) (Part, error)
	// CompleteUpload joins the named parts (ascending numbers, matching ETags)
	// into the object; the ETag is the hex MD5 of the parts' MD5s, "-N".
	CompleteUpload(ctx context.Context, bucket, key, uploadID string, parts []Part) (ObjectInfo, error)
	AbortUpload(ctx context.Context, bucket, key, uploadID string) error
	ListParts(ctx context.Context, bucket, key, uploadID string) ([]Part, error)
	ListUploads(ctx context.Context, bucket, prefix string) ([]Upload, error)
}

// Tagging reads and replaces tags, S3's key-value labels on objects and
// buckets. Callers validate tags (S3's limits); a backend stores them as
// given. A tag set that is nil or empty is no tags.
type Tagging interface {
	// ObjectTags returns key's tags; ErrNoSuchKey when key is missing.
	ObjectTags(ctx context.Context, bucket, key string) (map[string]string, error)
	// SetObjectTags replaces key's tags without rewriting its data: its
	// bytes, ETag and modification time stay, and a crash leaves either the
	// old tags or the new ones. ErrNoSuchKey when key is missing.
	SetObjectTags(ctx context.Context, bucket, key string, tags map[string]string) error
	// BucketTags returns a bucket's tags; ErrNoSuchBucket when it is missing.
	BucketTags(ctx context.Context, bucket string) (map[string]string, error)
	// SetBucketTags replaces a bucket's tags.
	SetBucketTags(ctx context.Context, bucket string, tags map[string]string) error
}

// Store is the whole seam.
type Store interface {
	Buckets
	Objects
	Multipart
	Tagging
	Close() error
}
