package kinesisapi

import (
	"context"
	"errors"
	"math/big"
	"slices"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/stream"
)

func (a *API) updateShardCount(c *call) (any, error) {
	var req struct {
		streamRef
		TargetShardCount *int64
		ScalingType      *string
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	var v validation
	name := req.resolve(&v)
	if v.required("targetShardCount", req.TargetShardCount != nil) {
		v.between("targetShardCount", req.TargetShardCount, 1, 1<<31-1)
	}
	if v.required("scalingType", req.ScalingType != nil) {
		v.enum("scalingType", req.ScalingType, "UNIFORM_SCALING")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	target := int(*req.TargetShardCount)
	if target > a.opts.MaxShards {
		return nil, limitExceeded(name, target, a.opts.MaxShards)
	}
	if err := a.authorize(c, access.Write, name); err != nil {
		return nil, err
	}
	info, err := a.store.Info(c.Ctx, name)
	if err != nil {
		return nil, storeErr(err, name)
	}
	open := openByHash(info)
	res := struct {
		StreamName        string
		StreamARN         string
		CurrentShardCount int
		TargetShardCount  int
	}{name, a.arn(name), len(open), target}
	if len(open) == target && info.Status == "ACTIVE" {
		return res, nil
	}
	if _, err := childRanges(open, target); err != nil {
		return nil, err
	}
	if err := a.reshard(c, name, target); err != nil {
		return nil, err
	}
	return res, nil
}

// reshard closes every open shard at the stream's tail and opens target
// shards after it. It goes in two steps so that writers can tell whether a
// record they appended meanwhile landed before the close (see put): first
// the stream is marked UPDATING, then the tail is read, then the shards
// change and the stream is ACTIVE again.
func (a *API) reshard(c *call, name string, target int) error {
	marked, err := a.store.UpdateInfo(c.Ctx, name, func(info *stream.Info) error {
		if info.Status != "ACTIVE" && info.Status != "UPDATING" { // UPDATING: a reshard died half way
			return inUse("Stream %s under account %s not ACTIVE, instead in state %s", name, account, info.Status)
		}
		info.Status = "UPDATING"
		return nil
	})
	if err != nil {
		return storeErr(err, name)
	}
	tail, err := a.store.Tail(c.Ctx, name)
	if err == nil {
		err = a.finishReshard(c, name, target, tail, len(marked.Shards))
	}
	if err != nil && !errors.Is(err, errResharded) {
		// Left UPDATING, the stream would make every writer wait.
		a.store.UpdateInfo(context.WithoutCancel(c.Ctx), name, func(info *stream.Info) error {
			if info.Status == "UPDATING" && len(info.Shards) == len(marked.Shards) {
				info.Status = "ACTIVE"
			}
			return nil
		})
	}
	if errors.Is(err, errResharded) {
		return inUse("Stream %s under account %s was resharded by another request.", name, account)
	}
	return storeErr(err, name)
}

// errResharded says another UpdateShardCount got there first.
var errResharded = errors.New("resharded concurrently")

// finishReshard closes the open shards at tail and adds the children.
// shards is how many the stream had when it was marked UPDATING.
func (a *API) finishReshard(c *call, name string, target int, tail uint64, shards int) error {
	_, err := a.store.UpdateInfo(c.Ctx, name, func(info *stream.Info) error {
		if len(info.Shards) != shards {
			return errResharded
		}
		open := openByHash(*info)
		ranges, err := childRanges(open, target)
		if err != nil {
			return err
		}
		first := nextShardIndex(*info)
		if tail == 0 {
			// An empty stream's shards cannot be closed (EndSeq 0 means
			// open), and hold nothing to read in order: replace them.
			info.Shards = newShards(target, first, 1, ranges)
			info.Status = "ACTIVE"
			return nil
		}
		children := newShards(target, first, tail+1, ranges)
		for i := range children {
			parents := overlapping(open, ranges[i])
			children[i].Parent = parents[0].ID
			if len(parents) > 1 {
				children[i].AdjacentParent = parents[1].ID
			}
		}
		for i := range info.Shards {
			if info.Shards[i].Open() {
				info.Shards[i].EndSeq = tail
			}
		}
		info.Shards = append(info.Shards, children...)
		info.Status = "ACTIVE"
		return nil
	})
	return err
}

// openShard is an open shard with its parsed hash key range.
type openShard struct {
	stream.Shard
	r hashRange
}

// openByHash returns the open shards in hash key order.
func openByHash(info stream.Info) []openShard {
	var out []openShard
	for _, sh := range info.Shards {
		if !sh.Open() {
			continue
		}
		r, err := shardRange(sh)
		if err != nil {
			continue // cannot happen with shards this package made
		}
		out = append(out, openShard{sh, r})
	}
	slices.SortFunc(out, func(x, y openShard) int { return x.r.start.Cmp(y.r.start) })
	return out
}

func overlapping(open []openShard, r hashRange) []openShard {
	var out []openShard
	for _, o := range open {
		if o.r.overlaps(r) {
			out = append(out, o)
		}
	}
	return out
}

// childRanges splits the hash key space into target even ranges for a
// reshard of open. A child may name only two parents (ParentShardId,
// AdjacentParentShardId), and a reader must finish every parent before the
// child to keep each key in order, so counts that would give a child three
// parents are refused.
func childRanges(open []openShard, target int) ([]hashRange, error) {
	if len(open) == 0 {
		return nil, errors.New("the stream has no open shards")
	}
	if ranges, ok := split(open, target); ok {
		return ranges, nil
	}
	next := len(open)
	for t := target + 1; t < len(open); t++ {
		if _, ok := split(open, t); ok {
			next = t
			break
		}
	}
	return nil, invalidArg("UpdateShardCount from %d to %d shards would give a new shard more than two parent shards; "+
		"scale in steps, for example to %d first.", len(open), target, next)
}

// split makes target even ranges, except that a boundary within rounding
// distance of an old one takes the old one, so that halving merges exact
// pairs as Kinesis does. It reports whether every range overlaps at most
// two of open.
func split(open []openShard, target int) ([]hashRange, bool) {
	ranges := evenRanges(target)
	slack := new(big.Int).Lsh(big.NewInt(1), 64)
	for i := 1; i < len(ranges); i++ {
		for _, o := range open {
			d := new(big.Int).Sub(ranges[i].start, o.r.start)
			if d.CmpAbs(slack) <= 0 {
				ranges[i].start = new(big.Int).Set(o.r.start)
				ranges[i-1].end = new(big.Int).Sub(o.r.start, big.NewInt(1))
				break
			}
		}
	}
	for _, r := range ranges {
		if len(overlapping(open, r)) > 2 {
			return nil, false
		}
	}
	return ranges, true
}
