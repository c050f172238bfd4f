package redshiftdata

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strings"
	"time"

	"github.com/tarnlake/tarn/internal/catalog"
)

// Catalog document kinds. A statement is indexed under its user by
// inverted submission time, so a prefix listing is newest first; results
// are pages of records, one document each, named <id>:<n>/<page>.
const (
	kindStatement = "redshiftdata.statement"
	kindIndex     = "redshiftdata.statement-index"
	kindResult    = "redshiftdata.result"
	kindToken     = "redshiftdata.client-token"
)

// Statement states.
const (
	statusSubmitted = "SUBMITTED"
	statusPicked    = "PICKED"
	statusStarted   = "STARTED"
	statusFinished  = "FINISHED"
	statusAborted   = "ABORTED"
	statusFailed    = "FAILED"
	statusAll       = "ALL" // a ListStatements filter only
)

func finished(status string) bool {
	return status == statusFinished || status == statusAborted || status == statusFailed
}

// statement is an ExecuteStatement or a BatchExecuteStatement as stored.
type statement struct {
	ID        string
	User      string // the key it runs as
	Name      string `json:",omitempty"`
	Database  string
	Cluster   string     `json:",omitempty"`
	Workgroup string     `json:",omitempty"`
	SecretArn string     `json:",omitempty"`
	Params    []sqlParam `json:",omitempty"`
	Batch     bool       `json:",omitempty"`
	Token     string     `json:",omitempty"` // ClientToken, forgotten with the statement

	Status string
	Error  string `json:",omitempty"`

	Created, Updated time.Time
	Started, Ended   time.Time `json:",omitempty"`

	Subs []sub // one per SQL statement
}

// sub is one SQL statement of a statement.
type sub struct {
	SQL    string
	Status string
	Error  string `json:",omitempty"`

	Updated        time.Time
	Started, Ended time.Time `json:",omitempty"`
	QueryID        int64     `json:",omitempty"`

	HasResultSet bool     `json:",omitempty"`
	Rows, Size   int64    // -1 until known, as the Data API says null
	Columns      []column `json:",omitempty"`
	Pages        int      `json:",omitempty"` // result documents
}

type sqlParam struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// indexName is where a statement is listed: under its user, newest first.
func indexName(st *statement) string {
	return url.PathEscape(st.User) + "/" + indexKey(st)
}

// indexKey orders statements newest first across users.
func indexKey(st *statement) string {
	return fmt.Sprintf("%020d/%s", uint64(math.MaxInt64-st.Created.UnixNano()), st.ID)
}

func resultName(id string, n, page int) string {
	return fmt.Sprintf("%s:%d/%06d", id, n, page)
}

func tokenName(user, token string) string { return url.PathEscape(user) + "/" + token }

// createStatement stores a new statement and its index entry.
func (a *API) createStatement(ctx context.Context, st *statement) error {
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	if _, err := a.docs.PutDoc(ctx, catalog.Doc{Kind: kindStatement, Name: st.ID, Body: b}, 0); err != nil {
		return err
	}
	_, err = a.docs.PutDoc(ctx, catalog.Doc{Kind: kindIndex, Name: indexName(st), Body: []byte("{}")}, catalog.AnyRev)
	return err
}

// getStatement reads a statement: an unknown or expired one is not found.
func (a *API) getStatement(ctx context.Context, id string) (*statement, error) {
	d, err := a.docs.GetDoc(ctx, kindStatement, id)
	if errors.Is(err, catalog.ErrNotFound) {
		return nil, notFound(id)
	}
	if err != nil {
		return nil, err
	}
	st := &statement{}
	if err := catalog.DecodeDoc(d, st); err != nil {
		return nil, err
	}
	if a.expired(st, a.opts.Now()) {
		return nil, notFound(id)
	}
	return st, nil
}

// updateStatement applies change by compare-and-set; change returns false
// to leave the statement as it is.
func (a *API) updateStatement(ctx context.Context, id string, change func(*statement) bool) (*statement, error) {
	st, err := catalog.UpdateDoc(ctx, a.docs, kindStatement, id, func(st *statement, exists bool) error {
		if !exists {
			return notFound(id)
		}
		if !change(st) {
			return catalog.ErrNoChange
		}
		return nil
	})
	return &st, err
}

// expired reports whether a statement is past keeping: the Data API keeps
// a statement and its results for a day after it ends. One that never
// ended was left by a dead process once its timeout has passed too.
func (a *API) expired(st *statement, now time.Time) bool {
	if finished(st.Status) {
		return now.Sub(st.Updated) >= a.opts.Retention
	}
	return now.Sub(st.Created) >= a.opts.Retention+a.opts.QueryTimeout
}

// idempotent records that token (scoped to the caller) made id from a
// request whose members hash to sum. It returns the id of the first request
// with the token, or an error if that one asked for something else.
func (a *API) idempotent(ctx context.Context, user, token, id, sum string) (string, error) {
	if token == "" {
		return id, nil
	}
	first, same, err := catalog.Claim(ctx, a.docs, kindToken, tokenName(user, token), id, sum)
	if err == nil && !same {
		return "", invalid("ClientToken %q was used with different parameters.", token)
	}
	return first, err
}

// deleteResults deletes sub n's result pages: the ones it counts and any
// a run wrote past them before it was cut short (pages are written in
// order, so the first missing one ends them).
func (a *API) deleteResults(ctx context.Context, id string, n, pages int) error {
	for p := 0; ; p++ {
		err := a.docs.DeleteDoc(ctx, kindResult, resultName(id, n, p))
		if errors.Is(err, catalog.ErrNotFound) && p >= pages {
			return nil
		}
		if err != nil && !errors.Is(err, catalog.ErrNotFound) {
			return err
		}
	}
}

// sweep forgets expired statements: their results, token and index entry,
// the statement last so that a sweep cut short is taken up by the next.
func (a *API) sweep(ctx context.Context) error {
	docs, err := a.docs.ListDocs(ctx, kindStatement, "")
	if err != nil {
		return err
	}
	now := a.opts.Now()
	var errs []error
	for _, d := range docs {
		var st statement
		if catalog.DecodeDoc(d, &st) != nil || !a.expired(&st, now) {
			continue
		}
		errs = append(errs, a.forget(ctx, &st))
	}
	// Index entries whose statement is gone (a process died between the
	// two deletes) go once nothing could still list them.
	idx, err := a.docs.ListDocs(ctx, kindIndex, "")
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	for _, d := range idx {
		created, id, ok := parseIndex(d.Name)
		if !ok || now.Sub(created) < a.opts.Retention+a.opts.QueryTimeout {
			continue
		}
		if _, err := a.docs.GetDoc(ctx, kindStatement, id); errors.Is(err, catalog.ErrNotFound) {
			errs = append(errs, ignoreNotFound(a.docs.DeleteDoc(ctx, kindIndex, d.Name)))
		}
	}
	return errors.Join(errs...)
}

// forget deletes a statement and all that belongs to it.
func (a *API) forget(ctx context.Context, st *statement) error {
	var errs []error
	for i, s := range st.Subs {
		errs = append(errs, a.deleteResults(ctx, st.ID, i+1, s.Pages))
	}
	if st.Token != "" {
		errs = append(errs, ignoreNotFound(a.docs.DeleteDoc(ctx, kindToken, tokenName(st.User, st.Token))))
	}
	errs = append(errs, ignoreNotFound(a.docs.DeleteDoc(ctx, kindIndex, indexName(st))))
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return ignoreNotFound(a.docs.DeleteDoc(ctx, kindStatement, st.ID))
}

func ignoreNotFound(err error) error {
	if errors.Is(err, catalog.ErrNotFound) {
		return nil
	}
	return err
}

// parseIndex reads an index entry's name: user/inverted-time/id.
func parseIndex(name string) (created time.Time, id string, ok bool) {
	parts := strings.Split(name, "/")
	if len(parts) != 3 {
		return time.Time{}, "", false
	}
	var inv uint64
	if _, err := fmt.Sscan(parts[1], &inv); err != nil || inv > math.MaxInt64 {
		return time.Time{}, "", false
	}
	return time.Unix(0, int64(math.MaxInt64-inv)), parts[2], true
}

// failOrphans fails what a dead process left unfinished: with an
// exclusive store no process is left to finish it.
func (a *API) failOrphans(ctx context.Context) error {
	docs, err := a.docs.ListDocs(ctx, kindStatement, "")
	if err != nil {
		return err
	}
	now := a.opts.Now()
	var errs []error
	for _, d := range docs {
		var st statement
		if catalog.DecodeDoc(d, &st) != nil || finished(st.Status) {
			continue
		}
		_, err := a.updateStatement(ctx, st.ID, func(st *statement) bool {
			if finished(st.Status) {
				return false
			}
			endAll(st, statusFailed, errShutdown.Error(), now)
			return true
		})
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// endAll ends a statement and each of its SQL statements still to end:
// the one running (or, if none ran, the first) with status and msg, those
// after it ABORTED.
func endAll(st *statement, status, msg string, now time.Time) {
	st.Status, st.Error, st.Updated = status, msg, now
	if st.Ended.IsZero() {
		st.Ended = now
	}
	blamed := false
	for i := range st.Subs {
		s := &st.Subs[i]
		if finished(s.Status) {
			continue
		}
		s.Status, s.Updated = statusAborted, now
		if !blamed {
			s.Status, s.Error = status, msg
			blamed = true
		}
		if !s.Started.IsZero() {
			s.Ended = now
		}
	}
}
