package main

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

// testConsole is a console over buffers, with input.
func testConsole(in string) (console, *bytes.Buffer, *bytes.Buffer) {
	var out, errOut bytes.Buffer
	return console{strings.NewReader(in), &out, &errOut}, &out, &errOut
}

// Every command and subcommand answers -h and --help with its usage and
// examples on standard output, does nothing else, and exits 0; also when
// the help flag comes where a name is expected or after one.
func TestHelp(t *testing.T) {
	for _, args := range [][]string{
		{}, {"help"}, {"help", "stream"},
		{"serve"},
		{"keys"}, {"keys", "add"}, {"keys", "list"}, {"keys", "remove"}, {"keys", "add", "analyst"},
		{"stream"}, {"stream", "put"}, {"stream", "tail"}, {"stream", "tail", "clicks"},
		{"crawl"}, {"crawl", "s3://lake/"},
		{"sql"},
		{"events"}, {"events", "replay"}, {"functions"}, {"functions", "logs"}, {"functions", "logs", "resize"}, {"delivery"}, {"delivery", "status"},
		{"apply"}, {"export-config"},
		{"bench"}, {"bench", "s3"}, {"bench", "streams"}, {"bench", "crawl"}, {"bench", "query"}, {"bench", "events"}, {"bench", "delivery"}, {"bench", "warehouse"},
		{"version"},
	} {
		for _, h := range []string{"-h", "--help"} {
			args := append(slices.Clone(args), h)
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				con, out, errOut := testConsole("")
				if err := run(t.Context(), args, con); err != nil {
					t.Fatalf("exit: %v", err)
				}
				if !strings.Contains(out.String(), "Usage:") || !strings.Contains(out.String(), "Examples:") {
					t.Errorf("no usage and examples on standard output:\n%s", out)
				}
				if errOut.Len() > 0 {
					t.Errorf("standard error: %s", errOut)
				}
			})
		}
	}
}

// tarn serve --help names every listener and what it serves.
func TestServeHelpListsListeners(t *testing.T) {
	con, out, _ := testConsole("")
	if err := run(t.Context(), []string{"serve", "--help"}, con); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"AWS API", "--aws-addr", "S3, Kinesis, Firehose, Glue, Athena, Lambda and CloudWatch",
		"--warehouse-dsn",
		"PostgreSQL wire", "--pg-addr",
		"HTTP", "--http-addr", "/v1/sql", "/metrics", "/healthz",
		"SFTP", "--sftp-addr", "uploads into the lake",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("tarn serve --help does not mention %q", want)
		}
	}
}

// A mistake on the command line says what and where to read more.
func TestUsageErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"nope"}, `unknown command "nope": see tarn --help`},
		{[]string{"stream"}, "stream: want put, tail or clicks"},
		{[]string{"stream", "cat", "x"}, `stream: unknown command "cat": want put, tail or clicks (see tarn stream --help)`},
		{[]string{"stream", "tail"}, "stream tail: name one stream (see tarn stream tail --help)"},
		{[]string{"stream", "tail", "x", "--from", "oldest"}, `--from "oldest": want trim_horizon or latest`},
		{[]string{"keys", "add"}, "keys add: give the key one NAME (see tarn keys add --help)"},
		{[]string{"crawl", "lake/"}, "crawl: want one s3://BUCKET/PREFIX/ path (see tarn crawl --help)"},
		{[]string{"sql", "SELECT", "1"}, "give statements with -c"},
		{[]string{"bench", "disk"}, `bench: unknown command "disk": want s3, streams, crawl, query, events, delivery or warehouse`},
		{[]string{"version", "--nope"}, "version: flag provided but not defined: -nope (see tarn version --help)"},
	} {
		con, _, _ := testConsole("")
		if err := run(t.Context(), c.args, con); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("tarn %s: %v, want %q", strings.Join(c.args, " "), err, c.want)
		}
	}
}
