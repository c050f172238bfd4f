package kinesisapi

import (
	"encoding/base64"
	"slices"
	"strconv"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/stream"
)

// getRecordsOut is GetRecords' answer. Its records are encoded by hand:
// through reflection, and the checks encoding/json runs on each record's
// timestamp, encoding cost more than reading them.
type getRecordsOut struct {
	Records            []stream.Record
	NextShardIterator  *string
	MillisBehindLatest int64
	ChildShards        []childShard
}

func (o getRecordsOut) AppendJSON(b []byte) []byte {
	// Sized up front: growing a 2 MiB answer by doubling cost more than
	// encoding it.
	size := 256
	for _, r := range o.Records {
		size += recordJSONSize + base64.StdEncoding.EncodedLen(len(r.Data)) + 2*len(r.PartitionKey)
	}
	b = slices.Grow(b, size)
	b = append(b, `{"Records":[`...)
	for i, r := range o.Records {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"SequenceNumber":"`...)
		b = appendSeq(b, r.Seq)
		b = append(b, `","ApproximateArrivalTimestamp":`...)
		b = strconv.AppendFloat(b, float64(r.Arrival.UnixMilli())/1000, 'f', -1, 64)
		b = append(b, `,"Data":"`...)
		b = base64.StdEncoding.AppendEncode(b, r.Data)
		b = append(b, `","PartitionKey":`...)
		b = appendJSONString(b, r.PartitionKey)
		b = append(b, `,"EncryptionType":"NONE"}`...)
	}
	b = append(b, `],"NextShardIterator":`...)
	b = appendJSONValue(b, o.NextShardIterator)
	b = append(b, `,"MillisBehindLatest":`...)
	b = strconv.AppendInt(b, o.MillisBehindLatest, 10)
	if len(o.ChildShards) > 0 {
		b = append(b, `,"ChildShards":`...)
		b = appendJSONValue(b, o.ChildShards)
	}
	return append(b, '}')
}

// recordJSONSize is a record's JSON without its data and key.
const recordJSONSize = len(`{"SequenceNumber":"","ApproximateArrivalTimestamp":,"Data":"","PartitionKey":"","EncryptionType":"NONE"},`) +
	len(seqPrefix) + seqDigits + 20

type childShard struct {
	ShardId      string
	ParentShards []string
	HashKeyRange hashKeyRange
}

func (a *API) getRecords(c *call) (any, error) {
	var req struct {
		ShardIterator *string
		Limit         *int64
		StreamARN     *string
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	var v validation
	if v.required("shardIterator", req.ShardIterator != nil) {
		v.length("shardIterator", req.ShardIterator, 1, 512)
	}
	v.between("limit", req.Limit, 1, maxGetLimit)
	if err := v.err(); err != nil {
		return nil, err
	}
	it, ok := parseIterator(*req.ShardIterator)
	if !ok {
		return nil, invalidArg("Invalid ShardIterator.")
	}
	if now := a.opts.Now(); now.Sub(it.Issued) > iteratorTTL {
		return nil, clientErr("ExpiredIteratorException",
			"Iterator expired. The iterator was created at time %s while right now it is %s which is further in the future than the tolerated delay of %d milliseconds.",
			timeOf(it.Issued), timeOf(now), iteratorTTL.Milliseconds())
	}
	name := it.Stream
	if err := a.authorize(c, access.Read, name); err != nil {
		return nil, err
	}
	info, err := a.store.Info(c.Ctx, name)
	if err != nil {
		return nil, storeErr(err, name)
	}
	if info.Created.UnixMilli() != it.Created.UnixMilli() {
		return nil, streamNotFound(name) // deleted and made anew since
	}
	sh, ok := findShard(info, it.Shard)
	if !ok {
		return nil, shardNotFound(name, it.Shard)
	}
	limit := maxGetLimit
	if req.Limit != nil {
		limit = int(*req.Limit)
	}
	var recs []stream.Record
	more := false
	if sh.Open() || it.Next <= sh.EndSeq {
		if recs, more, err = a.read(c, name, sh, it.Next, limit); err != nil {
			return nil, storeErr(err, name)
		}
	}
	res := getRecordsOut{Records: recs}
	next := it.Next
	if len(recs) > 0 {
		next = recs[len(recs)-1].Seq + 1
	}
	// MillisBehindLatest is how long ago the last returned record arrived
	// when more remain to be read, and 0 once the reader has caught up with
	// the shard: a cheap stand-in for Kinesis's "how far behind
	// the tip", which needs no read of the tip itself.
	if more && len(recs) > 0 {
		res.MillisBehindLatest = max(0, a.opts.Now().Sub(recs[len(recs)-1].Arrival).Milliseconds())
	}
	if !sh.Open() && (!more || next > sh.EndSeq) {
		// The closed shard is read to its end: no next iterator, and the
		// children to go on with.
		for _, ch := range info.Shards {
			if ch.Parent == sh.ID || ch.AdjacentParent == sh.ID {
				parents := []string{ch.Parent}
				if ch.AdjacentParent != "" {
					parents = append(parents, ch.AdjacentParent)
				}
				res.ChildShards = append(res.ChildShards, childShard{ch.ID, parents, hashKeyRange{ch.HashStart, ch.HashEnd}})
			}
		}
		return res, nil
	}
	nextIt := iterator{Issued: a.opts.Now(), Next: next, Created: info.Created, Shard: sh.ID, Stream: name}.String()
	res.NextShardIterator = &nextIt
	return res, nil
}

// read returns up to limit records of sh from Seq from on, and at most
// about 10 MiB of them as Kinesis does, and whether more may follow. It
// reads in growing chunks so that a shard of large records is not loaded
// ten thousand at a time.
func (a *API) read(c *call, name string, sh stream.Shard, from uint64, limit int) ([]stream.Record, bool, error) {
	var out []stream.Record
	size := 0
	// The first chunk is small unless an earlier read showed the records
	// are: a shard of large records is not loaded ten thousand at a time.
	chunk := 64
	if v, ok := a.recSize.Load(name); ok {
		chunk = max(1, maxGetBytes/v.(int))
	}
	defer func() {
		if len(out) > 0 {
			a.recSize.Store(name, max(1, size/len(out)))
		}
	}()
	for {
		n := min(chunk, limit-len(out))
		got, err := a.store.Read(c.Ctx, name, sh.ID, from, n)
		if err != nil {
			return nil, false, err
		}
		for _, r := range got {
			if !sh.Open() && r.Seq > sh.EndSeq {
				return out, false, nil // written after the close: not the shard's
			}
			if size += len(r.Data) + len(r.PartitionKey); size > maxGetBytes && len(out) > 0 {
				return out, true, nil
			}
			out = append(out, r)
			from = r.Seq + 1
		}
		if len(got) < n {
			return out, false, nil
		}
		if len(out) == limit {
			return out, true, nil
		}
		// Size the next chunk by the records seen so far, so small
		// records need few round trips and large ones stay near the cap.
		chunk = limit
		if avg := size / max(len(out), 1); avg > 0 {
			chunk = max(1, (maxGetBytes-size)/avg)
		}
	}
}
