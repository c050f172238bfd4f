package natsjs

import (
	"bytes"
	"testing"
	"time"

	"github.com/tarnlake/tarn/internal/stream"
)

func TestBatchRoundTrip(t *testing.T) {
	at := time.Now()
	for _, recs := range [][]stream.Record{
		{{PartitionKey: "k", Data: []byte("one")}},
		{{PartitionKey: "", Data: []byte("empty key")}},
		{{PartitionKey: "a", Data: nil}, {PartitionKey: "b", Data: []byte("2")}, {PartitionKey: "c", Data: bytes.Repeat([]byte("x"), 300)}},
	} {
		msg := encodeBatch(recs)
		if n := batchCount(msg); n != len(recs) {
			t.Fatalf("batchCount = %d, want %d", n, len(recs))
		}
		got, ok := decodeBatch(nil, msg, "s", 7, 0, at)
		if !ok || len(got) != len(recs) {
			t.Fatalf("decode: %d records, ok %v", len(got), ok)
		}
		for i, r := range got {
			if r.Seq != 7<<seqShift|uint64(i) || r.PartitionKey != recs[i].PartitionKey || !bytes.Equal(r.Data, recs[i].Data) || r.Shard != "s" {
				t.Fatalf("record %d: %+v", i, r)
			}
		}
		// From inside the batch: the records before are skipped.
		if got, _ := decodeBatch(nil, msg, "s", 7, recordSeq(7, len(recs)-1), at); len(got) != 1 {
			t.Fatalf("from the last record: %d records", len(got))
		}
	}
}

func TestBatchRejectsForeign(t *testing.T) {
	for _, msg := range [][]byte{nil, {0}, {0, 0}, {0, 2, 1, 'k', 1}, {0, 1, 1, 'k', 5, 'a'}, {0, 1, 1, 'k', 0, 'x'}, {200}} {
		if got, ok := decodeBatch(nil, msg, "s", 1, 0, time.Time{}); ok {
			t.Errorf("decodeBatch(%q) = %d records, ok", msg, len(got))
		}
	}
}

func FuzzDecodeBatch(f *testing.F) {
	f.Add(encodeBatch([]stream.Record{{PartitionKey: "k", Data: []byte("d")}}))
	f.Add(encodeBatch([]stream.Record{{PartitionKey: "a"}, {PartitionKey: "b", Data: []byte("xy")}}))
	f.Fuzz(func(t *testing.T, msg []byte) {
		got, ok := decodeBatch(nil, msg, "s", 1, 0, time.Time{})
		if !ok {
			return
		}
		if n := batchCount(msg); n != len(got) {
			t.Fatalf("decoded %d records, batchCount says %d", len(got), n)
		}
		if len(got) > 1 { // a round trip keeps the records (varints may be written shorter)
			back, ok := decodeBatch(nil, encodeBatch(got), "s", 1, 0, time.Time{})
			if !ok || len(back) != len(got) {
				t.Fatalf("re-encoded batch decodes to %d records, ok %v", len(back), ok)
			}
			for i := range back {
				if back[i].PartitionKey != got[i].PartitionKey || !bytes.Equal(back[i].Data, got[i].Data) {
					t.Fatalf("record %d changed in a round trip", i)
				}
			}
		}
	})
}
