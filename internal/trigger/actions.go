package trigger

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/tarnlake/tarn/internal/catalog"
	"github.com/tarnlake/tarn/internal/lake"
)

// Crawler is what the crawl action needs of the crawlers.
type Crawler interface {
	// AddEvents records events for event-mode crawlers.
	AddEvents(ctx context.Context, evs []lake.Event) error
	// StartCrawler starts a crawl; an error (such as one already
	// running) makes the action try again later.
	StartCrawler(ctx context.Context, name string) error
}

// Object is one version of an object, as an action receives it.
type Object struct {
	Bucket, Key, ETag string
	Size              int64
}

// Loader loads objects into warehouse tables: the load action's contract,
// which the warehouse fills in. Load must be idempotent per object
// version (a ledger keyed by bucket, key and ETag), as an event may come
// twice; an error it marks permanent (errors.Is ErrUnloadable) goes to
// the rule's failure list and the object is kept, any other is retried.
type Loader interface {
	// Load loads obj into table, read with options (Redshift COPY's, as
	// written after FROM: "CSV IGNOREHEADER 1").
	Load(ctx context.Context, table, options string, obj Object) error
}

// ErrUnloadable marks a load that will never succeed (a malformed file).
var ErrUnloadable = errors.New("object cannot be loaded")

// Actions runs tarn's built-in actions. Each happens once per object
// version, even when its event comes twice or tarn dies midway: a ledger
// in the catalog store records what is done, and each step can run again
// without a second effect.
type Actions struct {
	Lake lake.Store // with events: what an action writes is an event too
	Docs catalog.Documents
	// Events logs an event again for a copy a crash left without one.
	Events  lake.Notifier
	Crawler Crawler // nil: crawl actions fail
	Loader  Loader  // nil: the warehouse is not configured
	Log     *slog.Logger
}

const docLedger = "action-ledger"

type ledgerEntry struct {
	Rule   string    `json:"rule"`
	Object string    `json:"object"`
	Target string    `json:"target,omitempty"`
	Done   time.Time `json:"done"`
	Note   string    `json:"note,omitempty"`
}

// ledgerName names an action on one event: the rule, the object version
// and the event's sequencer. The same event delivered again or replayed
// is the same entry; the same bytes put again are a new event (the file
// moves again; a load of them is the Loader's to skip).
func ledgerName(rule string, o Object, sequencer string) string {
	sum := sha256.Sum256([]byte(rule + "\x00" + o.Bucket + "\x00" + o.Key + "\x00" + strings.Trim(o.ETag, `"`) + "\x00" + sequencer))
	return hex.EncodeToString(sum[:16])
}

// Run performs a rule's action for one event.
func (a *Actions) Run(ctx context.Context, rule Rule, r Record) error {
	act := rule.Action
	obj := Object{Bucket: r.S3.Bucket.Name, Key: r.Key(), ETag: r.S3.Object.ETag, Size: r.S3.Object.Size}
	name := ledgerName(rule.ID, obj, r.S3.Object.Sequencer)
	if _, err := a.Docs.GetDoc(ctx, docLedger, name); err == nil {
		return nil // done before
	} else if !errors.Is(err, catalog.ErrNotFound) {
		return err
	}
	entry := ledgerEntry{Rule: rule.ID, Object: obj.Bucket + "/" + obj.Key + "@" + obj.ETag}
	var err error
	switch act.Kind {
	case "move", "copy":
		entry.Target, entry.Note, err = a.transfer(ctx, act, rule.Prefix, obj, r)
		if err == nil && act.Crawler != "" && entry.Note == "" {
			err = a.crawl(ctx, act.Crawler, lake.Event{Name: "ObjectCreated:Copy", Bucket: act.Bucket, Key: entry.Target, Size: obj.Size, Time: time.Now().UTC()})
		}
	case "crawl":
		err = a.crawl(ctx, act.Crawler, r.Event())
	case "load":
		// Then the file goes under loaded/ or failed/ (the rule's
		// templates), so that it does not stay beside its rows.
		then := act.Loaded
		err = a.load(ctx, act, obj)
		if errors.Is(err, ErrUnloadable) {
			entry.Note, err = err.Error(), a.fail(ctx, rule, obj, err)
			then = act.Failed
		}
		if err == nil && then != "" {
			entry.Target, _, err = a.transfer(ctx, &Action{Kind: "move", Bucket: obj.Bucket, Key: then}, rule.Prefix, obj, r)
		}
	default:
		return fmt.Errorf("rule %s: unknown action %q", rule.ID, act.Kind)
	}
	if err != nil {
		return fmt.Errorf("rule %s: %s %s/%s: %w", rule.ID, act.Kind, obj.Bucket, obj.Key, err)
	}
	entry.Done = time.Now().UTC()
	return putJSON(ctx, a.Docs, docLedger, name, entry)
}

// transfer copies the object to the action's target, and for a move
// deletes the source if it is still this version. It returns the target
// key, or a note when there is nothing to do.
func (a *Actions) transfer(ctx context.Context, act *Action, prefix string, obj Object, r Record) (string, string, error) {
	t, _ := time.Parse("2006-01-02T15:04:05.000Z", r.EventTime)
	target := render(act.Key, obj.Key, prefix, t)
	if act.Bucket == obj.Bucket && target == obj.Key {
		return "", "", fmt.Errorf("the target is the object itself")
	}
	body, info, err := a.Lake.Get(ctx, obj.Bucket, obj.Key, nil)
	switch {
	case errors.Is(err, lake.ErrNoSuchKey):
		// Gone: moved before a crash ended this action, or removed since.
		if ti, err := a.Lake.Head(ctx, act.Bucket, target); err == nil && sameETag(ti.ETag, obj.ETag) {
			return target, "", nil
		}
		return target, "the object was gone before it could be moved", nil
	case err != nil:
		return "", "", err
	}
	defer body.Close()
	if !sameETag(info.ETag, obj.ETag) {
		// A newer version replaced it; that version's own event moves it.
		return target, "a newer version replaced this one", nil
	}
	if ti, err := a.Lake.Head(ctx, act.Bucket, target); err == nil && sameETag(ti.ETag, info.ETag) {
		// Copied before a crash ended this action: not written twice, but
		// its event is logged again, in case the crash came before it was.
		if a.Events != nil {
			e := lake.Event{Name: "ObjectCreated:Copy", Bucket: act.Bucket, Key: target, Size: ti.Size, ETag: ti.ETag, Time: time.Now().UTC()}
			if err := a.Events.Notify(ctx, e); err != nil {
				return "", "", err
			}
		}
	} else {
		put := lake.PutOptions{Size: info.Size, ContentType: info.ContentType, Metadata: info.Metadata}
		if _, err := a.Lake.Put(lake.WithEventName(ctx, "ObjectCreated:Copy"), act.Bucket, target, body, put); err != nil {
			return "", "", err
		}
	}
	if act.Kind == "move" {
		err := a.Lake.DeleteIf(ctx, obj.Bucket, obj.Key, obj.ETag)
		if err != nil && !errors.Is(err, lake.ErrNoSuchKey) && !errors.Is(err, lake.ErrPreconditionFailed) {
			return "", "", err
		}
	}
	return target, "", nil
}

func sameETag(a, b string) bool { return strings.Trim(a, `"`) == strings.Trim(b, `"`) }

// crawl records the object for an event-mode crawler and starts it; a
// crawl already running makes the action wait for the next one.
func (a *Actions) crawl(ctx context.Context, crawler string, e lake.Event) error {
	if a.Crawler == nil {
		return fmt.Errorf("no crawlers here")
	}
	if err := a.Crawler.AddEvents(ctx, []lake.Event{e}); err != nil {
		return err
	}
	return a.Crawler.StartCrawler(ctx, crawler)
}

func (a *Actions) load(ctx context.Context, act *Action, obj Object) error {
	if a.Loader == nil {
		return fmt.Errorf("%w: no warehouse is configured to load into %s", ErrUnloadable, act.Table)
	}
	return a.Loader.Load(ctx, act.Table, act.Options, obj)
}

// Prune forgets ledger entries done before the time given: their events
// are past the log's retention and can come neither again nor by replay.
func (a *Actions) Prune(ctx context.Context, before time.Time) (int, error) {
	docs, err := a.Docs.ListDocs(ctx, docLedger, "")
	if err != nil {
		return 0, err
	}
	n := 0
	for _, d := range docs {
		var e ledgerEntry
		if json.Unmarshal(d.Body, &e) == nil && e.Done.Before(before) {
			if err := a.Docs.DeleteDoc(ctx, docLedger, d.Name); err != nil && !errors.Is(err, catalog.ErrNotFound) {
				return n, err
			}
			n++
		}
	}
	return n, nil
}
