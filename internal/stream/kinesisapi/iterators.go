package kinesisapi

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"strconv"
	"time"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/stream"
)

// Sequence numbers are the stream's uint64 Seq written as 56 decimal
// digits, "49" and then the number zero-padded to 54 digits: as long as
// Kinesis's, and ordered alike as strings and as numbers.
const (
	seqPrefix = "49"
	seqDigits = 54
)

func formatSeq(seq uint64) string {
	var b [len(seqPrefix) + seqDigits]byte
	return string(appendSeq(b[:0], seq))
}

// appendSeq appends formatSeq(seq) to b without allocating: it is on the
// hot path of every read.
func appendSeq(b []byte, seq uint64) []byte {
	b = append(b, seqPrefix...)
	n := len(b)
	b = append(b, make([]byte, seqDigits)...)
	for i := n + seqDigits - 1; i >= n; i-- { // zero-padded
		b[i] = byte('0' + seq%10)
		seq /= 10
	}
	return b
}

// parseSeq accepts exactly what formatSeq makes.
func parseSeq(s string) (uint64, bool) {
	if len(s) != len(seqPrefix)+seqDigits || s[:len(seqPrefix)] != seqPrefix {
		return 0, false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(s[len(seqPrefix):], 10, 64)
	return n, err == nil
}

// iterator is what a shard iterator carries. On the wire it is base64url
// of: version byte 1, issue time, next Seq and stream creation time (each
// 8 bytes big-endian; times in Unix milliseconds), the shard id's length
// (1 byte), the shard id, the stream name, and the first 8 bytes of the
// SHA-256 of all that, so that garbage and truncation are caught. It is not
// secret: GetRecords authorises the caller on the stream it names.
type iterator struct {
	Issued  time.Time
	Next    uint64
	Created time.Time // tells a recreated stream of the same name apart
	Shard   string
	Stream  string
}

const iteratorVersion = 1

func (it iterator) String() string {
	b := []byte{iteratorVersion}
	b = binary.BigEndian.AppendUint64(b, uint64(it.Issued.UnixMilli()))
	b = binary.BigEndian.AppendUint64(b, it.Next)
	b = binary.BigEndian.AppendUint64(b, uint64(it.Created.UnixMilli()))
	b = append(b, byte(len(it.Shard)))
	b = append(b, it.Shard...)
	b = append(b, it.Stream...)
	sum := sha256.Sum256(b)
	return base64.RawURLEncoding.EncodeToString(append(b, sum[:8]...))
}

func parseIterator(s string) (iterator, bool) {
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	const fixed = 1 + 3*8 + 1
	if err != nil || len(b) < fixed+8 || b[0] != iteratorVersion {
		return iterator{}, false
	}
	body, sum := b[:len(b)-8], b[len(b)-8:]
	want := sha256.Sum256(body)
	if string(want[:8]) != string(sum) {
		return iterator{}, false
	}
	n := int(body[fixed-1])
	if fixed+n > len(body) {
		return iterator{}, false
	}
	it := iterator{
		Issued:  time.UnixMilli(int64(binary.BigEndian.Uint64(body[1:]))),
		Next:    binary.BigEndian.Uint64(body[9:]),
		Created: time.UnixMilli(int64(binary.BigEndian.Uint64(body[17:]))),
		Shard:   string(body[fixed : fixed+n]),
		Stream:  string(body[fixed+n:]),
	}
	if !validName(it.Stream) || len(it.Stream) > 128 {
		return iterator{}, false
	}
	if _, ok := canonicalShard(it.Shard); !ok {
		return iterator{}, false
	}
	return it, true
}

func (a *API) getShardIterator(c *call) (any, error) {
	var req struct {
		streamRef
		ShardId                *string
		ShardIteratorType      *string
		StartingSequenceNumber *string
		Timestamp              *float64
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	var v validation
	name := req.resolve(&v)
	v.name("shardId", req.ShardId, true)
	if v.required("shardIteratorType", req.ShardIteratorType != nil) {
		v.enum("shardIteratorType", req.ShardIteratorType, "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER", "TRIM_HORIZON", "LATEST", "AT_TIMESTAMP")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	typ := *req.ShardIteratorType
	bySeq := typ == "AT_SEQUENCE_NUMBER" || typ == "AFTER_SEQUENCE_NUMBER"
	switch {
	case bySeq && req.StartingSequenceNumber == nil:
		return nil, invalidArg("Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or "+
			"(2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified %s and no StartingSequenceNumber.", typ)
	case !bySeq && req.StartingSequenceNumber != nil:
		return nil, invalidArg("Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or "+
			"(2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified %s and also a StartingSequenceNumber.", typ)
	case typ == "AT_TIMESTAMP" && req.Timestamp == nil:
		return nil, invalidArg("The timestampInMillis parameter cannot be null for ShardIteratorType AT_TIMESTAMP")
	}
	if err := a.authorize(c, access.Read, name); err != nil {
		return nil, err
	}
	info, err := a.store.Info(c.Ctx, name)
	if err != nil {
		return nil, storeErr(err, name)
	}
	sh, ok := findShard(info, *req.ShardId)
	if !ok {
		if id, ok := canonicalShard(*req.ShardId); ok {
			return nil, shardNotFound(name, id)
		}
		return nil, clientErr("ResourceNotFoundException", "Could not find shard %s in stream %s under account %s.", *req.ShardId, name, account)
	}
	next, err := a.position(c, info, sh, typ, req.StartingSequenceNumber, req.Timestamp)
	if err != nil {
		return nil, err
	}
	it := iterator{Issued: a.opts.Now(), Next: next, Created: info.Created, Shard: sh.ID, Stream: name}
	return struct{ ShardIterator string }{it.String()}, nil
}

// position is the first Seq an iterator of type typ reads on sh.
func (a *API) position(c *call, info stream.Info, sh stream.Shard, typ string, seqStr *string, ts *float64) (uint64, error) {
	end := sh.EndSeq + 1 // one past the last Seq the shard can hold, for closed shards
	switch typ {
	case "TRIM_HORIZON":
		return sh.StartSeq, nil
	case "LATEST":
		if !sh.Open() {
			return end, nil
		}
		tail, err := a.store.Tail(c.Ctx, info.Name)
		if err != nil {
			return 0, storeErr(err, info.Name)
		}
		return max(tail+1, sh.StartSeq), nil
	case "AT_TIMESTAMP":
		t, ok := epochTime(*ts)
		if !ok {
			return 0, invalidArg("Timestamp %v is not a valid time.", *ts)
		}
		seq, err := a.store.SeqAt(c.Ctx, info.Name, t)
		if err != nil {
			return 0, storeErr(err, info.Name)
		}
		seq = max(seq, sh.StartSeq)
		if !sh.Open() {
			seq = min(seq, end)
		}
		return seq, nil
	}
	seq, ok := parseSeq(*seqStr)
	if !ok {
		return 0, invalidArg("StartingSequenceNumber %s used in GetShardIterator on shard %s in stream %s under account %s is invalid.",
			*seqStr, sh.ID, info.Name, account)
	}
	last := sh.EndSeq
	if sh.Open() {
		tail, err := a.store.Tail(c.Ctx, info.Name)
		if err != nil {
			return 0, storeErr(err, info.Name)
		}
		last = tail
	}
	if seq < sh.StartSeq || seq > last {
		return 0, invalidArg("StartingSequenceNumber %s used in GetShardIterator on shard %s in stream %s under account %s "+
			"is invalid because it did not come from this shard: the shard holds %s to %s.",
			*seqStr, sh.ID, info.Name, account, formatSeq(sh.StartSeq), formatSeq(last))
	}
	if typ == "AFTER_SEQUENCE_NUMBER" {
		seq++
	}
	return seq, nil
}

// timeOf formats a time as Kinesis's messages do.
func timeOf(t time.Time) string { return t.UTC().Format("Mon Jan 02 15:04:05 UTC 2006") }
