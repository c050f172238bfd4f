package kinesisapi

import (
	"crypto/md5"
	"fmt"
	"math/big"

	"github.com/tarnlake/tarn/internal/stream"
)

// hashSpace is 2^128, one past the largest hash key.
func hashSpace() *big.Int { return new(big.Int).Lsh(big.NewInt(1), 128) }

// hashRange is an inclusive range of hash keys.
type hashRange struct{ start, end *big.Int }

// evenRanges splits the hash key space into n ranges as Kinesis's
// CreateStream does: range i starts at i*floor(2^128/n) and the last range
// takes the remainder, ending at 2^128-1.
func evenRanges(n int) []hashRange {
	space := hashSpace()
	width := new(big.Int).Quo(space, big.NewInt(int64(n)))
	out := make([]hashRange, n)
	for i := range out {
		start := new(big.Int).Mul(width, big.NewInt(int64(i)))
		next := new(big.Int).Add(start, width)
		if i == n-1 {
			next = space
		}
		out[i] = hashRange{start, next.Sub(next, big.NewInt(1))}
	}
	return out
}

// partitionHash is the hash key of a partition key: the MD5 of its UTF-8
// bytes read as a big-endian 128-bit number.
func partitionHash(key string) *big.Int {
	sum := md5.Sum([]byte(key))
	return new(big.Int).SetBytes(sum[:])
}

// parseHashKey parses a decimal hash key strictly.
func parseHashKey(s string) (*big.Int, bool) {
	if s == "" || len(s) > 39 || len(s) > 1 && s[0] == '0' {
		return nil, false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return nil, false
		}
	}
	n, ok := new(big.Int).SetString(s, 10)
	if !ok || n.Cmp(hashSpace()) >= 0 {
		return nil, false
	}
	return n, true
}

// shardRange parses a shard's hash key range.
func shardRange(sh stream.Shard) (hashRange, error) {
	start, ok1 := new(big.Int).SetString(sh.HashStart, 10)
	end, ok2 := new(big.Int).SetString(sh.HashEnd, 10)
	if !ok1 || !ok2 {
		return hashRange{}, fmt.Errorf("shard %s has a bad hash key range [%q, %q]", sh.ID, sh.HashStart, sh.HashEnd)
	}
	return hashRange{start, end}, nil
}

func (r hashRange) contains(k *big.Int) bool {
	return r.start.Cmp(k) <= 0 && k.Cmp(r.end) <= 0
}

func (r hashRange) overlaps(o hashRange) bool {
	return r.start.Cmp(o.end) <= 0 && o.start.Cmp(r.end) <= 0
}

// router finds the open shard for a hash key.
type router struct {
	shards []stream.Shard
	ranges []hashRange
}

func newRouter(info stream.Info) (*router, error) {
	rt := &router{}
	for _, sh := range info.Shards {
		if !sh.Open() {
			continue
		}
		r, err := shardRange(sh)
		if err != nil {
			return nil, err
		}
		rt.shards = append(rt.shards, sh)
		rt.ranges = append(rt.ranges, r)
	}
	return rt, nil
}

func (rt *router) route(k *big.Int) (stream.Shard, error) {
	for i, r := range rt.ranges {
		if r.contains(k) {
			return rt.shards[i], nil
		}
	}
	return stream.Shard{}, fmt.Errorf("no open shard holds hash key %s", k)
}
