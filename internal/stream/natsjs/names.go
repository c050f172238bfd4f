package natsjs

import (
	"encoding/binary"
	"strings"
)

// Kinesis stream names use [a-zA-Z0-9_.-]; JetStream stream names and
// subject tokens may not hold ".", so it becomes "~", which Kinesis names
// never contain.
func escape(name string) string { return strings.ReplaceAll(name, ".", "~") }

// jsName is the JetStream stream that holds a tarn stream.
func jsName(name string) string { return "KDS_" + escape(name) }

// subject is where a shard's records go.
func subject(name, shard string) string { return "tarn.kds." + escape(name) + "." + shard }

// allShards matches every shard of a stream.
func allShards(name string) string { return "tarn.kds." + escape(name) + ".>" }

// shardOf returns the shard id at the end of a record's subject.
func shardOf(subj string) string { return subj[strings.LastIndexByte(subj, '.')+1:] }

// A record's message is its partition key, length-prefixed, then its data:
// parsing NATS headers for the key cost more than the rest of a read.
func encodeRecord(key string, data []byte) []byte {
	b := make([]byte, 0, binary.MaxVarintLen32+len(key)+len(data))
	b = binary.AppendUvarint(b, uint64(len(key)))
	b = append(b, key...)
	return append(b, data...)
}

func decodeRecord(msg []byte) (key string, data []byte, ok bool) {
	n, w := binary.Uvarint(msg)
	if w <= 0 || uint64(len(msg)-w) < n {
		return "", nil, false
	}
	return string(msg[w : w+int(n)]), msg[w+int(n):], true
}
