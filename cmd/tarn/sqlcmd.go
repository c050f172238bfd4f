package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"
)

const sqlUsage = `Usage:
  tarn sql [-c STATEMENT] [--format table|csv|json|ndjson] [flags]

Runs SQL over every catalog table through a running tarn's /v1/sql. With -c
it runs one statement and exits; without, it reads statements ending in ';'
from the terminal (history in ~/.tarn_sql_history) until end of input.

Examples:
  tarn sql -c "SELECT year, count(*) FROM analytics.events GROUP BY ALL"
  tarn sql -c "SELECT * FROM analytics.sales" --format csv > sales.csv
  tarn sql

Flags:
`

func sqlCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("sql", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), sqlUsage); fs.PrintDefaults() }
	var cf clientFlags
	cf.register(fs)
	httpURL := fs.String("http", envOr("TARN_HTTP", "http://127.0.0.1:9801"), "tarn's HTTP endpoint")
	stmt := fs.String("c", "", "run this statement and exit")
	format := fs.String("format", "table", "table, csv, json or ndjson")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	cfg, err := cf.awsConfig()
	if err != nil {
		return err
	}
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return err
	}
	c := &sqlClient{url: strings.TrimSuffix(*httpURL, "/") + "/v1/sql", id: creds.AccessKeyID, secret: creds.SecretAccessKey, format: *format}
	if *stmt != "" {
		return c.run(ctx, *stmt, os.Stdout)
	}
	return c.repl(ctx, os.Stdin, os.Stdout)
}

type sqlClient struct {
	url, id, secret, format string
}

// run sends one statement and prints its answer.
func (c *sqlClient) run(ctx context.Context, stmt string, out io.Writer) error {
	wire := c.format
	if wire == "table" {
		wire = "json"
	}
	req, err := http.NewRequestWithContext(ctx, "POST", c.url+"?format="+wire, strings.NewReader(stmt))
	if err != nil {
		return err
	}
	req.SetBasicAuth(c.id, c.secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || c.format == "table" {
		var res struct {
			Columns []struct{ Name string }
			Rows    [][]any
			Tag     string
			Error   *struct {
				Code, Message string
				Position      int
			}
		}
		start := time.Now()
		if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
			return fmt.Errorf("answer %s: %w", resp.Status, err)
		}
		if res.Error != nil {
			if res.Error.Position > 0 {
				return fmt.Errorf("%s (SQLSTATE %s) at character %d", res.Error.Message, res.Error.Code, res.Error.Position)
			}
			return fmt.Errorf("%s (SQLSTATE %s)", res.Error.Message, res.Error.Code)
		}
		printTable(out, res.Columns, res.Rows)
		fmt.Fprintf(out, "(%d rows, %s, %.3fs)\n", len(res.Rows), res.Tag, time.Since(start).Seconds())
		return nil
	}
	_, err = io.Copy(out, resp.Body)
	return err
}

func printTable(out io.Writer, cols []struct{ Name string }, rows [][]any) {
	if len(cols) == 0 {
		return
	}
	cells := make([][]string, len(rows)+1)
	width := make([]int, len(cols))
	cells[0] = make([]string, len(cols))
	for i, c := range cols {
		cells[0][i] = c.Name
	}
	for r, row := range rows {
		cells[r+1] = make([]string, len(cols))
		for i, v := range row {
			switch x := v.(type) {
			case nil:
				cells[r+1][i] = "NULL"
			case string:
				cells[r+1][i] = x
			default:
				b, _ := json.Marshal(x)
				cells[r+1][i] = string(b)
			}
		}
	}
	for _, row := range cells {
		for i, c := range row {
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	for r, row := range cells {
		for i, c := range row {
			if i > 0 {
				fmt.Fprint(out, " | ")
			}
			fmt.Fprint(out, c+strings.Repeat(" ", width[i]-utf8.RuneCountInString(c)))
		}
		fmt.Fprintln(out)
		if r == 0 {
			for i, w := range width {
				if i > 0 {
					fmt.Fprint(out, "-+-")
				}
				fmt.Fprint(out, strings.Repeat("-", w))
			}
			fmt.Fprintln(out)
		}
	}
}

// repl reads statements ending in ';' and runs each, keeping a history.
func (c *sqlClient) repl(ctx context.Context, in io.Reader, out io.Writer) error {
	home, _ := os.UserHomeDir()
	hist, _ := os.OpenFile(filepath.Join(home, ".tarn_sql_history"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if hist != nil {
		defer hist.Close()
	}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var stmt strings.Builder
	fmt.Fprint(out, "tarn> ")
	for sc.Scan() {
		stmt.WriteString(sc.Text() + "\n")
		text := strings.TrimSpace(stmt.String())
		if !strings.HasSuffix(text, ";") {
			if text != "" {
				fmt.Fprint(out, "   -> ")
			} else {
				fmt.Fprint(out, "tarn> ")
			}
			continue
		}
		stmt.Reset()
		if hist != nil {
			fmt.Fprintln(hist, strings.ReplaceAll(text, "\n", " "))
		}
		if err := c.run(ctx, text, out); err != nil {
			fmt.Fprintln(out, "ERROR:", err)
		}
		fmt.Fprint(out, "tarn> ")
	}
	fmt.Fprintln(out)
	return sc.Err()
}
