package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"go.yaml.in/yaml/v3"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/eventsapi"
	"github.com/tarnlake/tarn/internal/function"
	"github.com/tarnlake/tarn/internal/pipeline"
	"github.com/tarnlake/tarn/internal/trigger"
)

const applyUsage = `Usage:
  tarn apply --config FILE [--dry-run] [--prune] [flags]

Makes a running tarn hold the pipelines FILE declares: the access keys,
buckets, streams, catalog databases and tables, crawlers, functions,
warehouse tables, deliveries and buckets' rules it lists are created, or
changed where they differ (keys need --data, the server's data folder: a new key's
secret is generated there, or taken from the environment variable its
secret_env names, and printed once); what tarn holds and FILE does not is
listed, and deleted only with --prune (warehouse tables and crawled
catalog tables never are). The plan is printed first; --dry-run prints it
and changes nothing. A FILE with a mistake (each is named by file, line
and field) changes nothing. tarn serve applies its own --config the same
way when it starts and again on SIGHUP (without pruning; a bucket's
rules there are always the file's).

Examples:
  tarn apply --config examples/reference/tarn.yaml --dry-run
  tarn apply --config tarn.yaml
  tarn apply --config tarn.yaml --prune
`

const exportUsage = `Usage:
  tarn export-config [flags]

Prints the pipelines a running tarn holds (access keys without their
secrets when --data is its data folder, buckets, streams, catalog
databases and the tables no crawler made, crawlers, functions, warehouse
tables, deliveries, and buckets' rules, a config's or set through S3's
PutBucketNotificationConfiguration), whether made by a config or through
the AWS APIs, as a config
file: applied to a fresh tarn, it makes the same pipelines. With --code
DIR (and --data), each function's code is written into DIR as NAME.zip
and the config names it there (relative to where the config goes: run it
from that folder); without, put each one's code where its code: names.

Examples:
  tarn export-config > tarn.yaml
  tarn export-config --data /var/lib/tarn --code functions > tarn.yaml
`

func applyCmd(ctx context.Context, args []string, con console) error {
	fs := newCommand("apply", applyUsage, con)
	var cf clientFlags
	cf.register(fs.FlagSet)
	file := fs.String("config", os.Getenv("TARN_CONFIG"), "config `file` (YAML) declaring the pipelines")
	dry := fs.Bool("dry-run", false, "print the plan, change nothing")
	prune := fs.Bool("prune", false, "delete what tarn holds and the file does not declare")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *file == "" {
		return fs.usageErr("name the config with --config FILE")
	}
	cfg := defaultConfig()
	if err := readConfigFile(*file, &cfg); err != nil {
		return err
	}
	cfg.File = *file
	if err := cfg.validate(); err != nil {
		return err
	}
	awsCfg, err := cf.awsConfig()
	if err != nil {
		return err
	}
	t := pipelineTarget(awsCfg, nil, cfg)
	t.Keys = cf.keys(fs)
	plan, err := pipeline.Make(ctx, t, cfg.Pipelines, *prune)
	if err != nil {
		return cf.remote().explain("read what tarn holds", err)
	}
	fmt.Fprint(con.out, plan)
	if *dry {
		return nil
	}
	if err := plan.Apply(ctx); err != nil {
		return cf.remote().explain("apply", err)
	}
	for _, c := range plan.Changes {
		if c.Op == pipeline.Create && c.Key != nil {
			fmt.Fprintf(con.out, "key %s: AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s (kept in %s)\n", c.Name, c.Key.ID, c.Key.Secret, filepath.Join(cf.data, keysFile))
		}
	}
	fmt.Fprintln(con.out, "applied")
	return nil
}

func exportCmd(ctx context.Context, args []string, con console) error {
	fs := newCommand("export-config", exportUsage, con)
	var cf clientFlags
	cf.register(fs.FlagSet)
	code := fs.String("code", "", "write each function's code into this `folder` as NAME.zip (needs --data)")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fs.usageErr("takes no arguments")
	}
	awsCfg, err := cf.awsConfig()
	if err != nil {
		return err
	}
	t := pipelineTarget(awsCfg, nil, defaultConfig())
	t.Keys = cf.keys(fs)
	spec, err := pipeline.Export(ctx, t)
	if err != nil {
		return cf.remote().explain("read what tarn holds", err)
	}
	if *code != "" {
		if t.Keys == nil {
			return fs.usageErr("--code copies functions' code out of the server's data folder: name it with --data")
		}
		if err := exportCode(spec.Functions, cf.data, *code); err != nil {
			return err
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# the pipelines of %s, exported by tarn export-config\n", cf.endpoint)
	if len(spec.Functions) > 0 && *code == "" {
		b.WriteString("# functions' code is not exported (--code DIR does): put each one's code (a folder or a .zip) where its code: names\n")
	}
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(map[string]pipeline.Spec{"pipelines": spec}); err != nil {
		return err
	}
	fmt.Fprint(con.out, b.String())
	return nil
}

// exportCode copies each function's zip from the data folder into dir as
// NAME.zip, and names it as the function's code.
func exportCode(fns []pipeline.Function, data, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for i, f := range fns {
		b, err := os.ReadFile(function.ZipPath(filepath.Join(data, "functions"), f.Name, f.CodeSHA256))
		if err != nil {
			return fmt.Errorf("code of function %s: %w (is --data the server's data folder?)", f.Name, err)
		}
		out := filepath.Join(dir, f.Name+".zip")
		if err := os.WriteFile(out, b, 0o644); err != nil {
			return err
		}
		fns[i].Code = out
	}
	return nil
}

// keys is the keys file of the data folder named with --data or TARN_DATA,
// nil without one: a default folder might not be the endpoint's.
func (c *clientFlags) keys(fs *command) pipeline.Keys {
	named := os.Getenv("TARN_DATA") != ""
	fs.Visit(func(f *flag.Flag) { named = named || f.Name == "data" })
	if fi, err := os.Stat(c.data); !named || err != nil || !fi.IsDir() {
		return nil
	}
	return access.KeysFile(filepath.Join(c.data, keysFile))
}

// pipelineTarget is a running tarn as plans see it: its S3, Kinesis and
// Glue APIs; the streams tarn keeps for itself are its own.
func pipelineTarget(awsCfg aws.Config, hc *http.Client, cfg Config) pipeline.Target {
	events := cfg.Events.Stream
	if events == "" {
		events = trigger.DefaultStream
	}
	return pipeline.Target{
		Region: awsCfg.Region,
		S3: s3Buckets{s3.NewFromConfig(awsCfg, func(o *s3.Options) {
			o.UsePathStyle = true
			if hc != nil {
				o.HTTPClient = hc
			}
		})},
		Kinesis:   newJSONClient(awsCfg, hc, "Kinesis_20131202", "kinesis"),
		Glue:      newJSONClient(awsCfg, hc, "AWSGlue", "glue"),
		Lambda:    newJSONClient(awsCfg, hc, "", "lambda"),
		Firehose:  newJSONClient(awsCfg, hc, "Firehose_20150804", "firehose"),
		Warehouse: newJSONClient(awsCfg, hc, "RedshiftData", "redshift-data"),
		Events:    newJSONClient(awsCfg, hc, eventsapi.Target, "events"),
		// The event log, the function queue (tarn-invocations) and direct
		// PUT deliveries' streams (tarn-firehose-*) are tarn's own.
		Own: func(kind, name string) bool {
			return kind == "stream" && (name == events || strings.HasPrefix(name, pipeline.OwnPrefix))
		},
	}
}

// s3Buckets is the S3 side of a pipeline target.
type s3Buckets struct{ c *s3.Client }

func (b s3Buckets) ListBuckets(ctx context.Context) ([]string, error) {
	var out []string
	p := s3.NewListBucketsPaginator(b.c, &s3.ListBucketsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, bk := range page.Buckets {
			out = append(out, aws.ToString(bk.Name))
		}
	}
	return out, nil
}

func (b s3Buckets) CreateBucket(ctx context.Context, name string) error {
	_, err := b.c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)})
	return err
}

func (b s3Buckets) DeleteBucket(ctx context.Context, name string) error {
	_, err := b.c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(name)})
	return err
}

func (b s3Buckets) NotificationRules(ctx context.Context, bucket string) ([]trigger.Rule, error) {
	res, err := b.c.GetBucketNotificationConfiguration(ctx, &s3.GetBucketNotificationConfigurationInput{Bucket: aws.String(bucket)})
	if err != nil {
		return nil, err
	}
	var out []trigger.Rule
	for _, f := range res.LambdaFunctionConfigurations {
		r := trigger.Rule{ID: aws.ToString(f.Id), Function: aws.ToString(f.LambdaFunctionArn)}
		for _, e := range f.Events {
			r.Events = append(r.Events, string(e))
		}
		if f.Filter != nil && f.Filter.Key != nil {
			for _, fr := range f.Filter.Key.FilterRules {
				switch strings.ToLower(string(fr.Name)) {
				case "prefix":
					r.Prefix = aws.ToString(fr.Value)
				case "suffix":
					r.Suffix = aws.ToString(fr.Value)
				}
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// applyOnServe applies the config's pipelines to this server once its
// listeners are up, and again on every signal from hup (re-reading the
// file; rules go to reload), with root's key over loopback; it never
// prunes, and logs what it would delete.
func applyOnServe(ctx context.Context, cfg Config, root access.Key, endpoint string, hup <-chan os.Signal,
	reload func(context.Context, Config) error, log *slog.Logger) error {
	keys := access.KeysFile(filepath.Join(cfg.Data, keysFile))
	// The client dials the listener this process holds: its certificate,
	// self-signed or not, need not be checked.
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	awsCfg := aws.Config{Region: cfg.S3.Region, BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider(root.ID, root.Secret, "")}
	if awsCfg.Region == "" {
		awsCfg.Region = "us-east-1"
	}
	apply := func(cfg Config) {
		if cfg.Pipelines.Empty() {
			// Nothing to ask the APIs: a config of settings makes no
			// requests (each would also count as root's login from
			// loopback with the limiter).
			return
		}
		t := pipelineTarget(awsCfg, hc, cfg)
		t.Keys = keys
		plan, err := pipeline.Make(ctx, t, cfg.Pipelines, false)
		if err == nil {
			err = plan.Apply(ctx)
		}
		for _, c := range plan.Changes {
			if c.Op == pipeline.Create && c.Key != nil && err == nil {
				log.Info("pipelines: made key "+c.Name+"; its secret is in the keys file", "id", c.Key.ID, "file", string(keys))
			}
		}
		if err != nil && !errors.Is(err, context.Canceled) {
			log.Error("pipelines: apply the config", "config", cfg.File, "err", err)
			return
		}
		if len(plan.Changes) > 0 {
			log.Info("pipelines: applied the config", "config", cfg.File, "plan", plan.String())
		}
	}
	if cfg.File != "" {
		apply(cfg)
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-hup:
			if cfg.File == "" {
				log.Warn("pipelines: SIGHUP, but tarn serve has no --config to read again")
				continue
			}
			next := defaultConfig()
			err := readConfigFile(cfg.File, &next)
			if err == nil {
				next.File = cfg.File
				err = next.validate()
			}
			if err != nil {
				log.Error("pipelines: the config has mistakes; nothing changed", "config", cfg.File, "err", err)
				continue
			}
			next.S3.Region, next.Events.Stream, next.Data = cfg.S3.Region, cfg.Events.Stream, cfg.Data
			if err := reload(ctx, next); err != nil {
				log.Error("pipelines: the config's rules", "config", cfg.File, "err", err)
				continue
			}
			apply(next)
		}
	}
}
