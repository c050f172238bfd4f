package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
)

// maxUpdateAttempts bounds how often UpdateDoc reads and writes a document
// again after another writer changed it first.
const maxUpdateAttempts = 16

// UpdateDoc changes the JSON document kind/name by compare-and-set and
// returns its value as written. Each attempt decodes the document into a
// fresh v (left zero, with exists false, when there is none), calls change
// and writes v with the revision it read, so a missing document is
// created. change says what a missing document means (its own not-found
// error, or a first value to store); any error it returns is returned as
// is, except ErrNoChange, which writes nothing and returns v as read.
//
// When another writer got there first (the write fails with ErrConflict,
// with ErrExists for a document created meanwhile, or with ErrNotFound for
// one deleted meanwhile) UpdateDoc starts again from a fresh read, up to
// 16 attempts; then it fails with an error wrapping ErrConflict.
func UpdateDoc[T any](ctx context.Context, docs Documents, kind, name string, change func(v *T, exists bool) error) (T, error) {
	var zero T
	for range maxUpdateAttempts {
		var v T
		var rev int64 // 0: create
		cur, err := docs.GetDoc(ctx, kind, name)
		exists := err == nil
		switch {
		case exists:
			if err := json.Unmarshal(cur.Body, &v); err != nil {
				return zero, fmt.Errorf("document %s/%s: %w", kind, name, err)
			}
			rev = cur.Rev
		case !errors.Is(err, ErrNotFound):
			return zero, err
		}
		if err := change(&v, exists); errors.Is(err, ErrNoChange) {
			return v, nil
		} else if err != nil {
			return zero, err
		}
		body, err := json.Marshal(v)
		if err != nil {
			return zero, fmt.Errorf("document %s/%s: %w", kind, name, err)
		}
		_, err = docs.PutDoc(ctx, Doc{Kind: kind, Name: name, Body: body}, rev)
		switch {
		case err == nil:
			return v, nil
		case !errors.Is(err, ErrConflict) && !errors.Is(err, ErrExists) && !errors.Is(err, ErrNotFound):
			return zero, err
		}
	}
	return zero, fmt.Errorf("update document %s/%s: changed by another writer on each of %d attempts: %w", kind, name, maxUpdateAttempts, ErrConflict)
}

// DecodeDoc reads a document's JSON body into v.
func DecodeDoc(d Doc, v any) error {
	if err := json.Unmarshal(d.Body, v); err != nil {
		return fmt.Errorf("document %s/%s: %w", d.Kind, d.Name, err)
	}
	return nil
}

// Claim records that a request with idempotency token name (its kind's
// document) made id, whose parameters hash to sum. A first claim returns
// id; a repeat returns the first claim's id, or same false when its
// parameters differ.
func Claim(ctx context.Context, docs Documents, kind, name, id, sum string) (first string, same bool, err error) {
	b, _ := json.Marshal(claim{id, sum})
	_, err = docs.PutDoc(ctx, Doc{Kind: kind, Name: name, Body: b}, 0)
	if !errors.Is(err, ErrExists) {
		return id, true, err
	}
	c, err := claimed(ctx, docs, kind, name)
	return c.ID, err == nil && c.Hash == sum, err
}

type claim struct{ ID, Hash string }

// Claimed returns the id claimed under name by a request whose parameters
// hash to sum; "" when there is no such claim.
func Claimed(ctx context.Context, docs Documents, kind, name, sum string) (string, error) {
	c, err := claimed(ctx, docs, kind, name)
	switch {
	case errors.Is(err, ErrNotFound):
		return "", nil
	case err != nil || c.Hash != sum:
		return "", err
	}
	return c.ID, nil
}

func claimed(ctx context.Context, docs Documents, kind, name string) (claim, error) {
	var c claim
	d, err := docs.GetDoc(ctx, kind, name)
	if err == nil {
		err = DecodeDoc(d, &c)
	}
	return c, err
}
