package delivery

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tarnlake/tarn/internal/delivery/prefix"
	"github.com/tarnlake/tarn/internal/stream"
)

func TestGroup(t *testing.T) {
	at := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	items := func(n int, keys func(i int) map[string]string) []item {
		out := make([]item, n)
		for i := range out {
			out[i] = item{rec: stream.Record{Seq: uint64(i)}, queryKeys: keys(i)}
		}
		return out
	}
	compile := func(p string) *prefix.Template {
		l, err := prefix.Compile(p, "errors/!{firehose:error-output-type}/", strings.Contains(p, "partitionKey"))
		if err != nil {
			t.Fatal(err)
		}
		return l.Prefix
	}

	// One prefix for a whole buffer: its random string drawn once.
	groups, order, fails := group(compile("logs/!{firehose:random-string}/"), items(1000, func(int) map[string]string { return nil }),
		prefix.Input{At: at, Random: newRandom([32]byte{1})})
	if len(order) != 1 || len(groups[order[0]]) != 1000 || len(fails) != 0 {
		t.Fatalf("one prefix: %d groups, %d failed", len(order), len(fails))
	}

	// By a key: once per value, in order; a missing key fails its record.
	groups, order, fails = group(compile("by/k=!{partitionKeyFromQuery:k}/!{firehose:random-string}/"), items(100, func(i int) map[string]string {
		if i == 50 {
			return nil
		}
		return map[string]string{"k": fmt.Sprint(i % 3)}
	}), prefix.Input{At: at, Random: newRandom([32]byte{2})})
	if len(order) != 3 || len(fails) != 1 || fails[0].rec.Seq != 50 || !strings.HasPrefix(order[0], "by/k=0/") {
		t.Fatalf("by key: %v, %d failed", order, len(fails))
	}
	n := 0
	for _, g := range groups {
		n += len(g)
	}
	if n != 99 {
		t.Fatalf("%d records grouped, want 99", n)
	}

	// Keys that make the same prefix share one object.
	tm := compile("!{partitionKeyFromQuery:a}!{partitionKeyFromQuery:b}/")
	groups, order, _ = group(tm, []item{{queryKeys: map[string]string{"a": "x/", "b": "y"}}, {queryKeys: map[string]string{"a": "x", "b": "/y"}}}, prefix.Input{At: at})
	if len(order) != 1 || len(groups[order[0]]) != 2 {
		t.Fatalf("same prefix: %v", order)
	}

	// Past 500 partitions the rest fail.
	_, order, fails = group(compile("p=!{partitionKeyFromQuery:k}/"), items(600, func(i int) map[string]string { return map[string]string{"k": fmt.Sprint(i)} }), prefix.Input{At: at})
	if len(order) != maxPartitions || len(fails) != 100 {
		t.Fatalf("%d partitions, %d failed", len(order), len(fails))
	}
}
