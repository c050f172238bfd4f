package natsjs

import (
	"encoding/binary"
	"time"

	"github.com/tarnlake/tarn/internal/stream"
)

// One JetStream message holds a batch of up to maxBatch records of one
// shard: the records of one Append for that shard, split by size. NATS
// spends about as much per message as tarn spends per whole record, so a
// PutRecords of 500 records is one publish and one acknowledgement per
// shard, and a read moves a few messages instead of thousands.
//
// A record's sequence number is its message's JetStream sequence shifted
// left by seqShift, plus its index in the batch: stable across restarts,
// increasing in stream order.
const (
	seqShift = 10
	maxBatch = 1 << seqShift
)

func recordSeq(msgSeq uint64, i int) uint64 { return msgSeq<<seqShift | uint64(i) }

// msgSeqOf is the JetStream sequence of the message holding record seq.
func msgSeqOf(seq uint64) uint64 { return seq >> seqShift }

// A message is either one record, its partition key length-prefixed then
// its data (the first byte, the key's length, is never 0: Kinesis keys are
// not empty), or a batch: 0, the record count, then each record's key and
// data, each length-prefixed. Parsing NATS headers for the keys cost more
// than the rest of a read.
func encodeBatch(recs []stream.Record) []byte {
	if len(recs) == 1 && recs[0].PartitionKey != "" {
		r := recs[0]
		b := make([]byte, 0, binary.MaxVarintLen32+len(r.PartitionKey)+len(r.Data))
		b = binary.AppendUvarint(b, uint64(len(r.PartitionKey)))
		b = append(b, r.PartitionKey...)
		return append(b, r.Data...)
	}
	size := 1 + binary.MaxVarintLen32
	for _, r := range recs {
		size += 2*binary.MaxVarintLen32 + len(r.PartitionKey) + len(r.Data)
	}
	b := make([]byte, 1, size)
	b = binary.AppendUvarint(b, uint64(len(recs)))
	for _, r := range recs {
		b = binary.AppendUvarint(b, uint64(len(r.PartitionKey)))
		b = append(b, r.PartitionKey...)
		b = binary.AppendUvarint(b, uint64(len(r.Data)))
		b = append(b, r.Data...)
	}
	return b
}

// batchSize is what one record adds to a batch message.
func batchSize(r stream.Record) int {
	return 2*binary.MaxVarintLen32 + len(r.PartitionKey) + len(r.Data)
}

// decodeBatch appends the records of message msgSeq with sequence numbers
// of at least from; ok is false for a message tarn did not write. The
// records' data point into msg.
func decodeBatch(out []stream.Record, msg []byte, shard string, msgSeq, from uint64, at time.Time) ([]stream.Record, bool) {
	if len(msg) == 0 {
		return out, false
	}
	if msg[0] != 0 {
		n, w := binary.Uvarint(msg)
		if w <= 0 || uint64(len(msg)-w) < n {
			return out, false
		}
		if seq := recordSeq(msgSeq, 0); seq >= from {
			out = append(out, stream.Record{Shard: shard, Seq: seq, PartitionKey: string(msg[w : w+int(n)]), Data: msg[w+int(n):], Arrival: at})
		}
		return out, true
	}
	count, w := binary.Uvarint(msg[1:])
	if w <= 0 || count == 0 || count > maxBatch {
		return out, false
	}
	rest := msg[1+w:]
	field := func() ([]byte, bool) {
		n, w := binary.Uvarint(rest)
		if w <= 0 || uint64(len(rest)-w) < n {
			return nil, false
		}
		f := rest[w : w+int(n)]
		rest = rest[w+int(n):]
		return f, true
	}
	start := len(out)
	for i := range int(count) {
		key, ok1 := field()
		data, ok2 := field()
		if !ok1 || !ok2 {
			return out[:start], false
		}
		if seq := recordSeq(msgSeq, i); seq >= from {
			out = append(out, stream.Record{Shard: shard, Seq: seq, PartitionKey: string(key), Data: data, Arrival: at})
		}
	}
	return out, len(rest) == 0
}

// batchCount is how many records a message holds (0 if tarn did not write it).
func batchCount(msg []byte) int {
	if len(msg) == 0 {
		return 0
	}
	if msg[0] != 0 {
		return 1
	}
	n, w := binary.Uvarint(msg[1:])
	if w <= 0 || n > maxBatch {
		return 0
	}
	return int(n)
}

// perMessage tracks how many records a message holds on average, to ask
// JetStream for about as many messages as the records wanted.
type perMessage struct{ msgs, recs int }

func (p *perMessage) add(msgs, recs int) {
	p.msgs += msgs
	p.recs += recs
	if p.msgs > 1<<20 { // follow changes in the writers' batching
		p.msgs, p.recs = p.msgs/2, p.recs/2
	}
}

// messagesFor is how many messages hold about n records: at least one.
func (p *perMessage) messagesFor(n int) int {
	if p.msgs == 0 || p.recs == 0 {
		return min(n, 8) // unknown: learn from a few
	}
	return max(1, min(n, (n*p.msgs+p.recs-1)/p.recs))
}
