package e2e

import (
	"archive/zip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// badZip writes a zip with one entry, name, as a file or a link.
func badZip(t *testing.T, path, name string, link bool) string {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	h := &zip.FileHeader{Name: name, Method: zip.Store}
	content := "print('x')"
	if link {
		h.SetMode(os.ModeSymlink | 0o777)
		content = "/etc/passwd"
	}
	w, err := zw.CreateHeader(h)
	if err == nil {
		_, err = io.WriteString(w, content)
	}
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	return path
}

// TestFunctionFailures: functions that hang past their timeout, crash or
// answer too much get Lambda's function errors; zips that reach out of
// their folder are refused; an event that fails every attempt ends in the
// on-failure destination, where a user finds it with its error.
func TestFunctionFailures(t *testing.T) {
	bin := awsCLIPath(t)
	conf := filepath.Join(t.TempDir(), "tarn.yaml")
	os.WriteFile(conf, []byte("functions:\n  retry_base: 10ms\n"), 0o600)
	srv := startServer(t, "--config", conf)
	cli := newAWSCLI(t, bin, srv)
	dir := t.TempDir()
	pyZip := zipDir(t, "testdata/functions/python", filepath.Join(dir, "py.zip"))
	role := "arn:aws:iam::000000000000:role/root"
	for _, f := range []string{"hang", "crash", "big", "always_fail"} {
		cli.must(t, "lambda", "create-function", "--function-name", strings.ReplaceAll(f, "_", "-"), "--runtime", "python3.11",
			"--handler", "bad."+f, "--role", role, "--zip-file", "fileb://"+pyZip, "--timeout", "1")
	}
	for name, want := range map[string]string{
		"hang":  "Task timed out after 1.00 seconds",
		"crash": "Runtime.ExitError",
		"big":   "Function.ResponseSizeTooLarge",
	} {
		out := filepath.Join(dir, name+".json")
		var res struct{ FunctionError string }
		cli.json(t, &res, "lambda", "invoke", "--function-name", name, out)
		b, _ := os.ReadFile(out)
		if res.FunctionError != "Unhandled" || !strings.Contains(string(b), want) {
			t.Errorf("%s: %+v %.300s", name, res, b)
		}
	}
	// The function that hung was killed, not left running: it answers again.
	var again struct{ FunctionError string }
	cli.json(t, &again, "lambda", "invoke", "--function-name", "hang", filepath.Join(dir, "again.json"))
	if again.FunctionError != "Unhandled" {
		t.Errorf("hang, again: %+v", again)
	}

	for name, zipPath := range map[string]string{
		"dotdot":  badZip(t, filepath.Join(dir, "dotdot.zip"), "../evil.py", false),
		"abs":     badZip(t, filepath.Join(dir, "abs.zip"), "/tmp/evil.py", false),
		"symlink": badZip(t, filepath.Join(dir, "link.zip"), "app.py", true),
	} {
		cli.fails(t, "InvalidParameterValueException", "lambda", "create-function", "--function-name", name, "--runtime", "python3.11",
			"--handler", "app.handler", "--role", role, "--zip-file", "fileb://"+zipPath)
	}
	cli.fails(t, "InvalidParameterValueException", "lambda", "create-function", "--function-name", "norole", "--runtime", "python3.11",
		"--handler", "app.handler", "--role", "arn:aws:iam::000000000000:role/nobody-here", "--zip-file", "fileb://"+pyZip)

	// Events that fail every attempt go to the destination.
	cli.must(t, "s3", "mb", "s3://dlq")
	cli.must(t, "lambda", "put-function-event-invoke-config", "--function-name", "always-fail", "--maximum-retry-attempts", "1",
		"--destination-config", `{"OnFailure":{"Destination":"arn:aws:s3:::dlq/failed"}}`)
	var ev struct{ StatusCode int }
	cli.json(t, &ev, "lambda", "invoke", "--function-name", "always-fail", "--invocation-type", "Event",
		"--cli-binary-format", "raw-in-base64-out", "--payload", `{"n": 42}`, filepath.Join(dir, "ev.json"))
	if ev.StatusCode != 202 {
		t.Fatalf("event invoke: %+v", ev)
	}
	var key string
	waitFor(t, srv, "the failed event in the destination", func() bool {
		keys := listKeys(t, srv, "dlq", "failed/always-fail/")
		if len(keys) > 0 {
			key = keys[0]
		}
		return len(keys) == 1
	})
	o, err := srv.root().GetObject(ctx(t), &s3.GetObjectInput{Bucket: aws.String("dlq"), Key: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	var rec struct {
		RequestContext struct {
			Condition              string
			ApproximateInvokeCount int
		}
		RequestPayload  map[string]any
		ResponsePayload struct{ ErrorMessage string }
	}
	if err := json.NewDecoder(o.Body).Decode(&rec); err != nil {
		t.Fatal(err)
	}
	o.Body.Close()
	if rec.RequestContext.Condition != "RetriesExhausted" || rec.RequestContext.ApproximateInvokeCount != 2 ||
		rec.RequestPayload["n"] != float64(42) || !strings.Contains(rec.ResponsePayload.ErrorMessage, "always fails: 42") {
		t.Fatalf("failure record: %+v", rec)
	}
}
