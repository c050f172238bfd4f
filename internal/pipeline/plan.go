package pipeline

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/trigger"
)

// Caller calls an operation of one of tarn's JSON APIs (Kinesis, Glue):
// in as the request, the answer decoded into out.
type Caller interface {
	Call(ctx context.Context, op string, in, out any) error
}

// S3 is what a plan needs of the S3 API.
type S3 interface {
	ListBuckets(ctx context.Context) ([]string, error)
	CreateBucket(ctx context.Context, name string) error
	DeleteBucket(ctx context.Context, name string) error
	// NotificationRules are a bucket's rules set through S3's
	// PutBucketNotificationConfiguration.
	NotificationRules(ctx context.Context, bucket string) ([]trigger.Rule, error)
}

// Target is the running tarn a plan is made against.
type Target struct {
	Region    string // of the ARNs plans make
	S3        S3
	Kinesis   Caller
	Glue      Caller
	Lambda    REST
	Firehose  Caller
	Warehouse Caller // the Redshift Data API
	Events    Caller // tarn's own TarnEvents API: the config's rules
	// Keys is the keys file, where the server's data folder is at hand
	// (nil: a spec that declares keys cannot be applied).
	Keys Keys
	// Own reports tarn's own resources (the event log's stream), which a
	// plan neither deletes nor exports.
	Own func(kind, name string) bool
}

func (t Target) own(kind, name string) bool { return t.Own != nil && t.Own(kind, name) }

// Op is what a change does.
type Op int

const (
	Create Op = iota
	Update
	Delete
)

// Change is one step of a plan.
type Change struct {
	Op   Op
	Kind string // bucket, stream, database, crawler
	Name string
	What string // an update's differences: "shards 1 → 2"
	// Key is a key this change makes: its secret is the caller's to show.
	Key *access.Key
	do  func(ctx context.Context) error
}

func (c Change) String() string {
	switch c.Op {
	case Create:
		return fmt.Sprintf("+ %s %s", c.Kind, c.Name)
	case Update:
		return fmt.Sprintf("~ %s %s: %s", c.Kind, c.Name, c.What)
	}
	return fmt.Sprintf("- %s %s", c.Kind, c.Name)
}

// Plan is what applying a spec changes: creations and updates first, in
// the order resources depend on each other (buckets, streams, databases,
// crawlers), then deletions in the reverse order.
type Plan struct {
	Changes   []Change
	Unchanged int
	Prune     bool // deletions are carried out, not only reported
}

// String lists the changes, one a line, and what stays.
func (p Plan) String() string {
	var b strings.Builder
	for _, c := range p.Changes {
		b.WriteString(c.String())
		if c.Op == Delete && !p.Prune {
			b.WriteString(" (not in the config: --prune deletes it)")
		}
		b.WriteByte('\n')
	}
	fmt.Fprintf(&b, "%d to create, %d to change, %d to delete, %d unchanged\n", p.count(Create), p.count(Update), p.count(Delete), p.Unchanged)
	return b.String()
}

func (p Plan) count(op Op) int {
	n := 0
	for _, c := range p.Changes {
		if c.Op == op {
			n++
		}
	}
	return n
}

// kind is one kind of resource: how to make its changes from the spec
// and the target's current state.
type kind interface {
	plan(ctx context.Context, t Target, s Spec) (changes []Change, unchanged int, err error)
}

// kinds in the order resources depend on each other: a delivery needs
// its stream, bucket, function and catalog table; a function its key.
var kinds = []kind{keyKind{}, bucketKind{}, streamKind{}, databaseKind{}, catalogTableKind{}, crawlerKind{},
	functionKind{}, warehouseTableKind{}, deliveryKind{}, ruleKind{}}

// Make plans spec against the target; prune carries out deletions.
func Make(ctx context.Context, t Target, s Spec, prune bool) (Plan, error) {
	p := Plan{Prune: prune}
	var deletes []Change
	for _, k := range kinds {
		cs, n, err := k.plan(ctx, t, s)
		if err != nil {
			return Plan{}, err
		}
		p.Unchanged += n
		for _, c := range cs {
			if c.Op == Delete {
				deletes = append([]Change{c}, deletes...) // dependents first
			} else {
				p.Changes = append(p.Changes, c)
			}
		}
	}
	p.Changes = append(p.Changes, deletes...)
	return p, nil
}

// Apply carries out the plan, stopping at the first change that fails:
// what it did stays done, and planning again picks up from there.
func (p Plan) Apply(ctx context.Context) error {
	for _, c := range p.Changes {
		if c.Op == Delete && !p.Prune {
			continue
		}
		if err := c.do(ctx); err != nil {
			return fmt.Errorf("%s: %w", strings.TrimLeft(c.String(), "+~- "), err)
		}
	}
	return nil
}

// diff describes what differs between two values of a field.
type diff []string

func (d *diff) field(name string, was, want any) {
	if fmt.Sprint(was) != fmt.Sprint(want) {
		*d = append(*d, fmt.Sprintf("%s %v → %v", name, was, want))
	}
}

func (d diff) String() string { return strings.Join(d, ", ") }

// sortChanges orders the deletions, which come last and from maps, by
// name.
func sortChanges(cs []Change) {
	i := slices.IndexFunc(cs, func(c Change) bool { return c.Op == Delete })
	if i >= 0 {
		slices.SortFunc(cs[i:], func(a, b Change) int { return strings.Compare(a.Name, b.Name) })
	}
}
