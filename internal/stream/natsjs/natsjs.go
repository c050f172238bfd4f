// Package natsjs keeps tarn's streams in NATS JetStream: a server embedded
// in the process (files under the data folder, no port unless asked for),
// or an external NATS cluster by URL. Each tarn stream is one JetStream
// stream with a subject per shard, so resharding adds subjects rather than
// streams and retention, deletion and reads across shards stay one
// stream's business; stream metadata lives in a JetStream key-value bucket
// that every tarn process sharing the cluster sees.
package natsjs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/tarnlake/tarn/internal/stream"
)

var _ stream.Store = (*Store)(nil)

// Options picks and configures the JetStream to use.
type Options struct {
	// URL of an external NATS server or cluster; empty runs one embedded.
	URL       string
	User      string
	Password  string
	Token     string
	CredsFile string
	Replicas  int // for external clusters; default 1

	// Embedded server only.
	StoreDir string // where JetStream keeps its files
	Listen   string // optional client address ("" = in-process only); needs User/Password
}

// Store is a stream.Store on JetStream.
type Store struct {
	opts Options
	log  *slog.Logger
	srv  *server.Server // nil for an external server
	nc   *nats.Conn
	js   jetstream.JetStream
	meta jetstream.KeyValue
	acks jetstream.KeyValue // durable consumers' positions inside a batch

	mu      sync.Mutex
	syncs   map[string]*groupSync  // embedded: per-stream group commit
	known   map[string]knownShards // each stream's shard IDs (shards.go)
	readers *readerCache
}

const (
	metaBucket = "tarn_streams"
	acksBucket = "tarn_stream_acks"
)

// Open connects to (or starts) JetStream and prepares the metadata bucket.
func Open(ctx context.Context, log *slog.Logger, opts Options) (*Store, error) {
	if opts.Replicas <= 0 {
		opts.Replicas = 1
	}
	s := &Store{opts: opts, log: log.With("component", "natsjs"), syncs: map[string]*groupSync{}, known: map[string]knownShards{}}
	var err error
	if opts.URL == "" {
		err = s.startEmbedded()
	} else {
		err = s.connect()
	}
	if err != nil {
		s.Close()
		return nil, err
	}
	s.js, err = jetstream.New(s.nc, jetstream.WithPublishAsyncMaxPending(4096))
	if err != nil {
		s.Close()
		return nil, err
	}
	bucket := func(name, about string) (jetstream.KeyValue, error) {
		kv, err := s.js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
			Bucket: name, Description: about, History: 1, Storage: jetstream.FileStorage, Replicas: opts.Replicas,
		})
		if err != nil {
			return nil, fmt.Errorf("jetstream bucket %s: %w", name, err)
		}
		return kv, nil
	}
	if s.meta, err = bucket(metaBucket, "tarn stream metadata"); err == nil {
		s.acks, err = bucket(acksBucket, "tarn consumers' positions inside record batches")
	}
	if err != nil {
		s.Close()
		return nil, err
	}
	s.readers = newReaderCache(s.js)
	return s, nil
}

func (s *Store) startEmbedded() error {
	if s.opts.StoreDir == "" {
		return errors.New("natsjs: an embedded server needs a StoreDir")
	}
	so := &server.Options{
		ServerName: "tarn", JetStream: true, StoreDir: s.opts.StoreDir,
		DontListen: s.opts.Listen == "", NoSigs: true,
		MaxPayload: 2 << 20, // a Kinesis record is up to 1 MiB of data plus its key
	}
	if s.opts.Listen != "" {
		if s.opts.User == "" || s.opts.Password == "" {
			return errors.New("natsjs: a listening embedded server needs a user and password")
		}
		host, port, err := net.SplitHostPort(s.opts.Listen)
		if err != nil {
			return fmt.Errorf("natsjs listen %q: %w", s.opts.Listen, err)
		}
		so.Host = host
		if so.Port, err = strconv.Atoi(port); err != nil {
			return fmt.Errorf("natsjs listen %q: %w", s.opts.Listen, err)
		}
		so.Username, so.Password = s.opts.User, s.opts.Password
	}
	srv, err := server.NewServer(so)
	if err != nil {
		return fmt.Errorf("embedded nats: %w", err)
	}
	srv.SetLoggerV2(natsLog{s.log.With("server", "nats")}, false, false, false)
	srv.Start()
	if !srv.ReadyForConnections(30 * time.Second) {
		srv.Shutdown()
		return errors.New("embedded nats did not start")
	}
	s.srv = srv
	copts := []nats.Option{nats.InProcessServer(srv), nats.Name("tarn")}
	if s.opts.User != "" {
		copts = append(copts, nats.UserInfo(s.opts.User, s.opts.Password))
	}
	s.nc, err = nats.Connect("", copts...)
	return err
}

func (s *Store) connect() error {
	copts := []nats.Option{nats.Name("tarn"), nats.MaxReconnects(-1)}
	switch {
	case s.opts.CredsFile != "":
		copts = append(copts, nats.UserCredentials(s.opts.CredsFile))
	case s.opts.Token != "":
		copts = append(copts, nats.Token(s.opts.Token))
	case s.opts.User != "":
		copts = append(copts, nats.UserInfo(s.opts.User, s.opts.Password))
	}
	var err error
	s.nc, err = nats.Connect(s.opts.URL, copts...)
	if err != nil {
		return fmt.Errorf("connect to nats %s: %w", s.opts.URL, err)
	}
	return nil
}

// Close drains the connection and stops an embedded server.
func (s *Store) Close() error {
	if s.readers != nil {
		s.readers.close()
	}
	if s.nc != nil {
		s.nc.Close()
	}
	if s.srv != nil {
		s.srv.Shutdown()
		s.srv.WaitForShutdown()
	}
	return nil
}
