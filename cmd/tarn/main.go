// Command tarn is a data lake in one binary: S3-compatible object storage
// today, with streams, deliveries, a catalog, a warehouse and SQL to come,
// all behind the AWS wire protocols that existing clients speak.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

const usage = `tarn — a data lake in one binary.

Usage:
  tarn serve [flags]              run every part on one machine (see tarn serve --help)
  tarn keys add|list|remove       manage access keys and their bucket grants
  tarn stream put|tail NAME       put lines into a stream, or print its records
  tarn crawl s3://BUCKET/PREFIX/  crawl a lake prefix into the catalog, with progress
  tarn sql [-c STATEMENT]         SQL over every catalog table (table, csv, json output)
  tarn bench s3|streams|crawl     measure a served API against its references
  tarn version                    print the version

Environment:
  TARN_ACCESS_KEY_ID, TARN_SECRET_ACCESS_KEY   root credentials (else generated into the data folder)
  TARN_DATA, TARN_AWS_ADDR, TARN_HTTP_ADDR, TARN_PG_ADDR, TARN_SFTP_ADDR, TARN_NATS_URL,
  TARN_CATALOG_DSN, TARN_CATALOG_SCHEMA, TARN_CONFIG
                                               override the config file; flags override both
  TARN_ENDPOINT                                the endpoint stream, crawl and bench commands talk to
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "tarn:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return fmt.Errorf("no command given")
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "serve":
		return serve(ctx, rest)
	case "keys":
		return keys(rest)
	case "stream":
		return streamCmd(ctx, rest)
	case "crawl":
		return crawlCmd(ctx, rest)
	case "sql":
		return sqlCmd(ctx, rest)
	case "bench":
		return bench(ctx, rest)
	case "version", "--version":
		fmt.Println("tarn", version())
		return nil
	case "help", "-h", "--help":
		fmt.Print(usage)
		return nil
	default:
		fmt.Fprint(os.Stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
}
