package lake

import (
	"context"
	"io"
	"time"
)

// Event says that an object was created or removed. Names follow S3's event
// names without the "s3:" prefix: "ObjectCreated:Put", "ObjectCreated:Copy",
// "ObjectCreated:CompleteMultipartUpload", "ObjectRemoved:Delete".
type Event struct {
	Name   string
	Bucket string
	Key    string
	Size   int64
	ETag   string
	Time   time.Time
}

// Notifier receives events after the change they describe is durable. The
// triggers part makes them durable in turn; until then they are a hook.
type Notifier interface {
	Notify(ctx context.Context, e Event)
}

// NotifierFunc adapts a function to Notifier.
type NotifierFunc func(ctx context.Context, e Event)

func (f NotifierFunc) Notify(ctx context.Context, e Event) { f(ctx, e) }

// Notifiers tells each of ns about every event, in order.
func Notifiers(ns ...Notifier) Notifier {
	return NotifierFunc(func(ctx context.Context, e Event) {
		for _, n := range ns {
			n.Notify(ctx, e)
		}
	})
}

type eventNameKey struct{}

// WithEventName names the event that a Put on ctx emits (default
// "ObjectCreated:Put"): a copy is a Put to the store but a Copy to users.
func WithEventName(ctx context.Context, name string) context.Context {
	return context.WithValue(ctx, eventNameKey{}, name)
}

// WithEvents wraps s so that every object write and delete is reported to n.
func WithEvents(s Store, n Notifier) Store { return &eventStore{Store: s, n: n} }

type eventStore struct {
	Store
	n Notifier
}

func (s *eventStore) emit(ctx context.Context, name, bucket string, oi ObjectInfo) {
	s.n.Notify(ctx, Event{Name: name, Bucket: bucket, Key: oi.Key, Size: oi.Size, ETag: oi.ETag, Time: time.Now().UTC()})
}

func (s *eventStore) Put(ctx context.Context, bucket, key string, r io.Reader, opts PutOptions) (ObjectInfo, error) {
	oi, err := s.Store.Put(ctx, bucket, key, r, opts)
	if err == nil {
		name, _ := ctx.Value(eventNameKey{}).(string)
		if name == "" {
			name = "ObjectCreated:Put"
		}
		s.emit(ctx, name, bucket, oi)
	}
	return oi, err
}

func (s *eventStore) CompleteUpload(ctx context.Context, bucket, key, id string, parts []Part) (ObjectInfo, error) {
	oi, err := s.Store.CompleteUpload(ctx, bucket, key, id, parts)
	if err == nil {
		s.emit(ctx, "ObjectCreated:CompleteMultipartUpload", bucket, oi)
	}
	return oi, err
}

func (s *eventStore) Delete(ctx context.Context, bucket, key string) error {
	err := s.Store.Delete(ctx, bucket, key)
	if err == nil {
		s.emit(ctx, "ObjectRemoved:Delete", bucket, ObjectInfo{Key: key})
	}
	return err
}
