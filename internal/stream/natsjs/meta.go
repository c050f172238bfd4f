package natsjs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/tarnlake/tarn/internal/stream"
)

// Create claims the name in the metadata bucket first, so that two tarn
// processes cannot both create it, then makes the JetStream stream.
func (s *Store) Create(ctx context.Context, info stream.Info) error {
	if err := stream.Check(info); err != nil {
		return fmt.Errorf("create stream: %w", err)
	}
	s.forgetShards(info.Name)
	if info.Created.IsZero() {
		info.Created = time.Now().UTC()
	}
	b, err := json.Marshal(info)
	if err != nil {
		return err
	}
	if _, err := s.meta.Create(ctx, info.Name, b); err != nil {
		if errors.Is(err, jetstream.ErrKeyExists) {
			return fmt.Errorf("%w: %s", stream.ErrExists, info.Name)
		}
		return fmt.Errorf("create stream %s: %w", info.Name, err)
	}
	_, err = s.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        jsName(info.Name),
		Description: "tarn stream " + info.Name,
		Subjects:    []string{allShards(info.Name)},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		Discard:     jetstream.DiscardOld,
		MaxAge:      info.Retention,
		Replicas:    s.opts.Replicas,
		AllowDirect: true,
	})
	if err != nil {
		s.meta.Delete(ctx, info.Name)
		return fmt.Errorf("create stream %s: %w", info.Name, err)
	}
	return nil
}

func (s *Store) Delete(ctx context.Context, name string) error {
	if _, err := s.Info(ctx, name); err != nil {
		return err
	}
	if err := s.js.DeleteStream(ctx, jsName(name)); err != nil && !errors.Is(err, jetstream.ErrStreamNotFound) {
		return fmt.Errorf("delete stream %s: %w", name, err)
	}
	s.readers.forget(name)
	s.mu.Lock()
	delete(s.syncs, name)
	delete(s.known, name)
	s.mu.Unlock()
	if err := s.meta.Purge(ctx, name); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
		return fmt.Errorf("delete stream %s: %w", name, err)
	}
	return nil
}

func (s *Store) Info(ctx context.Context, name string) (stream.Info, error) {
	e, err := s.meta.Get(ctx, name)
	if err != nil {
		if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrInvalidKey) {
			return stream.Info{}, notFound(name)
		}
		return stream.Info{}, fmt.Errorf("stream %s: %w", name, err)
	}
	var info stream.Info
	if err := json.Unmarshal(e.Value(), &info); err != nil {
		return info, fmt.Errorf("stream %s: metadata: %w", name, err)
	}
	info.Revision = e.Revision()
	return info, nil
}

func (s *Store) UpdateInfo(ctx context.Context, name string, fn func(*stream.Info) error) (stream.Info, error) {
	for {
		info, err := s.Info(ctx, name)
		if err != nil {
			return info, err
		}
		old, read := info.Retention, info.Revision
		if err := fn(&info); err != nil {
			return info, err
		}
		info.Name, info.Revision = name, read
		if err := stream.Check(info); err != nil {
			return info, fmt.Errorf("update stream: %w", err)
		}
		b, err := json.Marshal(info)
		if err != nil {
			return info, err
		}
		rev, err := s.meta.Update(ctx, name, b, info.Revision)
		if errors.Is(err, jetstream.ErrKeyExists) { // changed meanwhile: again
			if ctx.Err() != nil {
				return info, ctx.Err()
			}
			continue
		}
		if err != nil {
			return info, fmt.Errorf("update stream %s: %w", name, err)
		}
		info.Revision = rev
		s.forgetShards(name)
		if info.Retention != old {
			if err := s.setRetention(ctx, name, info.Retention); err != nil {
				return info, err
			}
		}
		return info, nil
	}
}

func (s *Store) setRetention(ctx context.Context, name string, d time.Duration) error {
	st, err := s.js.Stream(ctx, jsName(name))
	if err != nil {
		return fmt.Errorf("stream %s: %w", name, err)
	}
	cfg := st.CachedInfo().Config
	cfg.MaxAge = d
	if _, err := s.js.UpdateStream(ctx, cfg); err != nil {
		return fmt.Errorf("stream %s: retention: %w", name, err)
	}
	return nil
}

func (s *Store) List(ctx context.Context) ([]string, error) {
	lister, err := s.meta.ListKeys(ctx)
	if err != nil {
		return nil, err
	}
	var names []string
	for k := range lister.Keys() {
		names = append(names, k)
	}
	sort.Strings(names)
	return names, nil
}
