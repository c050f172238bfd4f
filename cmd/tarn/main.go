// Command tarn is a data lake in one binary: S3-compatible object storage
// today, with streams, deliveries, a catalog, a warehouse and SQL to come,
// all behind the AWS wire protocols that existing clients speak.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/tarnlake/tarn/internal/malloc"
)

const usage = `tarn — a data lake in one binary.

Usage:
  tarn serve [flags]              run every part on one machine
  tarn keys add|list|remove       manage access keys and their grants
  tarn stream put|tail NAME       put lines into a stream, or print its records
  tarn crawl s3://BUCKET/PREFIX/  crawl a lake prefix into the catalog, with progress
  tarn sql [-c STATEMENT]         SQL over every catalog table (table, csv, json output)
  tarn events replay --since T    run logged object events through the notification rules again
  tarn functions logs NAME        a function's log lines
  tarn delivery status [NAME]     delivery streams: status, source, destination, failures
  tarn apply --config FILE        make a running tarn hold the pipelines FILE declares (--dry-run, --prune)
  tarn export-config              print the pipelines a running tarn holds, as a config file
  tarn bench s3|streams|crawl|query|events|delivery|warehouse
                                  measure a served API against its references
  tarn version                    print the version
  tarn help COMMAND               a command's flags and examples (or tarn COMMAND --help)

Examples:
  tarn serve --data ./tarn-data
  tarn crawl s3://lake/events/ --database analytics
  tarn sql -c "SELECT count(*) FROM analytics.events"

Environment:
  TARN_ACCESS_KEY_ID, TARN_SECRET_ACCESS_KEY   root credentials (else generated into the data folder)
  TARN_DATA, TARN_AWS_ADDR, TARN_HTTP_ADDR, TARN_PG_ADDR, TARN_SFTP_ADDR, TARN_NATS_URL,
  TARN_CATALOG_DSN, TARN_CATALOG_SCHEMA, TARN_CONFIG
                                               override the config file; flags override both
  TARN_ENDPOINT, TARN_HTTP                     the endpoints stream, crawl, sql and bench talk to
`

const versionHelp = `Usage:
  tarn version

Prints tarn's version: the release, or dev and the commit it was built from.

Examples:
  tarn version
`

func main() {
	malloc.Tune()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], stdConsole()); err != nil {
		fmt.Fprintln(os.Stderr, "tarn:", err)
		os.Exit(1)
	}
}

// run runs the command args names; asked for help, it prints it and
// returns nil.
func run(ctx context.Context, args []string, con console) error {
	err := dispatch(ctx, args, con)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}

func dispatch(ctx context.Context, args []string, con console) error {
	if len(args) == 0 {
		fmt.Fprint(con.err, usage)
		return errors.New("no command given")
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "serve":
		return serve(ctx, rest, con)
	case "keys":
		return keys(rest, con)
	case "stream":
		return streamCmd(ctx, rest, con)
	case "crawl":
		return crawlCmd(ctx, rest, con)
	case "sql":
		return sqlCmd(ctx, rest, con)
	case "events":
		return eventsCmd(ctx, rest, con)
	case "functions":
		return functionsCmd(ctx, rest, con)
	case "delivery":
		return deliveryCmd(ctx, rest, con)
	case "apply":
		return applyCmd(ctx, rest, con)
	case "export-config":
		return exportCmd(ctx, rest, con)
	case "bench":
		return bench(ctx, rest, con)
	case "version", "--version":
		c := newCommand("version", versionHelp, con)
		if pos, err := c.parse(rest); err != nil || len(pos) > 0 {
			return cmp.Or(err, c.usageErr("takes no arguments"))
		}
		fmt.Fprintln(con.out, "tarn", version())
		return nil
	case "help", "-h", "-help", "--help":
		if len(rest) > 0 && !isHelp(rest[0]) {
			return dispatch(ctx, []string{rest[0], "--help"}, con)
		}
		fmt.Fprint(con.out, usage)
		return flag.ErrHelp
	default:
		return fmt.Errorf("unknown command %q: see tarn --help", cmd)
	}
}
