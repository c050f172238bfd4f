// Package stream is the stream seam: durable, sharded record logs that
// producers append to and readers scan from any position, with the
// metadata (shards, retention, tags) that the Kinesis API and tarn's own
// consumers need. Backends live in sibling packages (natsjs); streamtest
// holds the conformance suite they all pass. Kinesis semantics (hash key
// ranges, iterators, sequence number strings) live in kinesisapi, above.
package stream

import (
	"context"
	"errors"
	"time"
)

// Errors every backend returns (wrapped with context); check with errors.Is.
var (
	ErrNotFound       = errors.New("stream not found")
	ErrExists         = errors.New("stream already exists")
	ErrNoSuchShard    = errors.New("shard not found")
	ErrConflict       = errors.New("stream metadata changed concurrently")
	ErrNoSuchConsumer = errors.New("consumer not found")
)

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

// Store is the seam.
type Store interface {
	// Create makes a stream with info's Name, Retention, Shards and Tags.
	Create(ctx context.Context, info Info) error
	Delete(ctx context.Context, name string) error
	Info(ctx context.Context, name string) (Info, error)
	// UpdateInfo applies fn to the current Info and stores the result if
	// nothing changed it meanwhile, retrying otherwise.
	UpdateInfo(ctx context.Context, name string, fn func(*Info) error) (Info, error)
	List(ctx context.Context) ([]string, error)

	// Append stores records (Shard, PartitionKey and Data set) and returns
	// their sequence numbers in order. It returns only once every record is
	// durable; on error some records may have been stored.
	Append(ctx context.Context, name string, recs []Record) ([]uint64, error)
	// Read returns up to max records of shard with Seq >= from, in order,
	// without waiting for more. Records past retention are gone.
	Read(ctx context.Context, name, shard string, from uint64, max int) ([]Record, error)
	// Tail returns the last sequence number stored in the stream (0 if none).
	Tail(ctx context.Context, name string) (uint64, error)
	// SeqAt returns the first sequence number stored at or after t (Tail+1
	// when there is none).
	SeqAt(ctx context.Context, name string, t time.Time) (uint64, error)

	// Consumer opens the named durable consumer of a stream: it resumes
	// after the last record it acknowledged, also after a crash.
	Consumer(ctx context.Context, name, consumer string) (Consumer, error)
	// DeleteConsumer forgets a durable consumer.
	DeleteConsumer(ctx context.Context, name, consumer string) error

	Close() error
}

// Consumer reads a stream on behalf of tarn's own readers (deliveries),
// across all its shards, in order per shard.
type Consumer interface {
	// Fetch returns up to max records not yet acknowledged, waiting up to
	// wait for the first one; no records and no error when none came.
	Fetch(ctx context.Context, max int, wait time.Duration) ([]Record, error)
	// Ack acknowledges every record fetched up to and including r.
	Ack(ctx context.Context, r Record) error
	Close() error
}
