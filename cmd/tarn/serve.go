package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/authlimit"
	"github.com/tarnlake/tarn/internal/catalog"
	"github.com/tarnlake/tarn/internal/catalog/embedded"
	"github.com/tarnlake/tarn/internal/catalog/postgres"
	"github.com/tarnlake/tarn/internal/crawl"
	"github.com/tarnlake/tarn/internal/edge"
	"github.com/tarnlake/tarn/internal/edge/sigv4"
	"github.com/tarnlake/tarn/internal/glueapi"
	"github.com/tarnlake/tarn/internal/lake"
	"github.com/tarnlake/tarn/internal/lake/localfs"
	lakes3 "github.com/tarnlake/tarn/internal/lake/s3"
	"github.com/tarnlake/tarn/internal/lake/s3api"
	"github.com/tarnlake/tarn/internal/pgwire"
	"github.com/tarnlake/tarn/internal/query/athenaapi"
	"github.com/tarnlake/tarn/internal/query/httpsql"
	"github.com/tarnlake/tarn/internal/stream/kinesisapi"
	"github.com/tarnlake/tarn/internal/stream/natsjs"
)

func serve(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: tarn serve [flags]

Runs tarn on this machine. With no flags it keeps everything in ./tarn-data
and listens on 127.0.0.1 only:
  AWS API (S3, Kinesis)  127.0.0.1:9800   aws --endpoint-url http://127.0.0.1:9800 s3 ls
  HTTP                   127.0.0.1:9801   /healthz; /metrics and /debug/pprof/ (basic auth:
                                          an access key id and its secret)
Streams live in an embedded NATS JetStream (DATA/streams, no port) unless
--nats-url names an external one.

Flags:
`)
		fs.PrintDefaults()
	}
	cfg, err := loadConfig(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	log, err := newLogger(cfg.Log)
	if err != nil {
		return err
	}
	if err := privateData(cfg.Data); err != nil {
		return err
	}
	root, err := rootKey(cfg.Data, os.Stderr)
	if err != nil {
		return err
	}
	keyring, err := access.NewKeyring(root, filepath.Join(cfg.Data, keysFile))
	if err != nil {
		return err
	}
	tlsCfg, err := serverTLS(cfg)
	if err != nil {
		return fmt.Errorf("tls: %w", err)
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	spoolDir := filepath.Join(cfg.Data, "spool")
	if err := os.RemoveAll(spoolDir); err != nil {
		return err
	}
	if err := os.MkdirAll(spoolDir, 0o700); err != nil {
		return err
	}
	store, err := openLake(cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	baseLake := store
	cat, err := openCatalog(ctx, cfg)
	if err != nil {
		return err
	}
	defer cat.Close()
	crawler := crawl.New(crawl.Options{Catalog: cat, Lake: store, Log: log, Registerer: reg,
		Exclusive: cfg.Catalog.PostgresDSN == ""})
	// Crawls end (STOPPED) before the stores they use close.
	defer crawler.Close()
	store = lake.WithEvents(store, lake.Notifiers(eventLog(log, reg), crawler))

	streams, err := openStreams(ctx, cfg, root, log)
	if err != nil {
		return err
	}
	defer streams.Close()

	eng, err := openEngine(cfg, cat, baseLake, store, streams, keyring, log, reg)
	if err != nil {
		return err
	}
	defer eng.Close()
	athena := athenaapi.New(eng, cat, store, log, athenaapi.Options{Region: cfg.S3.Region,
		Exclusive: cfg.Catalog.PostgresDSN == "", Registerer: reg})
	defer athena.Close()

	// One count of failed logins for every listener: a key's guesses add up
	// whichever protocol they come over.
	guard := authlimit.New(authlimit.Options{})
	aws := edge.New(log, edge.NewMetrics(reg), edge.Options{
		Verifier: &sigv4.Verifier{Secrets: keyring, S3Domains: cfg.S3.Domains},
		Keys:     keyring,
		SpoolDir: spoolDir,
		S3:       s3api.New(store, log, s3api.Options{Domains: cfg.S3.Domains, Region: cfg.S3.Region}),
		Targets: map[string]edge.Target{
			"AWSGlue":      {API: "glue", Handler: glueapi.New(cat, crawler, log, glueapi.Options{Region: cfg.S3.Region})},
			"AmazonAthena": {API: "athena", Handler: athena},
			"Kinesis_20131202": {API: "kinesis", Handler: kinesisapi.New(streams, log, kinesisapi.Options{
				Region: cfg.S3.Region, ShardWriteRecordsPerSec: cfg.Streams.ShardRecordsPerSec, ShardWriteBytesPerSec: cfg.Streams.ShardBytesPerSec,
			})},
		},
		Throttle: guard, BodyTimeout: cfg.Limits.bodyTimeout(),
		SpoolBytes: int64(cfg.Limits.SpoolBytes), BufferBytes: int64(cfg.Limits.BufferBytes),
	})
	auth := basicAuth(keyring, guard, log)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })
	mux.Handle("GET /metrics", auth(promhttp.HandlerFor(reg, promhttp.HandlerOpts{})))
	mux.Handle("/v1/sql", auth(&httpsql.Handler{Engine: eng, Log: log,
		User: func(r *http.Request) string { id, _, _ := r.BasicAuth(); return id }}))
	// Profiles for whoever holds a key: where the time goes is a feature too.
	mux.Handle("/debug/pprof/", auth(http.HandlerFunc(pprof.Index)))
	mux.Handle("/debug/pprof/profile", auth(http.HandlerFunc(pprof.Profile)))

	servers := []*listener{
		{name: "aws", addr: cfg.AWSAddr, handler: aws},
		{name: "http", addr: cfg.HTTPAddr, handler: mux},
	}
	for _, l := range servers {
		if err := l.listen(tlsCfg); err != nil {
			for _, o := range servers {
				o.close()
			}
			return err
		}
	}
	pgln, err := net.Listen("tcp", cfg.PGAddr)
	if err != nil {
		for _, o := range servers {
			o.close()
		}
		return fmt.Errorf("pg listener: %w", err)
	}
	pg := pgwire.New(pgwire.Options{Engine: eng, TLS: tlsCfg, Log: log, Secret: func(id string) (string, bool) {
		k, ok := keyring.Lookup(id)
		return k.Secret, ok
	}, Throttle: guard, StartupTimeout: cfg.Limits.pgStartupTimeout(), MaxStartups: cfg.Limits.PGMaxStartups})
	scheme := "http"
	if tlsCfg != nil {
		scheme = "https"
	}
	log.Info("tarn serving", "version", version(), "data", cfg.Data, "lake", cfg.Lake.Backend,
		"aws", scheme+"://"+servers[0].ln.Addr().String(), "http", scheme+"://"+servers[1].ln.Addr().String(),
		"pg", pgln.Addr().String())

	errc := make(chan error, len(servers)+1)
	for _, l := range servers {
		go func() { errc <- l.serve() }()
	}
	go func() {
		if err := pg.Serve(pgln); !errors.Is(err, pgwire.ErrServerClosed) {
			errc <- fmt.Errorf("pg listener: %w", err)
		}
	}()
	select {
	case <-ctx.Done():
		log.Info("shutting down: draining requests")
	case err = <-errc:
		log.Error("listener failed", "err", err)
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// Stop in reverse order of start; in-flight requests finish first.
	pg.Close()
	for i := len(servers) - 1; i >= 0; i-- {
		if serr := servers[i].srv.Shutdown(shutdownCtx); serr != nil {
			log.Warn("shutdown", "listener", servers[i].name, "err", serr)
		}
	}
	log.Info("stopped")
	return err
}

func openLake(cfg Config) (lake.Store, error) {
	switch cfg.Lake.Backend {
	case "s3":
		return lakes3.New(lakes3.Options{
			Endpoint: cfg.Lake.Endpoint, Region: cfg.Lake.Region, PathStyle: cfg.Lake.PathStyle,
			AccessKeyID: cfg.Lake.AccessKeyID, SecretAccessKey: cfg.Lake.SecretAccessKey,
		})
	default:
		return localfs.Open(filepath.Join(cfg.Data, "lake"))
	}
}

func openCatalog(ctx context.Context, cfg Config) (catalog.Store, error) {
	if dsn := cfg.Catalog.PostgresDSN; dsn != "" {
		s, err := postgres.OpenSchema(ctx, dsn, cfg.Catalog.PostgresSchema)
		if err != nil {
			return nil, fmt.Errorf("catalog: %w", err)
		}
		return s, nil
	}
	s, err := embedded.Open(filepath.Join(cfg.Data, "catalog.db"))
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	return s, nil
}

func openStreams(ctx context.Context, cfg Config, root access.Key, log *slog.Logger) (*natsjs.Store, error) {
	sc := cfg.Streams
	opts := natsjs.Options{URL: sc.NATSURL, User: sc.User, Password: sc.Password, Token: sc.Token,
		CredsFile: sc.Creds, Replicas: sc.Replicas, StoreDir: filepath.Join(cfg.Data, "streams"), Listen: sc.Listen}
	if sc.NATSURL == "" && sc.Listen != "" && opts.User == "" {
		opts.User, opts.Password = root.ID, root.Secret
	}
	s, err := natsjs.Open(ctx, log, opts)
	if err != nil {
		return nil, fmt.Errorf("streams: %w", err)
	}
	return s, nil
}

type listener struct {
	name, addr string
	handler    http.Handler
	ln         net.Listener
	srv        *http.Server
}

func (l *listener) listen(tlsCfg *tls.Config) error {
	ln, err := net.Listen("tcp", l.addr)
	if err != nil {
		return fmt.Errorf("%s listener: %w", l.name, err)
	}
	if tlsCfg != nil {
		ln = tls.NewListener(ln, httpTLS(tlsCfg))
	}
	l.ln = ln
	l.srv = &http.Server{Handler: l.handler, ReadHeaderTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute,
		MaxHeaderBytes: 64 << 10, ErrorLog: nil, Protocols: httpProtocols()}
	return nil
}

func (l *listener) serve() error {
	if err := l.srv.Serve(l.ln); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("%s listener: %w", l.name, err)
	}
	return nil
}

func (l *listener) close() {
	if l.ln != nil {
		l.ln.Close()
	}
}

func newLogger(c LogConfig) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.Level)); err != nil {
		return nil, fmt.Errorf("log level %q: want debug, info, warn or error", c.Level)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch strings.ToLower(c.Format) {
	case "json":
		return slog.New(slog.NewJSONHandler(os.Stderr, opts)), nil
	case "text", "":
		return slog.New(slog.NewTextHandler(os.Stderr, opts)), nil
	}
	return nil, fmt.Errorf("log format %q: want text or json", c.Format)
}

// eventLog is the object-event hook until triggers make events durable: it
// counts and logs them.
func eventLog(log *slog.Logger, reg prometheus.Registerer) lake.Notifier {
	events := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tarn_lake_events_total", Help: "Object events emitted, by event name.",
	}, []string{"event"})
	reg.MustRegister(events)
	log = log.With("component", "events")
	return lake.NotifierFunc(func(ctx context.Context, e lake.Event) {
		events.WithLabelValues(e.Name).Inc()
		log.Debug("object event", "event", e.Name, "bucket", e.Bucket, "key", e.Key, "size", e.Size)
	})
}
