package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/tarnlake/tarn/internal/catalog"
)

// Errors of the store.
var (
	ErrNotFound = errors.New("delivery stream not found")
	ErrExists   = errors.New("delivery stream already exists")
	ErrInvalid  = errors.New("invalid delivery stream")
	// ErrConcurrentUpdate: an update named a version that is no longer
	// current.
	ErrConcurrentUpdate = errors.New("delivery stream changed meanwhile")
)

const docKind = "delivery"

// store keeps deliveries in the catalog store's documents, shared by every
// tarn process.
type store struct{ docs catalog.Documents }

func (s store) get(ctx context.Context, name string) (Config, error) {
	d, err := s.docs.GetDoc(ctx, docKind, name)
	if errors.Is(err, catalog.ErrNotFound) {
		return Config{}, fmt.Errorf("%w: %s", ErrNotFound, name)
	}
	if err != nil {
		return Config{}, fmt.Errorf("delivery stream %s: %w", name, err)
	}
	var c Config
	if err := json.Unmarshal(d.Body, &c); err != nil {
		return Config{}, fmt.Errorf("delivery stream %s: %w", name, err)
	}
	return c, nil
}

func (s store) create(ctx context.Context, c Config) error {
	body, err := json.Marshal(c)
	if err != nil {
		return err
	}
	_, err = s.docs.PutDoc(ctx, catalog.Doc{Kind: docKind, Name: c.Name, Body: body}, 0)
	if errors.Is(err, catalog.ErrExists) {
		return fmt.Errorf("%w: %s", ErrExists, c.Name)
	}
	return err
}

func (s store) update(ctx context.Context, name string, fn func(*Config) error) (Config, error) {
	return catalog.UpdateDoc(ctx, s.docs, docKind, name, func(c *Config, exists bool) error {
		if !exists {
			return fmt.Errorf("%w: %s", ErrNotFound, name)
		}
		if err := fn(c); err != nil {
			return err
		}
		c.Name = name
		return nil
	})
}

func (s store) list(ctx context.Context) ([]Config, error) {
	docs, err := s.docs.ListDocs(ctx, docKind, "")
	if err != nil {
		return nil, err
	}
	out := make([]Config, 0, len(docs))
	for _, d := range docs {
		var c Config
		if err := json.Unmarshal(d.Body, &c); err != nil {
			return nil, fmt.Errorf("delivery stream %s: %w", d.Name, err)
		}
		out = append(out, c)
	}
	return out, nil
}

func (s store) delete(ctx context.Context, name string) error {
	err := s.docs.DeleteDoc(ctx, docKind, name)
	if errors.Is(err, catalog.ErrNotFound) {
		return fmt.Errorf("%w: %s", ErrNotFound, name)
	}
	return err
}
