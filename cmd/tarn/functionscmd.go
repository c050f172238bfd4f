package main

import (
	"context"
	"fmt"
	"strings"
	"time"
)

const functionsUsage = `Usage:
  tarn functions logs NAME [--since TIME] [--filter TEXT] [flags]

Prints a function's log lines — what it wrote and Lambda's START, END and
REPORT lines for each invocation — oldest first. They are also readable
with the CloudWatch Logs API: aws logs tail /aws/lambda/NAME. Functions
themselves are managed with the Lambda API (aws lambda create-function,
invoke, …). Reading logs needs read on lambda:NAME.

Examples:
  tarn functions logs resize --since 10m
  tarn functions logs resize --filter ERROR
`

func functionsCmd(ctx context.Context, args []string, con console) error {
	if _, err := subcommand("functions", functionsUsage, args, con, "logs"); err != nil {
		return err
	}
	fs := newCommand("functions logs", functionsUsage, con)
	var cf clientFlags
	cf.register(fs.FlagSet)
	sinceArg := fs.String("since", "1h", "lines from this `time` on (RFC 3339, or a duration before now)")
	filter := fs.String("filter", "", "only lines holding this `text`")
	pos, err := fs.parse(args[1:])
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fs.usageErr("name one function")
	}
	since, err := parseSince(*sinceArg, time.Now())
	if err != nil {
		return fs.usageErr("--since: %v", err)
	}
	cfg, err := cf.awsConfig()
	if err != nil {
		return err
	}
	c := newJSONClient(cfg, nil, "Logs_20140328", "logs")
	in := map[string]any{"logGroupName": "/aws/lambda/" + pos[0], "startTime": since.UnixMilli(), "filterPattern": *filter, "limit": 1000}
	for {
		var out struct {
			Events []struct {
				Timestamp int64
				Message   string
			}
			NextToken string
		}
		if err := c.Call(ctx, "FilterLogEvents", in, &out); err != nil {
			return cf.remote().explain("logs of "+pos[0], err)
		}
		for _, e := range out.Events {
			fmt.Fprintf(con.out, "%s %s\n", time.UnixMilli(e.Timestamp).UTC().Format("2006-01-02T15:04:05.000Z"), strings.TrimRight(e.Message, "\n"))
		}
		if out.NextToken == "" {
			return nil
		}
		in["nextToken"] = out.NextToken
	}
}
