package main

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/awsapi"
	"github.com/tarnlake/tarn/internal/catalog"
	"github.com/tarnlake/tarn/internal/function"
	"github.com/tarnlake/tarn/internal/lake"
	"github.com/tarnlake/tarn/internal/lambdaapi"
	"github.com/tarnlake/tarn/internal/logsapi"
	"github.com/tarnlake/tarn/internal/stream"
	"github.com/tarnlake/tarn/internal/trigger"
)

// EventsConfig configures the durable event log of object changes.
type EventsConfig struct {
	// Stream names the log's stream, readable with the Kinesis API
	// (default tarn-events).
	Stream string `yaml:"stream"`
	// Retention keeps events this long ("168h", the default).
	Retention string `yaml:"retention"`
}

// FunctionsConfig configures how functions run.
type FunctionsConfig struct {
	// RunAs is one user every function runs as, "name" or "uid:gid". By
	// default, when tarn runs as root each function runs as a user of its
	// own (uid and gid UIDBase plus a number), which alone reads its code
	// and scratch folder; else functions run as tarn's own user.
	RunAs string `yaml:"run_as"`
	// UIDBase is where functions' own users start (default 200000: no
	// account of the system's).
	UIDBase uint32 `yaml:"uid_base"`
	// Dir holds the functions' unpacked code and scratch folders, which
	// the function user must reach: by default DATA/functions/run when
	// functions run as tarn's own user, else a folder of tarn's in the
	// system's temporary folder (the data folder stays closed to others).
	// Zips stay in DATA/functions either way.
	Dir string `yaml:"dir"`
	// MaxConcurrency bounds each function's processes (default 10).
	MaxConcurrency int `yaml:"max_concurrency"`
	// RetryBase is the wait before an event's first retry, doubled for
	// the second ("1s" by default; Lambda waits about a minute).
	RetryBase string `yaml:"retry_base"`
	Python    string `yaml:"python"`
	Node      string `yaml:"node"`
}

func (c EventsConfig) retention() time.Duration {
	d, _ := time.ParseDuration(c.Retention)
	return d
}

func (c FunctionsConfig) validate() error {
	if c.RetryBase != "" {
		if _, err := time.ParseDuration(c.RetryBase); err != nil {
			return fmt.Errorf("functions.retry_base %q: %w", c.RetryBase, err)
		}
	}
	if c.RunAs != "" {
		if _, err := runAs(c.RunAs); err != nil {
			return err
		}
	}
	return nil
}

func (c EventsConfig) validate() error {
	if c.Retention != "" {
		if d, err := time.ParseDuration(c.Retention); err != nil || d < time.Hour {
			return fmt.Errorf("events.retention %q: want a duration of an hour or more, like 168h", c.Retention)
		}
	}
	return nil
}

// runAs reads a user as "name" or "uid:gid".
func runAs(s string) (*function.Credential, error) {
	if uid, gid, ok := strings.Cut(s, ":"); ok {
		u, err1 := strconv.ParseUint(uid, 10, 32)
		g, err2 := strconv.ParseUint(gid, 10, 32)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("functions.run_as %q: want a user name or uid:gid", s)
		}
		return &function.Credential{UID: uint32(u), GID: uint32(g)}, nil
	}
	u, err := user.Lookup(s)
	if err != nil {
		return nil, fmt.Errorf("functions.run_as %q: %w", s, err)
	}
	uid, _ := strconv.ParseUint(u.Uid, 10, 32)
	gid, _ := strconv.ParseUint(u.Gid, 10, 32)
	return &function.Credential{UID: uint32(uid), GID: uint32(gid)}, nil
}

// functionUser is who functions run as, never root: one user for all, or
// (uid base > 0) a user of each function's own.
func functionUser(cfg FunctionsConfig) (*function.Credential, uint32, error) {
	if cfg.RunAs != "" {
		c, err := runAs(cfg.RunAs)
		if err == nil && c.UID == 0 {
			return nil, 0, fmt.Errorf("functions.run_as %q is root: functions never run as root", cfg.RunAs)
		}
		return c, 0, err
	}
	if os.Geteuid() != 0 {
		return nil, 0, nil
	}
	return nil, cmp.Or(cfg.UIDBase, 200000), nil
}

// functionsRoot makes the folder of the functions' code and scratch
// folders, owned by tarn and passable (0711) but not listable by the
// function user.
func functionsRoot(cfg Config, otherUsers bool) (string, error) {
	dir := cfg.Functions.Dir
	switch {
	case dir != "":
	case !otherUsers:
		dir = filepath.Join(cfg.Data, "functions", "run")
	default:
		abs, err := filepath.Abs(cfg.Data)
		if err != nil {
			return "", err
		}
		sum := sha256.Sum256([]byte(abs))
		dir = filepath.Join(os.TempDir(), "tarn-functions-"+hex.EncodeToString(sum[:6]))
	}
	if err := os.MkdirAll(dir, 0o711); err != nil {
		return "", fmt.Errorf("functions folder: %w", err)
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return "", fmt.Errorf("functions folder: %w", err)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); !fi.IsDir() || ok && int(st.Uid) != os.Geteuid() {
		return "", fmt.Errorf("functions folder %s is not a folder of tarn's user: remove it, or set functions.dir", dir)
	}
	if err := os.Chmod(dir, 0o711); err != nil {
		return "", fmt.Errorf("functions folder: %w", err)
	}
	return dir, nil
}

// eventParts are the event log, the functions and the dispatcher between
// them, built for serve.
type eventParts struct {
	log      *trigger.Log
	rules    *trigger.Rules
	dispatch *trigger.Dispatcher
	runner   *function.Runner
	service  *function.Service
	queue    *function.Queue
	api      *lambdaapi.API
	logs     *logsapi.API
	// configRules are the config file's rules by bucket.
	configRules map[string][]trigger.Rule
}

func buildEvents(cfg Config, eventLog *trigger.Log, docs catalog.Documents, store lake.Store, streams stream.Store, keyring *access.Keyring,
	crawler trigger.Crawler, loader trigger.Loader, awsURL string, log *slog.Logger, reg prometheus.Registerer) (*eventParts, error) {
	rules, err := cfg.Pipelines.TriggerRules(cfg.S3.Region)
	if err != nil {
		return nil, err
	}
	runAs, uidBase, err := functionUser(cfg.Functions)
	if err != nil {
		return nil, err
	}
	run, err := functionsRoot(cfg, runAs != nil || uidBase > 0)
	if err != nil {
		return nil, err
	}
	retry, _ := time.ParseDuration(cfg.Functions.RetryBase)
	ep := &eventParts{log: eventLog, configRules: rules}
	ep.runner = function.New(function.Options{Log: log, Registerer: reg, WorkDir: filepath.Join(run, "work"),
		LogDir: filepath.Join(cfg.Data, "function-logs"), RunAs: runAs, Python: cfg.Functions.Python, Node: cfg.Functions.Node,
		MaxConcurrency: cfg.Functions.MaxConcurrency})
	ep.service = function.NewService(function.NewRegistry(docs, filepath.Join(cfg.Data, "functions"), filepath.Join(run, "code")).UsersFrom(uidBase), ep.runner, function.ServiceOptions{
		Region: cfg.S3.Region, Endpoint: awsURL, Key: keyring.ByName, Log: log, RetryBase: retry,
		OnFailure: function.Destinations{Lake: store, Streams: streams}.Write,
	})
	ep.queue = function.NewQueue(streams, ep.service, 8)
	ep.rules = trigger.NewRules(docs, queueInvoker{ep.queue, ep.service})
	ep.dispatch = trigger.NewDispatcher(ep.log, ep.rules, queueInvoker{ep.queue, ep.service}, trigger.DispatchOptions{Log: log, Registerer: reg,
		Actions: &trigger.Actions{Lake: store, Docs: docs, Events: eventLog, Crawler: crawler, Loader: loader, Log: log}})
	ep.api = lambdaapi.New(ep.service, lambdaapi.Options{Region: cfg.S3.Region, Log: log, Evict: ep.runner.Evict,
		Enqueue: ep.queue.Enqueue,
		Lake: func(ctx context.Context, bucket, key string) ([]byte, error) {
			rc, _, err := store.Get(ctx, bucket, key, nil)
			if err != nil {
				return nil, err
			}
			defer rc.Close()
			return io.ReadAll(io.LimitReader(rc, 70<<20))
		},
		CheckDestination: func(ctx context.Context, caller *access.Key, dest string) error {
			d, err := function.ParseDestination(dest)
			if err != nil {
				return err
			}
			if caller != nil && !caller.Allowed(access.Write, d.Resource()) {
				return awsapi.Errorf(http.StatusForbidden, "AccessDeniedException", "access key %s may not write %s, the on-failure destination", caller.ID, d.Resource())
			}
			return nil
		},
	})
	ep.logs = logsapi.New(ep.runner, func(r *awsapi.Request) ([]string, error) {
		fs, err := ep.service.Registry().List(r.Ctx)
		names := make([]string, len(fs))
		for i, f := range fs {
			names[i] = f.Name
		}
		return names, err
	}, cfg.S3.Region, log)
	return ep, nil
}

// parts are the event parts in the order they start.
func (ep *eventParts) parts() []part {
	return []part{
		{name: "event log", start: ep.log.Start},
		{name: "rules", start: func(ctx context.Context) error { return ep.rules.ReplaceConfigRules(ctx, ep.configRules) }},
		{name: "functions", run: ep.runner.Run, close: ep.runner.Close},
		{name: "event queue", start: ep.queue.Start, run: ep.queue.Run, close: ep.queue.Close},
		{name: "dispatcher", run: ep.dispatch.Run, close: ep.dispatch.Close},
	}
}

// queueInvoker hands the dispatcher's events to the durable queue, so
// that a slow function holds up no other event.
type queueInvoker struct {
	q   *function.Queue
	svc *function.Service
}

func (qi queueInvoker) InvokeEvent(ctx context.Context, fn string, payload []byte, received time.Time) error {
	return qi.q.Enqueue(ctx, fn, payload, received)
}

func (qi queueInvoker) Exists(ctx context.Context, arn string) (bool, error) {
	return qi.svc.Exists(ctx, arn)
}

// localURL is the URL of a listener as local processes reach it.
func localURL(scheme string, addr net.Addr) string {
	host, port, _ := net.SplitHostPort(addr.String())
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}
