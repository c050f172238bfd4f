package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/tarnlake/tarn/internal/eventsapi"
)

const eventsUsage = `Usage:
  tarn events replay --since TIME [--bucket NAME [--prefix P]] [flags]

Every object created or removed is an event in tarn's event log (a
stream, tarn-events, readable with the Kinesis API). replay runs the
logged events since TIME through the buckets' notification rules again:
functions get them again, built-in actions that already happened do
nothing (their ledger remembers). TIME is RFC 3339 (2026-12-06T10:00:00Z)
or a duration before now (90m, 24h). Replaying a bucket needs write on it;
replaying every bucket needs the root key.

Examples:
  tarn events replay --since 1h --bucket landing --prefix in/
  tarn events replay --since 2026-12-06T00:00:00Z
`

func eventsCmd(ctx context.Context, args []string, con console) error {
	if _, err := subcommand("events", eventsUsage, args, con, "replay"); err != nil {
		return err
	}
	fs := newCommand("events replay", eventsUsage, con)
	var cf clientFlags
	cf.register(fs.FlagSet)
	sinceArg := fs.String("since", "", "replay events from this `time` (RFC 3339, or a duration before now)")
	bucket := fs.String("bucket", "", "only this bucket's events")
	prefix := fs.String("prefix", "", "only keys under this prefix (with --bucket)")
	pos, err := fs.parse(args[1:])
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fs.usageErr("unexpected arguments: %s", strings.Join(pos, " "))
	}
	since, err := parseSince(*sinceArg, time.Now())
	if err != nil {
		return fs.usageErr("--since: %v", err)
	}
	cfg, err := cf.awsConfig()
	if err != nil {
		return err
	}
	var out struct{ Events int }
	c := newJSONClient(cfg, nil, eventsapi.Target, "events")
	in := map[string]any{"Since": float64(since.UnixMilli()) / 1000, "Bucket": *bucket, "Prefix": *prefix}
	if err := c.Call(ctx, "ReplayEvents", in, &out); err != nil {
		return cf.remote().explain("replay events", err)
	}
	fmt.Fprintf(con.out, "replayed %s since %s\n", plural(out.Events, "event"), since.UTC().Format(time.RFC3339))
	return nil
}

// parseSince reads an RFC 3339 time or a duration before now.
func parseSince(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, fmt.Errorf("a time is required (RFC 3339, or a duration like 1h)")
	}
	if d, err := time.ParseDuration(s); err == nil {
		if d < 0 {
			return time.Time{}, fmt.Errorf("%q: a duration before now cannot be negative", s)
		}
		return now.Add(-d), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither RFC 3339 (2026-12-06T10:00:00Z) nor a duration (90m)", s)
	}
	return t, nil
}
