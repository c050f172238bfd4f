// Package stream is the stream seam: durable, sharded record logs that
// producers append to and readers scan from any position, with the
// metadata (shards, retention, tags) that the Kinesis API and tarn's own
// consumers need. Backends live in sibling packages (natsjs, and memstream
// for tests); streamtest holds the conformance suite they all pass, which
// pins every error the seam documents. Kinesis semantics (hash key
// ranges, iterators, sequence number strings) live in kinesisapi, above.
package stream

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Errors every backend returns, wrapped with context; check with errors.Is.
// Each method of Store and Consumer names the ones it returns; anything
// else is the backend failing (a lost connection, a full disk).
var (
	// ErrNotFound: no stream of that name, also for a name that Create
	// would refuse.
	ErrNotFound = errors.New("stream not found")
	// ErrExists: Create of a name already taken.
	ErrExists = errors.New("stream already exists")
	// ErrNoSuchShard: a shard that the stream's Info does not list.
	ErrNoSuchShard = errors.New("shard not found")
	// ErrNoSuchConsumer: a durable consumer never opened, or deleted.
	ErrNoSuchConsumer = errors.New("consumer not found")
	// ErrInvalid: a name or an Info that Check refuses.
	ErrInvalid = errors.New("invalid stream")
)

// ValidName reports whether s may name a stream, a shard or a consumer:
// 1 to 128 characters of [a-zA-Z0-9_.-], as Kinesis allows.
func ValidName(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for _, c := range []byte(s) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// Check returns ErrInvalid, saying why, unless info has a valid name and
// at least one shard, each with a valid and distinct ID. Create and
// UpdateInfo store only what passes.
func Check(info Info) error {
	if !ValidName(info.Name) {
		return fmt.Errorf("%w: name %q is not 1 to 128 characters of a-z, A-Z, 0-9, _, . and -", ErrInvalid, info.Name)
	}
	if len(info.Shards) == 0 {
		return fmt.Errorf("%w: stream %s has no shards", ErrInvalid, info.Name)
	}
	seen := make(map[string]bool, len(info.Shards))
	for _, sh := range info.Shards {
		if !ValidName(sh.ID) {
			return fmt.Errorf("%w: stream %s: shard id %q is not 1 to 128 characters of a-z, A-Z, 0-9, _, . and -", ErrInvalid, info.Name, sh.ID)
		}
		if seen[sh.ID] {
			return fmt.Errorf("%w: stream %s: shard %s twice", ErrInvalid, info.Name, sh.ID)
		}
		seen[sh.ID] = true
	}
	return nil
}

// Info is a stream's metadata, kept by the backend where every tarn
// process sharing it can read it.
type Info struct {
	Name      string
	Created   time.Time
	Retention time.Duration // records older than this are dropped
	OnDemand  bool          // Kinesis ON_DEMAND mode (else PROVISIONED)
	Status    string        // CREATING, ACTIVE, UPDATING, DELETING
	Shards    []Shard
	Tags      map[string]string
	// Revision is the backend's version of this Info, for UpdateInfo.
	Revision uint64
}

// Shard is one shard: a range of 128-bit hash keys, written as decimal
// strings as Kinesis does, and the sequence numbers it holds.
type Shard struct {
	ID             string
	Parent         string // set on shards made by resharding
	AdjacentParent string
	HashStart      string // inclusive, decimal
	HashEnd        string // inclusive, decimal
	StartSeq       uint64 // first sequence number the shard may hold
	EndSeq         uint64 // 0 while open; last sequence number once closed
}

// Open reports whether the shard still takes new records.
func (s Shard) Open() bool { return s.EndSeq == 0 }

// Record is one record of a shard.
type Record struct {
	Shard        string
	Seq          uint64 // stream-wide, increasing; stable across restarts
	PartitionKey string
	Data         []byte
	Arrival      time.Time
}

// Store is the seam. Every method that takes a stream's name returns
// ErrNotFound when there is no such stream; the other errors are named
// with each method.
type Store interface {
	// Create makes a stream with info's Name, Retention, Shards and Tags.
	// ErrInvalid unless Check(info) passes, ErrExists if the name is taken.
	Create(ctx context.Context, info Info) error
	// Delete removes a stream with its records and consumers.
	Delete(ctx context.Context, name string) error
	Info(ctx context.Context, name string) (Info, error)
	// UpdateInfo applies fn to the current Info and stores the result if
	// nothing changed it meanwhile, retrying otherwise; changes fn makes
	// to Name and Revision are ignored. fn's error is returned as is, and
	// ErrInvalid if the result does not pass Check: nothing is stored then.
	UpdateInfo(ctx context.Context, name string, fn func(*Info) error) (Info, error)
	// List returns every stream's name, in order.
	List(ctx context.Context) ([]string, error)

	// Append stores records (Shard, PartitionKey and Data set) and returns
	// their sequence numbers in order. It returns only once every record is
	// durable; on error some records may have been stored, except with
	// ErrNoSuchShard (a record's Shard is not in the stream's Info), which
	// stores none.
	Append(ctx context.Context, name string, recs []Record) ([]uint64, error)
	// Read returns up to max records of shard with Seq >= from, in order,
	// without waiting for more. Records past retention are gone.
	// ErrNoSuchShard if the stream's Info does not list shard.
	Read(ctx context.Context, name, shard string, from uint64, max int) ([]Record, error)
	// Scan returns up to max records of every shard with Seq >= from, in
	// Seq order, without waiting for more: a reader that keeps its own
	// position (a delivery's checkpoint) needs no consumer to acknowledge.
	Scan(ctx context.Context, name string, from uint64, max int) ([]Record, error)
	// Tail returns the last sequence number stored in the stream (0 if none).
	Tail(ctx context.Context, name string) (uint64, error)
	// SeqAt returns the first sequence number stored at or after t (Tail+1
	// when there is none).
	SeqAt(ctx context.Context, name string, t time.Time) (uint64, error)

	// Consumer opens the named durable consumer of a stream: it resumes
	// after the last record it acknowledged, also after a crash.
	// ErrInvalid unless ValidName(consumer).
	Consumer(ctx context.Context, name, consumer string) (Consumer, error)
	// DeleteConsumer forgets a durable consumer; ErrNoSuchConsumer if the
	// stream has no consumer of that name.
	DeleteConsumer(ctx context.Context, name, consumer string) error

	Close() error
}

// Consumer reads a stream on behalf of tarn's own readers (deliveries),
// across all its shards, in order per shard. Once its stream is deleted,
// Fetch and Ack return ErrNotFound; once the consumer is deleted
// (DeleteConsumer), ErrNoSuchConsumer. Records fetched from the backend
// before may still be returned first.
type Consumer interface {
	// Fetch returns up to max records not yet acknowledged, waiting up to
	// wait for the first one; no records and no error when none came.
	Fetch(ctx context.Context, max int, wait time.Duration) ([]Record, error)
	// Ack acknowledges every record fetched up to and including r.
	Ack(ctx context.Context, r Record) error
	Close() error
}
