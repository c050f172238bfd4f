package kinesisapi

import (
	"strings"
	"sync"
	"time"
)

// Kinesis's documented limits.
const (
	maxRecord        = 1 << 20 // data plus partition key of one record
	maxPutRecords    = 500
	maxPutBytes      = 5 << 20  // a whole PutRecords request
	maxGetBytes      = 10 << 20 // what one GetRecords returns at most
	maxGetLimit      = 10000
	iteratorTTL      = 5 * time.Minute
	minRetention     = 24
	maxRetention     = 8760
	defaultRetention = 24 * time.Hour
	onDemandShards   = 4 // an ON_DEMAND stream's shards, Kinesis's default capacity
	maxTagsPerStream = 50
	maxTagsPerCall   = 10
	// maxBody bounds what is read of a request: 5 MiB of records grows by
	// a third in base64, and partition keys and JSON come on top.
	maxBody = 10 << 20
)

// limiter enforces per-shard write rates with token buckets, one per
// shard, holding a second's worth. They live in this process only: with
// several tarn processes each enforces its own share.
type limiter struct {
	recs, bytes float64 // per second; 0 is unlimited
	mu          sync.Mutex
	buckets     map[string]*bucket // by stream + "/" + shard
}

type bucket struct {
	recs, bytes float64
	at          time.Time
}

func newLimiter(recs, bytes int) *limiter {
	return &limiter{recs: float64(recs), bytes: float64(bytes), buckets: map[string]*bucket{}}
}

// take reports whether the shard may take n records of size bytes now,
// and if so spends them.
func (l *limiter) take(name, shard string, n, size int, now time.Time) bool {
	if l.recs <= 0 && l.bytes <= 0 {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	key := name + "/" + shard
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{recs: l.recs, bytes: l.bytes, at: now}
		l.buckets[key] = b
	}
	if dt := now.Sub(b.at).Seconds(); dt > 0 {
		b.recs = min(l.recs, b.recs+dt*l.recs)
		b.bytes = min(l.bytes, b.bytes+dt*l.bytes)
		b.at = now
	}
	if l.recs > 0 && b.recs < float64(n) || l.bytes > 0 && b.bytes < float64(size) {
		return false
	}
	b.recs -= float64(n)
	b.bytes -= float64(size)
	return true
}

// forget drops a deleted stream's buckets.
func (l *limiter) forget(name string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for k := range l.buckets {
		if strings.HasPrefix(k, name+"/") {
			delete(l.buckets, k)
		}
	}
}
