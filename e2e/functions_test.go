package e2e

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// zipDir zips the files of dir (an executable bootstrap keeps its mode).
func zipDir(t *testing.T, dir, out string) string {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		h, err := zip.FileInfoHeader(info)
		if err != nil {
			return err
		}
		h.Name, _ = filepath.Rel(dir, p)
		h.Method = zip.Deflate
		w, err := zw.CreateHeader(h)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	})
	if err == nil {
		err = zw.Close()
	}
	if err == nil {
		err = os.WriteFile(out, buf.Bytes(), 0o644)
	}
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// functionZips builds the test's three functions: Go (aws-lambda-go,
// provided.al2023), Python and Node.
func functionZips(t *testing.T) (goZip, pyZip, nodeZip string) {
	t.Helper()
	dir := t.TempDir()
	goDir := filepath.Join(dir, "go")
	build := exec.Command("go", "build", "-o", filepath.Join(goDir, "bootstrap"), "./internal/s3fn")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the Go function: %v\n%s", err, out)
	}
	return zipDir(t, goDir, filepath.Join(dir, "go.zip")),
		zipDir(t, "testdata/functions/python", filepath.Join(dir, "py.zip")),
		zipDir(t, "testdata/functions/node", filepath.Join(dir, "node.zip"))
}

const fnARN = "arn:aws:lambda:us-east-1:000000000000:function:"

// TestFunctions drives functions the way users do, with the aws CLI and
// functions written for Lambda: create, invoke (a result, a function
// error, its log tail), and S3 notifications with prefix and suffix rules
// that invoke a Go, a Python and a Node function on aws s3 cp, keys with
// a space and a + arriving URL-encoded as S3 sends them.
func TestFunctions(t *testing.T) {
	bin := awsCLIPath(t)
	srv := startServer(t) // in a folder only root may enter: functions run as nobody all the same
	cli := newAWSCLI(t, bin, srv)
	goZip, pyZip, nodeZip := functionZips(t)
	// The functions' role is a key that may write the results bucket only.
	addKey(t, srv, "fnrole", "--write", "s3:results", "--read", "s3:results")
	role := "arn:aws:iam::000000000000:role/fnrole"
	for _, f := range []struct{ name, runtime, handler, zip string }{
		{"gofn", "provided.al2023", "bootstrap", goZip},
		{"pyfn", "python3.11", "app.handler", pyZip},
		{"nodefn", "nodejs20.x", "index.handler", nodeZip},
	} {
		var out struct{ FunctionArn, State, CodeSha256 string }
		cli.json(t, &out, "lambda", "create-function", "--function-name", f.name, "--runtime", f.runtime,
			"--handler", f.handler, "--role", role, "--zip-file", "fileb://"+f.zip, "--timeout", "10")
		if out.FunctionArn != fnARN+f.name || out.State != "Active" || out.CodeSha256 == "" {
			t.Fatalf("create-function %s: %+v", f.name, out)
		}
	}
	cli.fails(t, "ResourceConflictException", "lambda", "create-function", "--function-name", "gofn", "--runtime", "provided.al2023",
		"--handler", "bootstrap", "--role", role, "--zip-file", "fileb://"+goZip)
	cli.fails(t, "ResourceNotFoundException", "lambda", "get-function", "--function-name", "nope")
	var list struct {
		Functions []struct{ FunctionName string }
	}
	cli.json(t, &list, "lambda", "list-functions")
	if len(list.Functions) != 3 {
		t.Fatalf("list-functions: %+v", list)
	}

	for _, name := range []string{"gofn", "pyfn", "nodefn"} {
		t.Run("invoke "+name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out.json")
			var res struct {
				StatusCode    int
				FunctionError string
				LogResult     string
			}
			cli.json(t, &res, "lambda", "invoke", "--function-name", name, "--cli-binary-format", "raw-in-base64-out",
				"--payload", `{"hello":"world"}`, "--log-type", "Tail", out)
			body, _ := os.ReadFile(out)
			if res.StatusCode != 200 || res.FunctionError != "" || !strings.Contains(string(body), "world") {
				t.Fatalf("invoke: %+v %s", res, body)
			}
			if res.LogResult == "" {
				t.Error("no log tail")
			}
			cli.json(t, &res, "lambda", "invoke", "--function-name", name, "--cli-binary-format", "raw-in-base64-out",
				"--payload", `{"fail":"asked to fail"}`, out)
			body, _ = os.ReadFile(out)
			var fe struct{ ErrorMessage string }
			json.Unmarshal(body, &fe)
			if res.FunctionError != "Unhandled" || fe.ErrorMessage != "asked to fail" {
				t.Fatalf("a failing invoke: %+v %s", res, body)
			}
		})
	}

	cli.must(t, "s3", "mb", "s3://landing")
	cli.must(t, "s3", "mb", "s3://results")
	notif := `{"LambdaFunctionConfigurations":[
		{"Id":"go-csv","LambdaFunctionArn":"` + fnARN + `gofn","Events":["s3:ObjectCreated:*"],"Filter":{"Key":{"FilterRules":[{"Name":"prefix","Value":"go/"},{"Name":"suffix","Value":".csv"}]}}},
		{"Id":"py","LambdaFunctionArn":"` + fnARN + `pyfn","Events":["s3:ObjectCreated:Put"],"Filter":{"Key":{"FilterRules":[{"Name":"prefix","Value":"py/"}]}}},
		{"Id":"node","LambdaFunctionArn":"` + fnARN + `nodefn","Events":["s3:ObjectCreated:*"],"Filter":{"Key":{"FilterRules":[{"Name":"prefix","Value":"node/"}]}}}]}`
	cli.must(t, "s3api", "put-bucket-notification-configuration", "--bucket", "landing", "--notification-configuration", notif)
	var got struct{ LambdaFunctionConfigurations []struct{ Id string } }
	cli.json(t, &got, "s3api", "get-bucket-notification-configuration", "--bucket", "landing")
	if len(got.LambdaFunctionConfigurations) != 3 {
		t.Fatalf("get-bucket-notification-configuration: %+v", got)
	}
	cli.fails(t, "InvalidArgument", "s3api", "put-bucket-notification-configuration", "--bucket", "landing", "--notification-configuration",
		`{"LambdaFunctionConfigurations":[{"LambdaFunctionArn":"`+fnARN+`nope","Events":["s3:ObjectCreated:*"]}]}`)
	cli.fails(t, "InvalidArgument", "s3api", "put-bucket-notification-configuration", "--bucket", "landing", "--notification-configuration",
		`{"LambdaFunctionConfigurations":[{"LambdaFunctionArn":"`+fnARN+`gofn","Events":["s3:ObjectCreated:*"]},{"LambdaFunctionArn":"`+fnARN+`pyfn","Events":["s3:ObjectCreated:Put"],"Filter":{"Key":{"FilterRules":[{"Name":"prefix","Value":"x/"}]}}}]}`)

	src := filepath.Join(t.TempDir(), "data.csv")
	os.WriteFile(src, []byte("a,b\n"), 0o644)
	for _, key := range []string{"go/a b+c.csv", "go/skip.txt", "py/a b+c.json", "node/a b+c.txt", "other/x.csv"} {
		cli.must(t, "s3", "cp", src, "s3://landing/"+key)
	}
	root := srv.root()
	wantObject := func(key, want string) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			o, err := root.GetObject(ctx(t), &s3.GetObjectInput{Bucket: aws.String("results"), Key: aws.String(key)})
			if err == nil {
				b, _ := io.ReadAll(o.Body)
				o.Body.Close()
				if string(b) != want {
					t.Fatalf("results/%s: %q, want %q", key, b, want)
				}
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("results/%s never came: %v\n%s", key, err, srv.logText())
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	wantObject("go/go/a b+c.csv", "ObjectCreated:Put landing go/a b+c.csv 4 go/a+b%2Bc.csv")
	wantObject("py/py/a b+c.json", "ObjectCreated:Put landing py/a b+c.json 4 py/a+b%2Bc.json")
	logFile := filepath.Join(srv.Data, "function-logs", "nodefn.log")
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		b, _ := os.ReadFile(logFile)
		if strings.Contains(string(b), "S3EVENT ObjectCreated:Put landing node/a b+c.txt 4 node/a+b%2Bc.txt") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the Node function never logged the event:\n%s", b)
		}
	}
	// The same lines through tarn functions logs and the CloudWatch Logs API.
	logs := exec.Command(tarnBin, "functions", "logs", "nodefn", "--filter", "S3EVENT", "--endpoint", srv.URL())
	logs.Env = append(os.Environ(), "TARN_ACCESS_KEY_ID="+rootID, "TARN_SECRET_ACCESS_KEY="+rootSecret)
	if out, err := logs.CombinedOutput(); err != nil || !strings.Contains(string(out), "S3EVENT ObjectCreated:Put landing node/a b+c.txt") ||
		strings.Contains(string(out), "START RequestId") {
		t.Errorf("tarn functions logs: %v\n%s", err, out)
	}
	var fl struct{ Events []struct{ Message string } }
	cli.json(t, &fl, "logs", "filter-log-events", "--log-group-name", "/aws/lambda/pyfn", "--filter-pattern", "REPORT")
	if len(fl.Events) == 0 || !strings.Contains(fl.Events[0].Message, "Billed Duration") {
		t.Errorf("aws logs filter-log-events: %+v", fl)
	}

	// Only matching keys were sent: nothing for go/skip.txt.
	time.Sleep(500 * time.Millisecond)
	l, err := root.ListObjectsV2(ctx(t), &s3.ListObjectsV2Input{Bucket: aws.String("results")})
	if err != nil || len(l.Contents) != 2 {
		t.Fatalf("results: %v %d objects", err, len(l.Contents))
	}
}
