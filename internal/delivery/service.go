package delivery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/catalog"
	"github.com/tarnlake/tarn/internal/function"
	"github.com/tarnlake/tarn/internal/hold"
	"github.com/tarnlake/tarn/internal/lake"
	"github.com/tarnlake/tarn/internal/stream"
)

// Options is what deliveries use.
type Options struct {
	Docs    catalog.Documents // deliveries, checkpoints, leases
	Catalog catalog.Metadata  // tables records are converted by; partitions added
	Streams stream.Store
	Lake    lake.Store
	// Functions transforms records (ProcessingConfiguration's Lambda).
	Functions *function.Service
	// Key finds the access key a role names (arn:aws:iam::…:role/NAME):
	// a delivery reads and writes with its role's grants.
	Key        func(name string) (access.Key, bool)
	Region     string
	Log        *slog.Logger
	Registerer prometheus.Registerer
}

// Service runs the deliveries: each is a worker in one tarn process at a
// time (a lease in the catalog store says which).
type Service struct {
	opts    Options
	st      store
	log     *slog.Logger
	metrics *metrics
	owner   string // this process, in leases

	mu      sync.Mutex
	workers map[string]*running
	status  map[string]string // delivery → why it is failing
	gates   map[string]*hold.Gate
	closed  chan struct{}
	wake    chan struct{} // a delivery made or changed here: supervise now
	once    sync.Once
	wg      sync.WaitGroup
}

type running struct {
	w       *worker
	version int
	cancel  context.CancelFunc
	done    chan struct{}
}

// New builds the service; Run runs the deliveries.
func New(opts Options) *Service {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	host, _ := os.Hostname()
	return &Service{opts: opts, st: store{opts.Docs}, log: opts.Log.With("component", "delivery"),
		metrics: newMetrics(opts.Registerer), owner: host + "/" + strconv.Itoa(os.Getpid()) + "/" + strconv.FormatInt(time.Now().UnixNano(), 36),
		workers: map[string]*running{}, status: map[string]string{}, gates: map[string]*hold.Gate{}, closed: make(chan struct{}), wake: make(chan struct{}, 1)}
}

// ARN is a delivery's ARN.
func (s *Service) ARN(name string) string {
	return fmt.Sprintf("arn:aws:firehose:%s:%s:deliverystream/%s", s.opts.Region, function.Account, name)
}

// directStream is the stream that holds a DirectPut delivery's records.
func directStream(name string) string { return "tarn-firehose-" + name }

// SourceStream is the stream a delivery reads.
func (c Config) SourceStream() string {
	if c.Type == "KinesisStreamAsSource" && c.Source != nil {
		_, name, _ := strings.Cut(c.Source.StreamARN, ":stream/")
		return name
	}
	return directStream(c.Name)
}

// Get returns a delivery, with its status.
func (s *Service) Get(ctx context.Context, name string) (Config, error) {
	c, err := s.st.get(ctx, name)
	if err != nil {
		return c, err
	}
	s.mu.Lock()
	c.Failure = s.status[name]
	s.mu.Unlock()
	return c, nil
}

// List returns every delivery.
func (s *Service) List(ctx context.Context) ([]Config, error) { return s.st.list(ctx) }

// Create makes a delivery: the configuration is checked, a DirectPut
// delivery's stream made.
func (s *Service) Create(ctx context.Context, c Config) (Config, error) {
	now := time.Now().UTC()
	c.Version, c.Status, c.Created, c.Updated = 1, "ACTIVE", now, now
	if c.Type == "" {
		c.Type = "DirectPut"
	}
	if err := s.check(ctx, c); err != nil {
		return Config{}, err
	}
	if _, err := s.st.get(ctx, c.Name); err == nil {
		return Config{}, fmt.Errorf("%w: %s", ErrExists, c.Name)
	}
	if c.Type == "DirectPut" {
		err := s.opts.Streams.Create(ctx, stream.Info{Name: directStream(c.Name), Created: now, Retention: 24 * time.Hour,
			Status: "ACTIVE", Shards: []stream.Shard{{ID: "shardId-000000000000", HashStart: "0", HashEnd: "340282366920938463463374607431768211455"}}})
		if err != nil && !errors.Is(err, stream.ErrExists) {
			return Config{}, fmt.Errorf("delivery %s: its stream: %w", c.Name, err)
		}
	}
	if err := s.st.create(ctx, c); err != nil {
		return Config{}, err
	}
	s.poke()
	return c, nil
}

// Update changes a delivery's destination if version is still current,
// and makes its version the next.
func (s *Service) Update(ctx context.Context, name string, version int, fn func(*Config) error) (Config, error) {
	defer s.poke()
	return s.st.update(ctx, name, func(c *Config) error {
		if version != 0 && c.Version != version {
			return fmt.Errorf("%w: version %d is not the current %d", ErrConcurrentUpdate, version, c.Version)
		}
		if err := fn(c); err != nil {
			return err
		}
		if err := s.check(ctx, *c); err != nil {
			return err
		}
		c.Version++
		c.Updated = time.Now().UTC()
		return nil
	})
}

// Tag changes a delivery's tags.
func (s *Service) Tag(ctx context.Context, name string, fn func(map[string]string) error) error {
	_, err := s.st.update(ctx, name, func(c *Config) error {
		if c.Tags == nil {
			c.Tags = map[string]string{}
		}
		return fn(c.Tags)
	})
	return err
}

// Delete removes a delivery, its checkpoint and a DirectPut delivery's
// stream (records not yet delivered are gone, as with Firehose).
func (s *Service) Delete(ctx context.Context, name string) error {
	c, err := s.st.get(ctx, name)
	if err != nil {
		return err
	}
	if err := s.st.delete(ctx, name); err != nil {
		return err
	}
	s.stopWorker(name)
	s.opts.Docs.DeleteDoc(ctx, docCheckpoint, name)
	if c.Type == "DirectPut" {
		if err := s.opts.Streams.Delete(ctx, directStream(name)); err != nil && !errors.Is(err, stream.ErrNotFound) {
			return err
		}
	} else {
		s.opts.Streams.DeleteConsumer(ctx, c.SourceStream(), "tarn-firehose-"+name)
	}
	return nil
}

// Put appends records to a DirectPut delivery and returns their ids once
// they are durable.
func (s *Service) Put(ctx context.Context, name string, records [][]byte) ([]string, error) {
	c, err := s.st.get(ctx, name)
	if err != nil {
		return nil, err
	}
	if c.Type != "DirectPut" {
		return nil, fmt.Errorf("%w: delivery stream %s reads a Kinesis stream: put records into that stream", ErrInvalid, name)
	}
	recs := make([]stream.Record, len(records))
	for i, r := range records {
		recs[i] = stream.Record{Shard: "shardId-000000000000", PartitionKey: name, Data: r}
	}
	seqs, err := s.opts.Streams.Append(ctx, directStream(name), recs)
	if err != nil {
		return nil, fmt.Errorf("delivery %s: %w", name, err)
	}
	ids := make([]string, len(seqs))
	for i, q := range seqs {
		ids[i] = fmt.Sprintf("%049d", q) // Firehose's ids are long opaque strings
	}
	return ids, nil
}

// poke makes Run look at the deliveries now rather than at its next turn.
func (s *Service) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *Service) fail(name, why string) {
	s.mu.Lock()
	s.status[name] = why
	s.mu.Unlock()
	s.metrics.failures.WithLabelValues(name).Inc()
}

func (s *Service) ok(name string) {
	s.mu.Lock()
	delete(s.status, name)
	s.mu.Unlock()
}

// gate is a delivery's gate between its writes and queries of its pending
// records (see Hold).
func (s *Service) gate(name string) *hold.Gate {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.gates[name]
	if g == nil {
		g = hold.New()
		s.gates[name] = g
	}
	return g
}

// Hold keeps the named deliveries, where this process runs them, from
// writing a buffer until release: a query that reads a delivery's
// table and its pending records (Delivered) sees each record once.
func (s *Service) Hold(ctx context.Context, names []string) (release func(), err error) {
	var held []func()
	release = func() {
		for _, r := range held {
			r()
		}
	}
	for _, n := range names {
		r, err := s.gate(n).Read(ctx)
		if err != nil {
			release()
			return nil, err
		}
		held = append(held, r)
	}
	return release, nil
}

// Delivered returns the stream a delivery reads and the position up to
// which its records are in the lake: those after it are pending.
func (s *Service) Delivered(ctx context.Context, name string) (source string, last uint64, err error) {
	c, err := s.st.get(ctx, name)
	if err != nil {
		return "", 0, err
	}
	cp, err := readCheckpoint(ctx, s.opts.Docs, name)
	return c.SourceStream(), cp.Last, err
}
