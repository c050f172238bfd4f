package e2e

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// as is the same CLI acting with another key.
func (c *awsCLI) as(id, secret string) *awsCLI {
	env := make([]string, 0, len(c.env))
	for _, kv := range c.env {
		switch {
		case strings.HasPrefix(kv, "AWS_ACCESS_KEY_ID="):
			kv = "AWS_ACCESS_KEY_ID=" + id
		case strings.HasPrefix(kv, "AWS_SECRET_ACCESS_KEY="):
			kv = "AWS_SECRET_ACCESS_KEY=" + secret
		}
		env = append(env, kv)
	}
	return &awsCLI{bin: c.bin, env: env, global: c.global, dir: c.dir}
}

// TestFunctionAttacks joins the attack suite: a key without lambda: write
// cannot create, invoke or wire up functions, nor give a function more
// than its own grants; a function cannot read tarn's data folder, another
// function's code, or write where its role may not.
func TestFunctionAttacks(t *testing.T) {
	bin := awsCLIPath(t)
	srv := startServer(t)
	root := newAWSCLI(t, bin, srv)
	dir := t.TempDir()
	attacker := zipDir(t, "testdata/functions/attacker", filepath.Join(dir, "attacker.zip"))
	victim := zipDir(t, "testdata/functions/python", filepath.Join(dir, "victim.zip"))
	root.must(t, "s3", "mb", "s3://open")
	root.must(t, "s3", "mb", "s3://secret")
	var v struct{ CodeSha256 string }
	root.json(t, &v, "lambda", "create-function", "--function-name", "victim", "--runtime", "python3.11",
		"--handler", "app.handler", "--role", "arn:aws:iam::000000000000:role/root", "--zip-file", "fileb://"+victim)

	plainID, plainSecret := addKey(t, srv, "plain", "--write", "s3:open", "--read", "s3:open")
	plain := root.as(plainID, plainSecret)
	out := filepath.Join(dir, "out.json")
	plain.fails(t, "AccessDeniedException", "lambda", "create-function", "--function-name", "x", "--runtime", "python3.11",
		"--handler", "app.handler", "--role", "arn:aws:iam::000000000000:role/plain", "--zip-file", "fileb://"+attacker)
	plain.fails(t, "AccessDeniedException", "lambda", "invoke", "--function-name", "victim", out)
	plain.fails(t, "AccessDeniedException", "lambda", "list-functions")
	plain.fails(t, "AccessDeniedException", "lambda", "delete-function", "--function-name", "victim")
	plain.fails(t, "AccessDenied", "s3api", "put-bucket-notification-configuration", "--bucket", "open", "--notification-configuration",
		`{"LambdaFunctionConfigurations":[{"LambdaFunctionArn":"`+fnARN+`victim","Events":["s3:ObjectCreated:*"]}]}`)
	plain.fails(t, "AccessDeniedException", "logs", "filter-log-events", "--log-group-name", "/aws/lambda/victim")

	devID, devSecret := addKey(t, srv, "dev", "--write", "lambda:dev-*,s3:open", "--read", "lambda:dev-*,s3:open")
	dev := root.as(devID, devSecret)
	dev.fails(t, "AccessDeniedException", "lambda", "create-function", "--function-name", "dev-a", "--runtime", "python3.11",
		"--handler", "app.handler", "--role", "arn:aws:iam::000000000000:role/root", "--zip-file", "fileb://"+attacker)
	dev.must(t, "lambda", "create-function", "--function-name", "dev-a", "--runtime", "python3.11",
		"--handler", "app.handler", "--role", "arn:aws:iam::000000000000:role/dev", "--zip-file", "fileb://"+attacker)
	dev.fails(t, "AccessDeniedException", "lambda", "get-function", "--function-name", "victim")
	dev.fails(t, "AccessDeniedException", "lambda", "invoke", "--function-name", "victim", out)

	// What the attacker's function tries: tarn's data folder and keys, the
	// victim's code where it is unpacked, and writing a bucket its role
	// may not.
	sum, _ := base64.StdEncoding.DecodeString(v.CodeSha256)
	abs, _ := filepath.Abs(srv.Data)
	rootSum := sha256.Sum256([]byte(abs))
	run := filepath.Join(os.TempDir(), "tarn-functions-"+hex.EncodeToString(rootSum[:6]))
	victimCode := filepath.Join(run, "code", "victim", hex.EncodeToString(sum), "app.py")
	if _, err := os.Stat(victimCode); err != nil {
		t.Fatalf("the victim's code is not where the test looks: %v", err)
	}
	payload, _ := json.Marshal(map[string]any{
		"read": []string{filepath.Join(srv.Data, "keys.json"), filepath.Join(srv.Data, "catalog.db"),
			filepath.Join(srv.Data, "functions", "victim", hex.EncodeToString(sum)+".zip"), victimCode, "/proc/1/environ"},
		"list": []string{srv.Data, filepath.Join(run, "code"), filepath.Join(run, "work", "tmp")},
		"put":  "secret",
	})
	var res struct{ StatusCode int }
	dev.json(t, &res, "lambda", "invoke", "--function-name", "dev-a", "--cli-binary-format", "raw-in-base64-out",
		"--payload", string(payload), out)
	b, _ := os.ReadFile(out)
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("attacker's answer: %s", b)
	}
	for k, v := range got {
		s, _ := v.(string)
		switch {
		case k == "uid":
			if n, _ := v.(float64); n == 0 {
				t.Errorf("the function ran as root")
			}
		case k == "env":
			if l, _ := v.([]any); len(l) > 0 {
				t.Errorf("tarn's environment reached the function: %v", l)
			}
		case !strings.HasPrefix(s, "denied"):
			t.Errorf("%s: %s", k, s)
		}
	}
	if len(got) != 11 {
		t.Errorf("attempts: %v", got)
	}
}
