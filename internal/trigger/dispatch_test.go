package trigger

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/catalog/embedded"
	"github.com/tarnlake/tarn/internal/lake"
	"github.com/tarnlake/tarn/internal/stream/memstream"
)

// recorder is an Invoker that keeps what it is given.
type recorder struct {
	mu   sync.Mutex
	got  []string
	fail int // fail this many calls first
}

func (r *recorder) InvokeEvent(ctx context.Context, fn string, payload []byte, _ time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail > 0 {
		r.fail--
		return context.DeadlineExceeded
	}
	var m Message
	if err := json.Unmarshal(payload, &m); err != nil || len(m.Records) != 1 {
		r.got = append(r.got, "bad payload "+string(payload))
		return nil
	}
	rec := m.Records[0]
	r.got = append(r.got, NameOf(fn)+" "+rec.EventName+" "+rec.S3.Bucket.Name+"/"+rec.S3.Object.Key+" "+rec.S3.ConfigurationID)
	return nil
}

func (r *recorder) Exists(ctx context.Context, arn string) (bool, error) { return arn == fnA, nil }

func (r *recorder) calls() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.got...)
}

// NameOf for the test's ARNs.
func NameOf(arn string) string { return arn[len(arn)-1:] }

func TestLogAndDispatch(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	streams := memstream.New()
	cat, err := embedded.Open(filepath.Join(t.TempDir(), "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer cat.Close()
	log := NewLog(streams, LogOptions{})
	if err := log.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := log.Start(ctx); err != nil { // again: it exists
		t.Fatal(err)
	}
	inv := &recorder{fail: 2}
	rules := NewRules(cat, inv)
	rules.invoker = nil // no test events in this test
	if err := rules.SetBucketNotification(ctx, "landing", notification(lambdaConfig("csv", fnA, "in/", ".csv", "s3:ObjectCreated:*")), nil); err == nil {
		t.Fatal("a function unknown without an invoker was taken")
	}
	rules.invoker = inv
	rules.test = func(context.Context, string, []byte) {} // the recorder counts only dispatched events
	if err := rules.SetConfigRules(ctx, "landing", []Rule{{ID: "gone", Events: []string{"s3:ObjectRemoved:*"}, Function: fnA}}); err != nil {
		t.Fatal(err)
	}
	docs := notification(lambdaConfig("csv", fnA, "in/", ".csv", "s3:ObjectCreated:*"))
	var ce *ConfigError
	if err := rules.SetBucketNotification(ctx, "landing", docs, &access.Key{ID: "nolambda"}); !errors.As(err, &ce) || ce.Code != "AccessDenied" {
		t.Fatalf("a key that may not invoke the function set a rule naming it: %v", err)
	}
	if err := rules.SetBucketNotification(ctx, "landing", docs, nil); err != nil {
		t.Fatal(err)
	}
	if err := rules.SetBucketNotification(ctx, "landing", notification(lambdaConfig("x", fnA, "", "", "s3:ObjectRemoved:Delete")), nil); err == nil {
		t.Fatal("a rule overlapping the config file's was taken")
	}
	now := time.Now()
	for _, e := range []lake.Event{
		{Name: "ObjectCreated:Put", Bucket: "landing", Key: "in/a b+c.csv", Size: 3, ETag: `"abc"`, Time: now},
		{Name: "ObjectCreated:Put", Bucket: "landing", Key: "in/skip.json", Time: now},
		{Name: "ObjectCreated:Put", Bucket: "other", Key: "in/x.csv", Time: now},
		{Name: "ObjectRemoved:Delete", Bucket: "landing", Key: "in/a b+c.csv", Time: now},
	} {
		if err := log.Notify(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	var replayed []string
	if err := log.Replay(ctx, now.Add(-time.Minute), Filter{Bucket: "landing", Prefix: "in/a"}, func(seq uint64, r Record) error {
		replayed = append(replayed, r.EventName+" "+r.Key()+" "+r.S3.Object.ETag)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(replayed) != 2 || replayed[0] != "ObjectCreated:Put in/a b+c.csv abc" {
		t.Fatalf("replay: %q", replayed)
	}

	d := NewDispatcher(log, rules, inv, DispatchOptions{})
	done := make(chan error)
	go func() { done <- d.Run(ctx) }()
	want := []string{"a ObjectCreated:Put landing/in/a+b%2Bc.csv csv", "a ObjectRemoved:Delete landing/in/a+b%2Bc.csv gone"}
	deadline := time.Now().Add(10 * time.Second)
	for len(inv.calls()) < len(want) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	got := inv.calls()
	slices.Sort(got) // events are dispatched concurrently: S3's order is the sequencer's
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("dispatched %q, want %q", got, want)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
