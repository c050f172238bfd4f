package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
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
	"github.com/tarnlake/tarn/internal/delivery"
	"github.com/tarnlake/tarn/internal/edge"
	"github.com/tarnlake/tarn/internal/edge/sigv4"
	"github.com/tarnlake/tarn/internal/eventsapi"
	"github.com/tarnlake/tarn/internal/firehoseapi"
	"github.com/tarnlake/tarn/internal/glueapi"
	"github.com/tarnlake/tarn/internal/lake"
	"github.com/tarnlake/tarn/internal/lake/localfs"
	lakes3 "github.com/tarnlake/tarn/internal/lake/s3"
	"github.com/tarnlake/tarn/internal/lake/s3api"
	"github.com/tarnlake/tarn/internal/pgwire"
	"github.com/tarnlake/tarn/internal/query/athenaapi"
	"github.com/tarnlake/tarn/internal/query/httpsql"
	"github.com/tarnlake/tarn/internal/redshiftdata"
	"github.com/tarnlake/tarn/internal/sftp"
	"github.com/tarnlake/tarn/internal/stream/kinesisapi"
	"github.com/tarnlake/tarn/internal/stream/natsjs"
	"github.com/tarnlake/tarn/internal/trigger"
	"github.com/tarnlake/tarn/internal/warehouse"
	"github.com/tarnlake/tarn/internal/warehouse/copyfrom"
	whduckdb "github.com/tarnlake/tarn/internal/warehouse/duckdb"
	whpostgres "github.com/tarnlake/tarn/internal/warehouse/postgres"
	"github.com/tarnlake/tarn/internal/warehouse/pqscan"
)

const serveUsage = `Usage:
  tarn serve [flags]

Runs every part of tarn in this process. With no flags it keeps everything
in ./tarn-data and listens on 127.0.0.1 only:

  AWS API          --aws-addr   127.0.0.1:9800  S3, Kinesis, Firehose, Glue, Athena, Lambda and CloudWatch
                                                Logs (functions' logs), signed with SigV4
  PostgreSQL wire  --pg-addr    127.0.0.1:9802  SQL over every catalog table, stream and warehouse table
                                                (psql, pgx, JDBC, BI tools)
  HTTP             --http-addr  127.0.0.1:9801  SQL (POST /v1/sql), /metrics, /debug/pprof/ (basic auth:
                                                an access key id and its secret), /healthz (open)
  SFTP             --sftp-addr  127.0.0.1:9822  uploads into the lake (user: a key's ID or name;
                                                password: its secret, or its --ssh-key)

Streams live in an embedded NATS JetStream (DATA/streams, no port) unless
--nats-url names an external one; warehouse tables in DATA/warehouse.duckdb
unless --warehouse-dsn names a PostgreSQL database for them. The root key comes from
TARN_ACCESS_KEY_ID and TARN_SECRET_ACCESS_KEY, else DATA/credentials, else
it is generated there and printed once. Every address is checked before
anything starts: a busy one stops tarn serve with the list of them.

The pipelines --config declares (buckets, streams, catalog databases,
crawlers) are made at start and again when tarn serve gets SIGHUP, as tarn
apply makes them; what it holds and the config does not declare is logged,
never deleted (tarn apply --prune deletes it).

Examples:
  tarn serve
  tarn serve --data /var/lib/tarn --aws-addr 0.0.0.0:9800 --tls-self-signed
  aws --endpoint-url http://127.0.0.1:9800 s3 mb s3://lake
  PGUSER=$AWS_ACCESS_KEY_ID PGPASSWORD=$AWS_SECRET_ACCESS_KEY psql -h 127.0.0.1 -p 9802 -d tarn
  curl -u "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" --data 'SELECT 42' http://127.0.0.1:9801/v1/sql
`

func serve(ctx context.Context, args []string, con console) error {
	fs := newCommand("serve", serveUsage, con)
	cfg, err := loadConfig(fs.FlagSet, args)
	if errors.Is(err, flag.ErrHelp) {
		fs.printHelp(con.out)
		return err
	}
	if err != nil {
		return err
	}
	log, err := newLogger(cfg.Log, con.err)
	if err != nil {
		return err
	}
	// SIGHUP reapplies the config (applyOnServe); until that runs, and
	// while tarn stops, it must not end the process as it would by default.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	// The listeners come first: a busy port stops tarn before it generates
	// credentials or opens a store.
	addrs := []boundAddr{
		{flag: "--aws-addr", addr: cfg.AWSAddr},
		{flag: "--http-addr", addr: cfg.HTTPAddr},
		{flag: "--pg-addr", addr: cfg.PGAddr},
		{flag: "--sftp-addr", addr: cfg.SFTPAddr},
	}
	if cfg.Streams.NATSURL == "" && cfg.Streams.Listen != "" {
		addrs = append(addrs, boundAddr{flag: "streams.listen", addr: cfg.Streams.Listen, probe: true})
	}
	if err := bind(addrs); err != nil {
		return err
	}
	serving := false
	defer func() {
		if !serving {
			for _, a := range addrs {
				a.close()
			}
		}
	}()
	if err := privateData(cfg.Data); err != nil {
		return err
	}
	root, err := rootKey(cfg.Data, con.err)
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
	// The parts, in the order they start; they stop in reverse (crawls end
	// STOPPED before the stores they use close, listeners drain first).
	var parts []part
	failed := func(err error) error { return errors.Join(err, closeParts(parts)) }
	store, err := openLake(cfg)
	if err != nil {
		return failed(err)
	}
	parts = append(parts, part{name: "lake", close: store.Close})
	baseLake := store
	cat, err := openCatalog(ctx, cfg)
	if err != nil {
		return failed(err)
	}
	parts = append(parts, part{name: "catalog", close: cat.Close})
	streams, err := openStreams(ctx, cfg, root, log)
	if err != nil {
		return failed(err)
	}
	parts = append(parts, part{name: "streams", close: streams.Close})
	scheme := "http"
	if tlsCfg != nil {
		scheme = "https"
	}
	wh, err := openWarehouse(cfg)
	if err != nil {
		return failed(err)
	}
	parts = append(parts, part{name: "warehouse", close: wh.Close})
	// COPY's Parquet reader for a warehouse that reads no files itself
	// (PostgreSQL): one DuckDB, opened at the first COPY of Parquet.
	pq := pqscan.New()
	parts = append(parts, part{name: "parquet reader", close: pq.Close})
	crawler := crawl.New(crawl.Options{Catalog: cat, Lake: store, Warehouse: wh, Log: log, Registerer: reg,
		Exclusive: cfg.Catalog.PostgresDSN == ""})
	// Every object change is logged before it is acknowledged.
	eventLog := trigger.NewLog(streams, trigger.LogOptions{Stream: cfg.Events.Stream, Retention: cfg.Events.retention(),
		Region: cfg.S3.Region, Log: log, Registerer: reg})
	store = lake.WithEvents(store, eventLog)
	events, err := buildEvents(cfg, eventLog, cat, store, streams, keyring, crawler, ruleLoader{copyfrom.Options{Store: wh, Lake: store, Parquet: pq, Log: log}},
		localURL(scheme, addrs[0].ln.Addr()), log, reg)
	if err != nil {
		return failed(err)
	}
	parts = append(parts, events.parts()...)
	parts = append(parts, part{name: "crawler", start: crawler.Recover, run: crawler.Run, close: crawler.Close})
	// Event-mode crawlers learn of new objects from the log.
	parts = append(parts, part{name: "crawl events", run: func(ctx context.Context) error {
		return eventLog.Follow(ctx, "tarn-crawl", crawler.AddEvents)
	}})
	deliveries := delivery.New(delivery.Options{Docs: cat, Catalog: cat, Streams: streams, Lake: store,
		Functions: events.service, Key: keyring.ByName, Region: cfg.S3.Region, Log: log, Registerer: reg})
	eng, err := openEngine(cfg, cat, baseLake, store, streams, pendingViews{deliveries}, wh, pq, keyring, log, reg)
	if err != nil {
		return failed(err)
	}
	parts = append(parts, part{name: "engine", close: eng.Close})
	athena := athenaapi.New(eng, cat, store, log, athenaapi.Options{Region: cfg.S3.Region,
		Exclusive: cfg.Catalog.PostgresDSN == "", Registerer: reg})
	parts = append(parts, part{name: "athena", start: athena.Recover, run: athena.Run, close: athena.Close})
	// As many Data API statements run as the engine has slots, so that a
	// key's share of them (half) is a share of the engine too.
	rsd := redshiftdata.New(eng, cat, log, redshiftdata.Options{MaxConcurrent: eng.MaxConcurrent(), Exclusive: cfg.Catalog.PostgresDSN == ""})
	parts = append(parts, part{name: "redshift data", start: rsd.Recover, run: rsd.Run, close: rsd.Close})
	parts = append(parts, part{name: "deliveries", run: deliveries.Run, close: deliveries.Close})

	// One count of failed logins for every listener: a key's guesses add up
	// whichever protocol they come over.
	guard := authlimit.New(authlimit.Options{})
	aws := edge.New(log, edge.NewMetrics(reg), edge.Options{
		Verifier: &sigv4.Verifier{Secrets: keyring, S3Domains: cfg.S3.Domains},
		Keys:     keyring,
		SpoolDir: spoolDir,
		S3: s3api.New(store, log, s3api.Options{Domains: cfg.S3.Domains, Region: cfg.S3.Region,
			Notifications: events.rules}),
		Lambda: events.api,
		Targets: map[string]edge.Target{
			"AWSGlue":           {API: "glue", Handler: glueapi.New(cat, crawler, log, glueapi.Options{Region: cfg.S3.Region})},
			"AmazonAthena":      {API: "athena", Handler: athena},
			"RedshiftData":      {API: "redshift-data", Handler: rsd},
			"Logs_20140328":     {API: "logs", Handler: events.logs},
			eventsapi.Target:    {API: "events", Handler: eventsapi.New(events.dispatch, events.rules, log)},
			"Firehose_20150804": {API: "firehose", Handler: firehoseapi.New(deliveries, log)},
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
		{name: "aws", ln: addrs[0].ln, handler: aws},
		{name: "http", ln: addrs[1].ln, handler: mux},
	}
	for _, l := range servers {
		l.serveTLS(tlsCfg)
	}
	pgln := addrs[2].ln
	serving = true
	pg := pgwire.New(pgwire.Options{Engine: eng, TLS: tlsCfg, Log: log, Secret: func(id string) (string, bool) {
		k, ok := keyring.Lookup(id)
		return k.Secret, ok
	}, Throttle: guard, StartupTimeout: cfg.Limits.pgStartupTimeout(), MaxStartups: cfg.Limits.PGMaxStartups})
	log.Info("tarn serving", "version", version(), "data", cfg.Data, "lake", cfg.Lake.Backend,
		"aws", scheme+"://"+servers[0].ln.Addr().String(), "http", scheme+"://"+servers[1].ln.Addr().String(),
		"pg", pgln.Addr().String(), "sftp", addrs[3].ln.Addr().String())

	for _, l := range servers {
		parts = append(parts, part{name: l.name + " listener", run: l.run})
	}
	parts = append(parts, part{name: "pg listener", run: func(ctx context.Context) error {
		go func() { <-ctx.Done(); pg.Close() }()
		if err := pg.Serve(pgln); !errors.Is(err, pgwire.ErrServerClosed) {
			return err
		}
		return nil
	}})
	// The config's pipelines, through the APIs as any client's: at start
	// and on SIGHUP.
	reloadRules := func(ctx context.Context, next Config) error {
		rules, err := next.Pipelines.TriggerRules(next.S3.Region)
		if err != nil {
			return err
		}
		return events.rules.ReplaceConfigRules(ctx, rules)
	}
	parts = append(parts, part{name: "pipelines", run: func(ctx context.Context) error {
		return applyOnServe(ctx, cfg, root, localURL(scheme, addrs[0].ln.Addr()), hup, reloadRules, log)
	}})
	// SFTP uploads are objects like any other: through the store that
	// logs their events, with the key's grants checked on each request.
	sftpSrv := sftp.New(sftp.Options{HostKeyFile: filepath.Join(cfg.Data, "ssh_host_ed25519_key"), Lake: store,
		Keys: keyring, Limiter: guard, Log: log, Registerer: reg})
	parts = append(parts, part{name: "sftp listener", run: func(ctx context.Context) error {
		return sftpSrv.Serve(ctx, addrs[3].ln)
	}, close: sftpSrv.Close})
	err = runParts(ctx, log, parts)
	log.Info("stopped", "err", err)
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

func openWarehouse(cfg Config) (warehouse.Store, error) {
	if dsn := cfg.Warehouse.PostgresDSN; dsn != "" {
		return whpostgres.Open(whpostgres.Options{DSN: dsn})
	}
	return whduckdb.Open(filepath.Join(cfg.Data, "warehouse.duckdb"))
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

// boundAddr is an address serve listens on and the flag that sets it.
type boundAddr struct {
	flag, addr string
	probe      bool // only checked: the embedded NATS server binds it itself
	ln         net.Listener
}

func (a boundAddr) close() {
	if a.ln != nil {
		a.ln.Close()
	}
}

// bind listens on every address, or on none: one error names each address
// it could not have.
func bind(addrs []boundAddr) error {
	var failed []string
	busy := false
	for i, a := range addrs {
		ln, err := net.Listen("tcp", a.addr)
		switch {
		case errors.Is(err, syscall.EADDRINUSE):
			failed, busy = append(failed, fmt.Sprintf("%s %s is in use", a.flag, a.addr)), true
		case err != nil:
			failed = append(failed, fmt.Sprintf("%s %s: %v", a.flag, a.addr, opErr(err)))
		case a.probe:
			ln.Close()
		default:
			addrs[i].ln = ln
		}
	}
	if failed == nil {
		return nil
	}
	for _, a := range addrs {
		a.close()
	}
	fix := "choose other addresses"
	if busy {
		fix = "stop the other tarn or choose other addresses"
	}
	return fmt.Errorf("%s: %s", strings.Join(failed, ", "), fix)
}

type listener struct {
	name    string
	handler http.Handler
	ln      net.Listener
	srv     *http.Server
}

func (l *listener) serveTLS(tlsCfg *tls.Config) {
	if tlsCfg != nil {
		l.ln = tls.NewListener(l.ln, httpTLS(tlsCfg))
	}
	l.srv = &http.Server{Handler: l.handler, ReadHeaderTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute,
		MaxHeaderBytes: 64 << 10, ErrorLog: nil, Protocols: httpProtocols()}
}

// run serves until ctx ends, then lets in-flight requests finish (up to
// 30 s).
func (l *listener) run(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() { errc <- l.srv.Serve(l.ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	err := l.srv.Shutdown(shutdown)
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}

func newLogger(c LogConfig, w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.Level)); err != nil {
		return nil, fmt.Errorf("log level %q: want debug, info, warn or error", c.Level)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch strings.ToLower(c.Format) {
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	case "text", "":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("log format %q: want text or json", c.Format)
}
