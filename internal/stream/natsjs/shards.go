package natsjs

import (
	"context"
	"fmt"
	"iter"
	"time"

	"github.com/tarnlake/tarn/internal/stream"
)

// Append and Read refuse a shard that the stream's Info does not list
// (JetStream would take any subject under the stream's), but reading the
// metadata costs a tenth of an Append, so each stream's shard IDs are kept
// for shardsFresh. A change made through this Store is seen at once
// (Create, UpdateInfo and Delete forget the entry); another tarn process's
// removal of a shard is seen within shardsFresh, and a shard it added at
// once (a miss reads the metadata again).
const shardsFresh = time.Second

type knownShards struct {
	ids  map[string]bool
	read time.Time
}

// checkShards returns ErrNotFound or ErrNoSuchShard unless every id is a
// shard of stream name.
func (s *Store) checkShards(ctx context.Context, name string, ids iter.Seq[string]) error {
	known, fresh, err := s.shardIDs(ctx, name, false)
	if err != nil {
		return err
	}
	for id := range ids {
		if !known[id] && !fresh {
			if known, fresh, err = s.shardIDs(ctx, name, true); err != nil {
				return err
			}
		}
		if !known[id] {
			return fmt.Errorf("%w: %s of stream %s", stream.ErrNoSuchShard, id, name)
		}
	}
	return nil
}

// shardIDs returns stream name's shard IDs, kept unless reload or older
// than shardsFresh; fresh says they were read just now.
func (s *Store) shardIDs(ctx context.Context, name string, reload bool) (ids map[string]bool, fresh bool, err error) {
	now := time.Now()
	s.mu.Lock()
	k, ok := s.known[name]
	s.mu.Unlock()
	if ok && !reload && now.Sub(k.read) < shardsFresh {
		return k.ids, false, nil
	}
	info, err := s.Info(ctx, name)
	if err != nil {
		s.forgetShards(name)
		return nil, true, err
	}
	ids = make(map[string]bool, len(info.Shards))
	for _, sh := range info.Shards {
		ids[sh.ID] = true
	}
	s.mu.Lock()
	s.known[name] = knownShards{ids, now}
	s.mu.Unlock()
	return ids, true, nil
}

func (s *Store) forgetShards(name string) {
	s.mu.Lock()
	delete(s.known, name)
	s.mu.Unlock()
}
