package athenaapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/tarnlake/tarn/internal/catalog"
)

// Catalog document kinds. An execution is indexed by workgroup and
// inverted submission time, so a prefix listing of the index is newest
// first without reading every execution.
const (
	kindExec       = "athena.execution"
	kindExecIndex  = "athena.execution-index"
	kindExecToken  = "athena.execution-token"
	kindWorkGroup  = "athena.workgroup"
	kindNamed      = "athena.named-query"
	kindNamedToken = "athena.named-query-token"
)

// Query execution states.
const (
	stateQueued    = "QUEUED"
	stateRunning   = "RUNNING"
	stateSucceeded = "SUCCEEDED"
	stateFailed    = "FAILED"
	stateCancelled = "CANCELLED"
)

func finished(state string) bool {
	return state == stateSucceeded || state == stateFailed || state == stateCancelled
}

// execution is a query execution as stored.
type execution struct {
	ID            string
	Query         string   // as the client sent it
	Params        []string `json:",omitempty"`
	StatementType string
	WorkGroup     string
	Database      string `json:",omitempty"`
	Catalog       string
	Output        string // the results folder: s3://bucket/prefix/
	User          string

	State       string
	Reason      string `json:",omitempty"`
	ErrCategory int    `json:",omitempty"`
	ErrType     int    `json:",omitempty"`
	Retryable   bool   `json:",omitempty"`

	Submitted, Started, EngineDone, Completed time.Time

	Columns     []columnInfo `json:",omitempty"`
	Rows        int64        // data rows in the results object
	Bytes       int64        // bytes of results written
	UpdateCount int64        `json:",omitempty"`
}

// resultKey is the name of the results object within Output.
func (e *execution) resultKey() string {
	if e.StatementType == typeDML {
		return e.ID + ".csv"
	}
	return e.ID + ".txt"
}

// createDoc stores v as the new document kind/name: ErrExists if there is
// one.
func (a *API) createDoc(ctx context.Context, kind, name string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("document %s/%s: %w", kind, name, err)
	}
	_, err = a.docs.PutDoc(ctx, catalog.Doc{Kind: kind, Name: name, Body: b}, 0)
	return err
}

// loadByID reads the document of kind named by the UUID id into v; an id
// that is no UUID or names nothing is notFound(id), the client's error.
func (a *API) loadByID(ctx context.Context, kind, id string, v any, notFound func(string) error) error {
	if !isUUID(id) {
		return notFound(id)
	}
	d, err := a.docs.GetDoc(ctx, kind, id)
	if errors.Is(err, catalog.ErrNotFound) {
		return notFound(id)
	}
	if err != nil {
		return err
	}
	return catalog.DecodeDoc(d, v)
}

// updateByID changes the document of kind named by the UUID id with
// catalog.UpdateDoc; as for loadByID, an id that is no UUID or names
// nothing is notFound(id).
func updateByID[T any](ctx context.Context, docs catalog.Documents, kind, id string, notFound func(string) error, change func(*T) error) (T, error) {
	if !isUUID(id) {
		var zero T
		return zero, notFound(id)
	}
	return catalog.UpdateDoc(ctx, docs, kind, id, func(v *T, exists bool) error {
		if !exists {
			return notFound(id)
		}
		return change(v)
	})
}

// getExec returns an execution; unknown ids are the client's error.
func (a *API) getExec(ctx context.Context, id string) (execution, error) {
	var e execution
	err := a.loadByID(ctx, kindExec, id, &e, execNotFound)
	return e, err
}

// createExec stores a new execution and its index entry. ErrExists when
// a request with the same token stored it first.
func (a *API) createExec(ctx context.Context, e execution) error {
	if err := a.createDoc(ctx, kindExec, e.ID, e); err != nil {
		return err
	}
	inv := uint64(math.MaxInt64 - e.Submitted.UnixNano())
	name := fmt.Sprintf("%s/%020d/%s", e.WorkGroup, inv, e.ID)
	_, err := a.docs.PutDoc(ctx, catalog.Doc{Kind: kindExecIndex, Name: name, Body: []byte("{}")}, catalog.AnyRev)
	return err
}

// updateExec applies change to the stored execution by compare-and-set;
// change returns false to leave it.
func (a *API) updateExec(ctx context.Context, id string, change func(*execution) bool) (execution, error) {
	return updateByID(ctx, a.docs, kindExec, id, execNotFound, func(e *execution) error {
		if !change(e) {
			return catalog.ErrNoChange
		}
		return nil
	})
}

// idempotent records that token (scoped to the caller) made id with
// request hash sum. It returns the id of the first request with the
// token, or an error if that one asked for something else.
func (a *API) idempotent(ctx context.Context, kind, scope, token, id, sum string) (string, error) {
	if token == "" {
		return id, nil
	}
	first, same, err := catalog.Claim(ctx, a.docs, kind, scope+"/"+token, id, sum)
	if err == nil && !same {
		return "", withCode(athenaMismatch, clientErr(codeInvalid, "Idempotent parameters do not match"))
	}
	return first, err
}

func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range []byte(s) {
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return false
			}
		case !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'):
			return false
		}
	}
	return true
}

// failOrphans fails what a dead process left queued or running: with an
// exclusive store no process is left to finish it.
func (a *API) failOrphans(ctx context.Context) {
	docs, err := a.docs.ListDocs(ctx, kindExec, "")
	if err != nil {
		a.log.Error("list query executions", "err", err)
		return
	}
	now := a.opts.Now()
	for _, d := range docs {
		var e execution
		if catalog.DecodeDoc(d, &e) != nil || finished(e.State) {
			continue
		}
		_, err := a.updateExec(ctx, e.ID, func(e *execution) bool {
			if finished(e.State) {
				return false
			}
			e.State, e.Reason, e.ErrCategory, e.ErrType, e.Retryable = stateFailed, errShutdown.Error(), 1, 100, true
			e.Completed = now
			return true
		})
		if err != nil {
			a.log.Error("fail orphaned query execution", "id", e.ID, "err", err)
		}
	}
}
