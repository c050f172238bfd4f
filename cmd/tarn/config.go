package main

import (
	"bytes"
	"cmp"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/tarnlake/tarn/internal/pipeline"
)

// Config is everything serve needs; packages below get plain option structs
// built from it.
type Config struct {
	Data      string          `yaml:"data"`
	AWSAddr   string          `yaml:"aws_addr"`
	HTTPAddr  string          `yaml:"http_addr"`
	PGAddr    string          `yaml:"pg_addr"`
	SFTPAddr  string          `yaml:"sftp_addr"`
	TLS       TLSConfig       `yaml:"tls"`
	Log       LogConfig       `yaml:"log"`
	S3        S3Config        `yaml:"s3"`
	Lake      LakeConfig      `yaml:"lake"`
	Streams   StreamsConfig   `yaml:"streams"`
	Catalog   CatalogConfig   `yaml:"catalog"`
	Warehouse WarehouseConfig `yaml:"warehouse"`
	Query     QueryConfig     `yaml:"query"`
	Limits    LimitsConfig    `yaml:"limits"`
	Events    EventsConfig    `yaml:"events"`
	Functions FunctionsConfig `yaml:"functions"`
	// Pipelines are what the config declares, made as clients of the
	// APIs make them (tarn apply).
	Pipelines pipeline.Spec `yaml:"pipelines"`
	// File is the config file read, if any.
	File string `yaml:"-"`
}

// QueryConfig bounds SQL: DuckDB's memory (for all statements together, or
// each statement's), each statement's time, and how many run at once.
type QueryConfig struct {
	MemoryLimit string `yaml:"memory_limit"` // "4GB"; default DuckDB's, 80% of RAM
	// StatementMemoryLimit ("1GB") gives each session a DuckDB of its own
	// bounded by it, so it bounds each statement; default none.
	StatementMemoryLimit string `yaml:"statement_memory_limit"`
	Timeout              string `yaml:"timeout"`        // "30m"; default none
	MaxConcurrent        int    `yaml:"max_concurrent"` // default one per core
	// CacheMaxBytes bounds the local copies SQL reads of a lake on a remote
	// S3 store (lake.backend s3), under DATA/cache/lake: bytes or a size
	// ("512MiB", "20GB"); default 10GiB; 0: no bound. Copies of the tables
	// a running statement reads stay even past it.
	CacheMaxBytes ByteSize `yaml:"cache_max_bytes"`
}

// ByteSize is a size in bytes, written in YAML as a number or with a unit:
// "512MiB", "10GiB", "2GB", "64KB".
type ByteSize int64

func (b *ByteSize) UnmarshalYAML(n *yaml.Node) error {
	v, err := parseByteSize(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: size %q: %w", n.Line, n.Value, err)
	}
	*b = v
	return nil
}

func parseByteSize(s string) (ByteSize, error) {
	s = strings.TrimSpace(s)
	num := strings.TrimRight(s, "KMGTPiBb ")
	unit := strings.TrimSpace(s[len(num):])
	mult, ok := map[string]int64{"": 1, "B": 1, "KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12,
		"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40}[unit]
	n, err := strconv.ParseInt(strings.TrimSpace(num), 10, 64)
	switch {
	case !ok:
		return 0, fmt.Errorf("unknown unit %q: want B, KB, MB, GB, TB, KiB, MiB, GiB or TiB", unit)
	case err != nil:
		return 0, errors.New("want a whole number of bytes, optionally with a unit")
	case n < 0:
		return 0, errors.New("a size cannot be negative")
	case n > math.MaxInt64/mult:
		return 0, errors.New("too large")
	}
	return ByteSize(n * mult), nil
}

// CatalogConfig picks where the catalog lives: a file under the data folder
// (default) or PostgreSQL, shared by several tarn processes.
type CatalogConfig struct {
	// PostgresDSN, e.g. "postgres://tarn@db:5432/tarn"; empty: embedded.
	PostgresDSN string `yaml:"postgres_dsn"`
	// PostgresSchema holds the catalog's tables; default tarn_catalog.
	PostgresSchema string `yaml:"postgres_schema"`
}

// WarehouseConfig picks where warehouse tables live: a DuckDB file under
// the data folder (default) or a PostgreSQL database of their own.
type WarehouseConfig struct {
	// PostgresDSN names the database, e.g. "postgres://tarn@db:5432/warehouse".
	PostgresDSN string `yaml:"postgres_dsn"`
}

// TLSConfig serves every listener over TLS when Cert and Key are set, or
// with a generated self-signed certificate when SelfSigned is.
type TLSConfig struct {
	Cert       string `yaml:"cert"`
	Key        string `yaml:"key"`
	SelfSigned bool   `yaml:"self_signed"`
}

type LogConfig struct {
	Level  string `yaml:"level"`  // debug, info, warn, error
	Format string `yaml:"format"` // text, json
}

// S3Config shapes the S3 API.
type S3Config struct {
	Region  string   `yaml:"region"`
	Domains []string `yaml:"domains"` // virtual-host style: <bucket>.<domain>
}

// LakeConfig picks the object store: the data folder (default) or any
// S3-compatible store.
type LakeConfig struct {
	Backend         string `yaml:"backend"` // "local" or "s3"
	Endpoint        string `yaml:"endpoint"`
	Region          string `yaml:"region"`
	AccessKeyID     string `yaml:"access_key_id"`
	SecretAccessKey string `yaml:"secret_access_key"`
	PathStyle       bool   `yaml:"path_style"`
}

// StreamsConfig picks where streams live: NATS JetStream embedded in tarn
// (default, files under the data folder) or an external NATS cluster.
type StreamsConfig struct {
	NATSURL  string `yaml:"nats_url"` // empty: embedded
	User     string `yaml:"user"`
	Password string `yaml:"password"`
	Token    string `yaml:"token"`
	Creds    string `yaml:"creds"`
	Replicas int    `yaml:"replicas"`
	// Listen opens the embedded server to NATS clients (root key as user
	// and password); empty keeps it in-process only.
	Listen string `yaml:"listen"`
	// Per-shard write limits; past them PutRecord(s) answer
	// ProvisionedThroughputExceededException. 0: no limit.
	ShardRecordsPerSec int `yaml:"shard_records_per_sec"`
	ShardBytesPerSec   int `yaml:"shard_bytes_per_sec"`
}

func defaultConfig() Config {
	return Config{
		Data:     "./tarn-data",
		AWSAddr:  "127.0.0.1:9800",
		HTTPAddr: "127.0.0.1:9801",
		PGAddr:   "127.0.0.1:9802",
		SFTPAddr: "127.0.0.1:9822",
		Log:      LogConfig{Level: "info", Format: "text"},
		S3:       S3Config{Region: "us-east-1", Domains: []string{"localhost", "s3.localhost"}},
		Lake:     LakeConfig{Backend: "local", Region: "us-east-1", PathStyle: true},
		Catalog:  CatalogConfig{PostgresSchema: "tarn_catalog"},
		Query:    QueryConfig{CacheMaxBytes: 10 << 30},
	}
}

// loadConfig applies, in order: defaults, the config file, TARN_* variables
// and the flags the user set.
func loadConfig(fs *flag.FlagSet, args []string) (Config, error) {
	cfg := defaultConfig()
	var flagCfg Config
	var configFile string
	fs.StringVar(&configFile, "config", os.Getenv("TARN_CONFIG"), "config `file` (YAML)")
	fs.StringVar(&flagCfg.Data, "data", "", "data `folder` (default "+cfg.Data+")")
	fs.StringVar(&flagCfg.AWSAddr, "aws-addr", "", "AWS API listener: S3, Kinesis, Glue, Athena, Lambda, CloudWatch Logs (default "+cfg.AWSAddr+")")
	fs.StringVar(&flagCfg.HTTPAddr, "http-addr", "", "HTTP listener: SQL (/v1/sql), /metrics, /healthz, /debug/pprof/ (default "+cfg.HTTPAddr+")")
	fs.StringVar(&flagCfg.PGAddr, "pg-addr", "", "PostgreSQL wire listener: SQL over the catalog (default "+cfg.PGAddr+")")
	fs.StringVar(&flagCfg.SFTPAddr, "sftp-addr", "", "SFTP listener: uploads into the lake (default "+cfg.SFTPAddr+")")
	fs.StringVar(&flagCfg.Streams.NATSURL, "nats-url", "", "external NATS JetStream for streams (default: embedded)")
	fs.StringVar(&flagCfg.Catalog.PostgresDSN, "catalog-dsn", "", "PostgreSQL `DSN` for the catalog (default: a file in the data folder)")
	fs.StringVar(&flagCfg.Warehouse.PostgresDSN, "warehouse-dsn", "", "PostgreSQL `DSN` of a database for the warehouse's tables (default: a DuckDB file in the data folder)")
	fs.StringVar(&flagCfg.TLS.Cert, "tls-cert", "", "TLS certificate `file` (PEM) for every listener")
	fs.StringVar(&flagCfg.TLS.Key, "tls-key", "", "TLS key `file` (PEM)")
	fs.BoolVar(&flagCfg.TLS.SelfSigned, "tls-self-signed", false, "serve TLS with a self-signed certificate generated into the data folder (development)")
	fs.StringVar(&flagCfg.Log.Level, "log-level", "", "debug, info, warn or error (default info)")
	fs.StringVar(&flagCfg.Log.Format, "log-format", "", "text or json (default text)")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if configFile != "" {
		if err := readConfigFile(configFile, &cfg); err != nil {
			return cfg, err
		}
		cfg.File = configFile
	}
	for _, e := range []struct {
		env string
		dst *string
	}{{"TARN_DATA", &cfg.Data}, {"TARN_AWS_ADDR", &cfg.AWSAddr}, {"TARN_HTTP_ADDR", &cfg.HTTPAddr}, {"TARN_PG_ADDR", &cfg.PGAddr}, {"TARN_SFTP_ADDR", &cfg.SFTPAddr}, {"TARN_NATS_URL", &cfg.Streams.NATSURL}, {"TARN_CATALOG_DSN", &cfg.Catalog.PostgresDSN}, {"TARN_WAREHOUSE_DSN", &cfg.Warehouse.PostgresDSN}, {"TARN_CATALOG_SCHEMA", &cfg.Catalog.PostgresSchema}} {
		if v := os.Getenv(e.env); v != "" {
			*e.dst = v
		}
	}
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "data":
			cfg.Data = flagCfg.Data
		case "aws-addr":
			cfg.AWSAddr = flagCfg.AWSAddr
		case "http-addr":
			cfg.HTTPAddr = flagCfg.HTTPAddr
		case "pg-addr":
			cfg.PGAddr = flagCfg.PGAddr
		case "sftp-addr":
			cfg.SFTPAddr = flagCfg.SFTPAddr
		case "nats-url":
			cfg.Streams.NATSURL = flagCfg.Streams.NATSURL
		case "catalog-dsn":
			cfg.Catalog.PostgresDSN = flagCfg.Catalog.PostgresDSN
		case "warehouse-dsn":
			cfg.Warehouse.PostgresDSN = flagCfg.Warehouse.PostgresDSN
		case "tls-cert":
			cfg.TLS.Cert = flagCfg.TLS.Cert
		case "tls-key":
			cfg.TLS.Key = flagCfg.TLS.Key
		case "tls-self-signed":
			cfg.TLS.SelfSigned = flagCfg.TLS.SelfSigned
		case "log-level":
			cfg.Log.Level = flagCfg.Log.Level
		case "log-format":
			cfg.Log.Format = flagCfg.Log.Format
		}
	})
	return cfg, cfg.validate()
}

// readConfigFile reads YAML strictly: an unknown field is an error that names
// the file and line.
func readConfigFile(file string, cfg *Config) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil && !errors.Is(err, io.EOF) { // io.EOF: an empty file
		return fmt.Errorf("config %s: %w", file, err)
	}
	cfg.Pipelines.Dir = filepath.Dir(file) // the paths it names are relative to it
	return nil
}

func (c Config) validate() error {
	var errs []error
	for _, a := range []struct{ name, addr string }{{"aws_addr", c.AWSAddr}, {"http_addr", c.HTTPAddr}, {"pg_addr", c.PGAddr}, {"sftp_addr", c.SFTPAddr}} {
		if _, _, err := net.SplitHostPort(a.addr); err != nil {
			errs = append(errs, fmt.Errorf("%s %q: %w", a.name, a.addr, err))
		}
	}
	if c.Query.Timeout != "" {
		if _, err := time.ParseDuration(c.Query.Timeout); err != nil {
			errs = append(errs, fmt.Errorf("query.timeout %q: %w", c.Query.Timeout, err))
		}
	}
	for _, v := range []interface{ validate() error }{c.Limits, c.Events, c.Functions} {
		if err := v.validate(); err != nil {
			errs = append(errs, err)
		}
	}
	if _, err := c.Pipelines.TriggerRules(c.S3.Region); err != nil {
		errs = append(errs, err)
	}
	if err := c.Pipelines.Validate(cmp.Or(c.File, "config")); err != nil {
		errs = append(errs, err)
	}
	if (c.TLS.Cert == "") != (c.TLS.Key == "") {
		errs = append(errs, errors.New("tls: set both cert and key, or neither"))
	}
	switch c.Lake.Backend {
	case "local":
	case "s3":
		if c.Lake.Endpoint == "" && c.Lake.Region == "" {
			errs = append(errs, errors.New("lake: the s3 backend needs an endpoint or a region"))
		}
	default:
		errs = append(errs, fmt.Errorf("lake.backend %q: want local or s3", c.Lake.Backend))
	}
	if c.Data == "" {
		errs = append(errs, errors.New("data: a data folder is required"))
	}
	return errors.Join(errs...)
}
