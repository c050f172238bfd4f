package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/tarnlake/tarn/internal/catalog"
	"github.com/tarnlake/tarn/internal/stream"
)

// checkpoint is where a delivery stands in its source: every record up to
// Last is in the lake, and Pending, when set, is a buffer whose objects
// are being written. Pending is saved before the first object is written,
// so after a crash the same records make the same objects again, under
// the same names, rather than a second set.
type checkpoint struct {
	Last    uint64 `json:"last"`
	Pending *span  `json:"pending,omitempty"`
}

// span is a buffer's records: all of its stream's records with sequence
// numbers from First to Last (Shards says which shards they came from).
type span struct {
	First  uint64   `json:"first"`
	Last   uint64   `json:"last"`
	Count  int      `json:"count"`
	Shards []string `json:"shards"`
	// Config is the delivery as it was when the buffer was begun: after a
	// crash and an UpdateDestination, the buffer is written again as it
	// was begun (the same names), not under the new version.
	Config *Config `json:"config,omitempty"`
}

const docCheckpoint = "delivery-checkpoint"

func (w *worker) loadCheckpoint(ctx context.Context) (checkpoint, error) {
	return readCheckpoint(ctx, w.docs, w.cfg.Name)
}

func readCheckpoint(ctx context.Context, docs catalog.Documents, name string) (checkpoint, error) {
	var cp checkpoint
	d, err := docs.GetDoc(ctx, docCheckpoint, name)
	switch {
	case errors.Is(err, catalog.ErrNotFound):
		return cp, nil
	case err != nil:
		return cp, fmt.Errorf("delivery %s: checkpoint: %w", name, err)
	}
	if err := json.Unmarshal(d.Body, &cp); err != nil {
		return cp, fmt.Errorf("delivery %s: checkpoint: %w", name, err)
	}
	return cp, nil
}

func (w *worker) saveCheckpoint(ctx context.Context, fn func(*checkpoint)) error {
	_, err := catalog.UpdateDoc(ctx, w.docs, docCheckpoint, w.cfg.Name, func(c *checkpoint, _ bool) error {
		fn(c)
		return nil
	})
	if err != nil {
		return fmt.Errorf("delivery %s: checkpoint: %w", w.cfg.Name, err)
	}
	return nil
}

// reread reads a pending span's records again from the source.
func (w *worker) reread(ctx context.Context, sp span) ([]stream.Record, error) {
	var out []stream.Record
	for from := sp.First; from <= sp.Last; {
		recs, err := w.streams.Scan(ctx, w.source, from, scanBatch)
		if err != nil {
			return nil, fmt.Errorf("delivery %s: read %s again: %w", w.cfg.Name, w.source, err)
		}
		if len(recs) == 0 {
			break
		}
		for _, r := range recs {
			if r.Seq <= sp.Last {
				out = append(out, r)
			}
		}
		from = recs[len(recs)-1].Seq + 1
	}
	if len(out) != sp.Count {
		// Past the source's retention: what is left is written, and the
		// loss is said.
		w.log.Error("records of an unfinished buffer are gone from the source", "want", sp.Count, "found", len(out))
	}
	return out, nil
}

// spanOf is the span of a buffer's records.
func spanOf(recs []stream.Record) span {
	sp := span{First: recs[0].Seq, Last: recs[len(recs)-1].Seq, Count: len(recs)}
	seen := map[string]bool{}
	for _, r := range recs {
		if !seen[r.Shard] {
			seen[r.Shard] = true
			sp.Shards = append(sp.Shards, r.Shard)
		}
	}
	sort.Strings(sp.Shards)
	return sp
}

// oldest is the earliest arrival among recs.
func oldest(recs []stream.Record) time.Time {
	t := recs[0].Arrival
	for _, r := range recs[1:] {
		if r.Arrival.Before(t) {
			t = r.Arrival
		}
	}
	return t
}
