package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tarnlake/tarn/internal/query/sqltext"
)

const sqlUsage = `Usage:
  tarn sql [-c STATEMENTS] [--format table|csv|json|ndjson] [flags]

Runs SQL over every catalog table through a running tarn's /v1/sql. With -c
it runs the statements given and exits; without, it reads statements ending
in ';' from standard input until its end: at a prompt on a terminal (history
in ~/.tarn_sql_history), silently from a pipe or file. Each statement's
result is printed, also of several on one line; an error is printed on
standard error, and from a pipe or file makes the exit status 1.

Examples:
  tarn sql -c "SELECT year, count(*) FROM analytics.events GROUP BY ALL"
  tarn sql -c "SELECT * FROM analytics.sales" --format csv > sales.csv
  tarn sql < report.sql
  tarn sql
`

func sqlCmd(ctx context.Context, args []string, con console) error {
	fs := newCommand("sql", sqlUsage, con)
	var cf clientFlags
	cf.register(fs.FlagSet)
	httpURL := fs.String("http", envOr("TARN_HTTP", "http://127.0.0.1:9801"), "tarn's HTTP endpoint")
	stmt := fs.String("c", "", "run these statements and exit")
	format := fs.String("format", "table", "table, csv, json or ndjson")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fs.usageErr("unexpected arguments %q: give statements with -c, quoted", strings.Join(pos, " "))
	}
	cfg, err := cf.awsConfig()
	if err != nil {
		return err
	}
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return err
	}
	c := &sqlClient{url: strings.TrimSuffix(*httpURL, "/") + "/v1/sql", id: creds.AccessKeyID, secret: creds.SecretAccessKey,
		format: *format, at: remote{url: *httpURL, flag: "--http (TARN_HTTP)"}}
	if *stmt != "" {
		for _, s := range splitSQL(*stmt) {
			if err := c.run(ctx, s, con.out); err != nil {
				return err
			}
		}
		return nil
	}
	return c.repl(ctx, con.in, con.out, con.err, isTerminal(con.in))
}

type sqlClient struct {
	url, id, secret, format string
	at                      remote
}

// sqlError is an error /v1/sql answers: SQLSTATE, message and, for syntax
// errors, the character it is at.
type sqlError struct {
	Code, Message string
	Position      int
}

func (e *sqlError) Error() string {
	if e.Position > 0 {
		return fmt.Sprintf("%s (SQLSTATE %s) at character %d", e.Message, e.Code, e.Position)
	}
	return fmt.Sprintf("%s (SQLSTATE %s)", e.Message, e.Code)
}

// run sends one statement and prints its answer. A statement that fails
// midway, once rows went out, has its error at the end of the answer
// (JSON, NDJSON) or in a trailer (CSV): it is returned as well.
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
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return c.at.explain("run the statement", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return c.refused(resp)
	}
	if c.format == "table" {
		var res struct {
			Columns []struct{ Name string }
			Rows    [][]any
			Tag     string
			Error   *sqlError
		}
		if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
			return fmt.Errorf("the answer of tarn at %s is not JSON: %w", c.at.url, err)
		}
		if res.Error != nil {
			return res.Error
		}
		printTable(out, res.Columns, res.Rows)
		fmt.Fprintf(out, "(%s, %s, %.3fs)\n", plural(len(res.Rows), "row"), res.Tag, time.Since(start).Seconds())
		return nil
	}
	var end tail
	if _, err := io.Copy(io.MultiWriter(out, &end), resp.Body); err != nil {
		return fmt.Errorf("the answer was cut short (%v): the statement failed midway or tarn stopped; its log says why", err)
	}
	if e := resp.Trailer.Get("X-Tarn-Error"); e != "" {
		code, msg, _ := strings.Cut(e, " ")
		return &sqlError{Code: code, Message: msg}
	}
	if e := end.jsonError(c.format); e != nil {
		return e
	}
	return nil
}

// refused explains an answer other than 200 OK.
func (c *sqlClient) refused(resp *http.Response) error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var res struct{ Error *sqlError }
	if json.Unmarshal(b, &res) == nil && res.Error != nil {
		return res.Error
	}
	msg := strings.TrimSpace(string(b))
	switch resp.StatusCode {
	case http.StatusUnauthorized:
		return fmt.Errorf("run the statement: %s", c.at.refused("InvalidAccessKeyId", msg))
	case http.StatusTooManyRequests:
		return fmt.Errorf("run the statement: %s", c.at.refused("SlowDown", msg))
	}
	if err := httpsOnly(resp.StatusCode, b); err != nil {
		return c.at.explain("run the statement", err)
	}
	return fmt.Errorf("run the statement: tarn at %s answered %s: %s", c.at.url, resp.Status, msg)
}

// tail keeps the end of a streamed answer, where the error of a statement
// that failed midway is.
type tail struct{ b []byte }

const tailBytes = 64 << 10

func (t *tail) Write(p []byte) (int, error) {
	if len(p) >= tailBytes {
		t.b = append(t.b[:0], p[len(p)-tailBytes:]...)
		return len(p), nil
	}
	if over := len(t.b) + len(p) - tailBytes; over > 0 {
		t.b = append(t.b[:0], t.b[over:]...)
	}
	t.b = append(t.b, p...)
	return len(p), nil
}

// jsonError finds the error that ends a JSON answer ({..."rows":[...],
// "error":{...}}) or an NDJSON one (a last line {"error":{...}}).
func (t *tail) jsonError(format string) *sqlError {
	var raw []byte
	switch format {
	case "json":
		// Rows are arrays and strings escape their quotes: this can only
		// be the member after the rows.
		const member = `],"error":`
		i := bytes.LastIndex(t.b, []byte(member))
		if i < 0 {
			return nil
		}
		raw = bytes.TrimSuffix(bytes.TrimSpace(t.b[i+len(member):]), []byte("}"))
	case "ndjson":
		last := bytes.TrimRight(t.b, "\n")
		last = last[bytes.LastIndexByte(last, '\n')+1:]
		var line map[string]json.RawMessage
		if json.Unmarshal(last, &line) != nil || len(line) != 1 || line["error"] == nil {
			return nil
		}
		raw = line["error"]
	default:
		return nil
	}
	var e sqlError
	if json.Unmarshal(raw, &e) != nil || e.Code == "" {
		return nil
	}
	return &e
}

// splitSQL splits text into its statements; text that does not scan (an
// unterminated quote) is one statement, for tarn to report.
func splitSQL(text string) []string {
	stmts, err := sqltext.Split(text)
	if err != nil {
		if t := strings.TrimSpace(text); t != "" {
			return []string{t}
		}
		return nil
	}
	out := make([]string, len(stmts))
	for i, s := range stmts {
		out[i] = s.Text
	}
	return out
}

// complete reports whether text ends a statement: a ';' outside quotes,
// comments and dollar quotes.
func complete(text string) bool {
	toks, err := sqltext.Lex(text)
	return err == nil && len(toks) > 0 && toks[len(toks)-1].Is(";")
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

// repl reads statements ending in ';' and runs each. On a terminal it
// prompts and keeps a history; from a pipe or file it reads silently and
// fails if any statement did.
func (c *sqlClient) repl(ctx context.Context, in io.Reader, out, errOut io.Writer, terminal bool) error {
	var hist *os.File
	if terminal {
		home, _ := os.UserHomeDir()
		hist, _ = os.OpenFile(filepath.Join(home, ".tarn_sql_history"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if hist != nil {
			defer hist.Close()
		}
	}
	prompt := func(p string) {
		if terminal {
			fmt.Fprint(out, p)
		}
	}
	ran, failed := 0, 0
	var buf strings.Builder
	runAll := func() {
		text := strings.TrimSpace(buf.String())
		buf.Reset()
		if hist != nil && text != "" {
			fmt.Fprintln(hist, strings.ReplaceAll(text, "\n", " "))
		}
		for _, stmt := range splitSQL(text) {
			ran++
			if err := c.run(ctx, stmt, out); err != nil {
				failed++
				fmt.Fprintln(errOut, "ERROR:", err)
			}
		}
	}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	prompt("tarn> ")
	for sc.Scan() && ctx.Err() == nil {
		buf.WriteString(sc.Text() + "\n")
		switch {
		case complete(buf.String()):
			runAll()
		case strings.TrimSpace(buf.String()) != "":
			prompt("   -> ")
			continue
		}
		prompt("tarn> ")
	}
	runAll() // a last statement without its ';'
	if terminal {
		fmt.Fprintln(out)
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read standard input: %w", err)
	}
	if failed > 0 && !terminal {
		return fmt.Errorf("%d of %s failed", failed, plural(ran, "statement"))
	}
	return ctx.Err()
}
