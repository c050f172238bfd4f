package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// fakeSQL answers /v1/sql as tarn does: "SELECT n" gives one row n,
// "FAIL" an error before any row, "MIDWAY" a row then an error in the
// place each format has for it.
func fakeSQL(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, _, ok := r.BasicAuth(); !ok {
			http.Error(w, "unauthorized: use an access key id and secret", http.StatusUnauthorized)
			return
		}
		b, _ := io.ReadAll(r.Body)
		stmt, format := string(b), r.URL.Query().Get("format")
		switch {
		case stmt == "FAIL":
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"error":{"code":"42601","message":"syntax error at or near \"FAIL\"","position":1}}`)
		case stmt == "MIDWAY" && format == "csv":
			w.Header().Set("Trailer", "X-Tarn-Error")
			io.WriteString(w, "x\n1\n")
			w.Header().Set("X-Tarn-Error", "22000 boom")
		case stmt == "MIDWAY" && format == "json":
			io.WriteString(w, `{"columns":[{"name":"x","type":"INTEGER"}],"rows":[[1],["],\"error\":"]],"error":{"code":"22000","message":"boom"}}`+"\n")
		case stmt == "MIDWAY" && format == "ndjson":
			io.WriteString(w, `{"x":1}`+"\n"+`{"error":{"code":"22000","message":"boom"}}`+"\n")
		case len(strings.Fields(stmt)) == 2 && strings.Fields(stmt)[0] == "SELECT":
			n := strings.Fields(stmt)[1]
			switch format {
			case "csv":
				fmt.Fprintf(w, "n\n%s\n", n)
			default:
				fmt.Fprintf(w, `{"columns":[{"name":"n","type":"INTEGER"}],"rows":[[%s]],"tag":"SELECT 1"}`+"\n", n)
			}
		default:
			t.Errorf("unexpected statement %q", stmt)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func testSQLClient(url, format string) *sqlClient {
	return &sqlClient{url: url + "/v1/sql", id: "TKTESTKEY", secret: "secret", format: format, at: remote{url, "--http"}}
}

// Piped in, statements run silently (no prompt), each prints its result,
// also of several on a line and of a last one without ';', and a failure
// is printed on standard error and fails the command.
func TestSQLPiped(t *testing.T) {
	srv := fakeSQL(t)
	con, out, errOut := testConsole("SELECT 1; SELECT 2;\nFAIL;\nSELECT\n3;\nSELECT 4")
	err := testSQLClient(srv.URL, "table").repl(context.Background(), con.in, con.out, con.err, false)
	if err == nil || err.Error() != "1 of 5 statements failed" {
		t.Fatalf("exit: %v", err)
	}
	for _, n := range []string{"1", "2", "3", "4"} {
		if !strings.Contains(out.String(), "\n"+n+"\n(1 row, SELECT 1,") {
			t.Errorf("no result of SELECT %s:\n%s", n, out)
		}
	}
	if strings.Contains(out.String(), "tarn>") || strings.Contains(out.String(), "->") {
		t.Errorf("a prompt on piped input:\n%s", out)
	}
	if !strings.Contains(errOut.String(), `ERROR: syntax error at or near "FAIL" (SQLSTATE 42601) at character 1`) {
		t.Errorf("standard error: %q", errOut)
	}
}

// At a terminal, tarn sql prompts, and carries on after errors.
func TestSQLPrompt(t *testing.T) {
	srv := fakeSQL(t)
	con, out, _ := testConsole("SELECT\n1;\nFAIL;\n")
	if err := testSQLClient(srv.URL, "table").repl(context.Background(), con.in, con.out, con.err, true); err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(out.String(), "tarn> "); got != 3 || !strings.Contains(out.String(), "   -> ") {
		t.Fatalf("prompts: %q", out)
	}
}

// -c runs every statement it is given.
func TestSQLCommandSeveral(t *testing.T) {
	srv := fakeSQL(t)
	t.Setenv("TARN_ACCESS_KEY_ID", "TKTESTKEY")
	t.Setenv("TARN_SECRET_ACCESS_KEY", "secret")
	con, out, _ := testConsole("")
	if err := run(t.Context(), []string{"sql", "--http", srv.URL, "--format", "csv", "-c", "SELECT 1; SELECT 2"}, con); err != nil {
		t.Fatal(err)
	}
	if out.String() != "n\n1\nn\n2\n" {
		t.Fatalf("output %q", out)
	}
}

// A statement that fails after its first rows went out fails the command
// with its error, in every format.
func TestSQLFailsMidway(t *testing.T) {
	srv := fakeSQL(t)
	for _, format := range []string{"csv", "json", "ndjson"} {
		var out strings.Builder
		err := testSQLClient(srv.URL, format).run(context.Background(), "MIDWAY", &out)
		if err == nil || err.Error() != "boom (SQLSTATE 22000)" {
			t.Errorf("%s: %v, want boom", format, err)
		}
	}
	// Rows that only look like the end of an answer are rows.
	if e := (&tail{b: []byte(`{"columns":[],"rows":[["],\"error\":{}"]],"tag":"SELECT 1"}` + "\n")}).jsonError("json"); e != nil {
		t.Errorf("a string value taken for an error: %v", e)
	}
	if e := (&tail{b: []byte(`{"error":"just a column"}` + "\n")}).jsonError("ndjson"); e != nil {
		t.Errorf("a column named error taken for an error: %v", e)
	}
}

// An answer that is not /v1/sql's says what to do.
func TestSQLRefused(t *testing.T) {
	srv := fakeSQL(t)
	c := testSQLClient(srv.URL, "table")
	c.id = ""
	req, _ := http.NewRequest("POST", c.url, strings.NewReader("SELECT 1"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := c.refused(resp); err == nil || !strings.Contains(err.Error(), "does not take this key") {
		t.Fatalf("401: %v", err)
	}
}
