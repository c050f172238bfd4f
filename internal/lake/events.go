package lake

import (
	"context"
	"errors"
	"fmt"
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

// Notifier receives events after the change they describe is durable, and
// before the change is acknowledged: an error fails the write that made
// the event (the change stays; the client retries), so that no
// acknowledged write goes without its event.
type Notifier interface {
	Notify(ctx context.Context, e Event) error
}

// NotifierFunc adapts a function to Notifier.
type NotifierFunc func(ctx context.Context, e Event) error

func (f NotifierFunc) Notify(ctx context.Context, e Event) error { return f(ctx, e) }

// Notifiers tells each of ns about every event, in order, stopping at the
// first error.
func Notifiers(ns ...Notifier) Notifier {
	return NotifierFunc(func(ctx context.Context, e Event) error {
		for _, n := range ns {
			if err := n.Notify(ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
}

// ErrEventNotLogged wraps a Notifier's error: the change was made but its
// event was not recorded, so the write is not acknowledged.
var ErrEventNotLogged = errors.New("the change was made but its event was not logged; retry the request")

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

func (s *eventStore) emit(ctx context.Context, name, bucket string, oi ObjectInfo) error {
	err := s.n.Notify(ctx, Event{Name: name, Bucket: bucket, Key: oi.Key, Size: oi.Size, ETag: oi.ETag, Time: time.Now().UTC()})
	if err != nil {
		return fmt.Errorf("%s %s/%s: %w: %w", name, bucket, oi.Key, ErrEventNotLogged, err)
	}
	return nil
}

func (s *eventStore) Put(ctx context.Context, bucket, key string, r io.Reader, opts PutOptions) (ObjectInfo, error) {
	oi, err := s.Store.Put(ctx, bucket, key, r, opts)
	if err == nil {
		name, _ := ctx.Value(eventNameKey{}).(string)
		if name == "" {
			name = "ObjectCreated:Put"
		}
		err = s.emit(ctx, name, bucket, oi)
	}
	return oi, err
}

func (s *eventStore) CompleteUpload(ctx context.Context, bucket, key, id string, parts []Part) (ObjectInfo, error) {
	oi, err := s.Store.CompleteUpload(ctx, bucket, key, id, parts)
	if err == nil {
		err = s.emit(ctx, "ObjectCreated:CompleteMultipartUpload", bucket, oi)
	}
	return oi, err
}

func (s *eventStore) Delete(ctx context.Context, bucket, key string) error {
	err := s.Store.Delete(ctx, bucket, key)
	if err == nil {
		err = s.emit(ctx, "ObjectRemoved:Delete", bucket, ObjectInfo{Key: key})
	}
	return err
}

func (s *eventStore) DeleteIf(ctx context.Context, bucket, key, etag string) error {
	err := s.Store.DeleteIf(ctx, bucket, key, etag)
	if err == nil {
		err = s.emit(ctx, "ObjectRemoved:Delete", bucket, ObjectInfo{Key: key})
	}
	return err
}
