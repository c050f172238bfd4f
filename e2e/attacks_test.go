package e2e

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/athena"
	athenatypes "github.com/aws/aws-sdk-go-v2/service/athena/types"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	gluetypes "github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

// addKey makes a key with `tarn keys add NAME ARGS…` and waits until the
// server knows it (it rereads the keys file at most once a second).
func addKey(t *testing.T, srv *server, name string, args ...string) (id, secret string) {
	t.Helper()
	out, err := exec.Command(tarnBin, append([]string{"keys", "add", name, "--data", srv.Data}, args...)...).Output()
	if err != nil {
		t.Fatalf("tarn keys add %s: %v", name, err)
	}
	for sc := bufio.NewScanner(bytes.NewReader(out)); sc.Scan(); {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			switch k {
			case "AWS_ACCESS_KEY_ID":
				id = v
			case "AWS_SECRET_ACCESS_KEY":
				secret = v
			}
		}
	}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if status, _ := sqlHTTP(t, srv, id, secret, "SELECT 1"); status == http.StatusOK {
			return id, secret
		}
	}
	t.Fatalf("the server did not pick up key %s", name)
	return "", ""
}

func athenaClient(srv *server, id, secret string) *athena.Client {
	return athena.New(athena.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL()), HTTPClient: srv.httpClient(),
		Credentials: credentials.NewStaticCredentialsProvider(id, secret, "")})
}

// sqlFrontEnd runs one statement as a key and returns the SQLSTATE it
// failed with ("" when it succeeded).
type sqlFrontEnd func(t *testing.T, stmt string) string

func psqlFrontEnd(srv *server, id, secret string) sqlFrontEnd {
	return func(t *testing.T, stmt string) string {
		host, port, _ := strings.Cut(srv.PGAddr, ":")
		cmd := exec.Command(psqlPath(t), "-h", host, "-p", port, "-U", id, "-d", "tarn", "-X", "-v", "VERBOSITY=verbose", "-c", stmt)
		cmd.Env = append(os.Environ(), "PGPASSWORD="+secret)
		out, _ := cmd.CombinedOutput()
		if _, rest, ok := strings.Cut(string(out), "ERROR:  "); ok {
			code, _, _ := strings.Cut(rest, ":")
			return code
		}
		return ""
	}
}

func httpFrontEnd(srv *server, id, secret string) sqlFrontEnd {
	return func(t *testing.T, stmt string) string {
		_, out := sqlHTTP(t, srv, id, secret, stmt)
		if e, ok := out["error"].(map[string]any); ok {
			return fmt.Sprint(e["code"])
		}
		return ""
	}
}

func athenaFrontEnd(srv *server, id, secret, output string) sqlFrontEnd {
	c := athenaClient(srv, id, secret)
	return func(t *testing.T, stmt string) string {
		start, err := c.StartQueryExecution(ctx(t), &athena.StartQueryExecutionInput{QueryString: aws.String(stmt),
			ResultConfiguration: &athenatypes.ResultConfiguration{OutputLocation: aws.String(output)}})
		if err != nil {
			t.Fatalf("athena start %.60s: %v", stmt, err)
		}
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			e, err := c.GetQueryExecution(ctx(t), &athena.GetQueryExecutionInput{QueryExecutionId: start.QueryExecutionId})
			if err != nil {
				t.Fatal(err)
			}
			switch e.QueryExecution.Status.State {
			case athenatypes.QueryExecutionStateSucceeded:
				return ""
			case athenatypes.QueryExecutionStateFailed, athenatypes.QueryExecutionStateCancelled:
				reason := aws.ToString(e.QueryExecution.Status.StateChangeReason)
				if _, rest, ok := strings.Cut(reason, "(SQLSTATE "); ok {
					return rest[:5]
				}
				return "athena: " + reason
			}
		}
		t.Fatal("athena query did not end")
		return ""
	}
}

// TestAttacks: a key that may read bucket lake (and write its Athena
// results) tries, over psql, HTTP SQL and Athena, what an attacker would.
// Every attempt is refused with its SQLSTATE, nothing is written, and the
// server goes on serving every key. Later parts add their attacks here.
func TestAttacks(t *testing.T) {
	srv := startServer(t)
	root := srv.root()
	for _, b := range []string{"lake", "secret", "results"} {
		if _, err := root.CreateBucket(ctx(t), &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
			t.Fatal(err)
		}
	}
	putAll(t, root, "lake", mixedLake(t))
	putAll(t, root, "secret", map[string][]byte{"people/a.json": []byte(`{"id":1,"name":"ann","salary":100}` + "\n"),
		"budget/a.csv": []byte("year,amount,owner\n2026,5,x\n")})
	gc := glueClient(srv)
	crawlSDK(t, gc, "lake", "analytics", "s3://lake/")
	crawlSDK(t, gc, "secret", "finance", "s3://secret/")
	id, secret := addKey(t, srv, "reader", "--read", "s3:lake", "--write", "s3:results")
	keysBefore, _ := os.ReadFile(filepath.Join(srv.Data, "keys.json"))
	outside := filepath.Join(t.TempDir(), "stolen")
	secretFile := filepath.Join(srv.Data, "lake", "secret", "people", "a.json")

	attacks := []struct{ name, sql, code string }{
		{"copy to a path", "COPY (SELECT 1) TO '" + outside + "'", "42501"},
		{"export the database", "EXPORT DATABASE '" + outside + "'", "42501"},
		{"read the keys file", "SELECT * FROM read_text('" + filepath.Join(srv.Data, "keys.json") + "')", "42501"},
		{"read /etc/passwd", "SELECT * FROM read_csv('/etc/passwd')", "42501"},
		{"read the catalog file", "SELECT * FROM read_blob('" + filepath.Join(srv.Data, "catalog.db") + "')", "42501"},
		{"read another bucket's file", "SELECT * FROM read_json('" + secretFile + "')", "42501"},
		{"read a file by name", "SELECT * FROM '" + secretFile + "'", "42501"},
		{"glob the disk", "SELECT * FROM glob('/**')", "42501"},
		{"attach a database file", "ATTACH '" + outside + ".db' AS x", "42501"},
		{"install from a URL", "INSTALL httpfs FROM 'http://127.0.0.1:9/'", "42501"},
		{"load an extension", "LOAD httpfs", "42501"},
		{"raise the expression depth", "SET max_expression_depth = 100000", "42501"},
		{"starve every session", "SET GLOBAL memory_limit = '1MB'", "42501"},
		{"cut every session's files", "SET GLOBAL enable_external_access = false", "42501"},
		{"nest until the stack breaks", "SELECT " + strings.Repeat("(", 20000) + "1" + strings.Repeat(")", 20000), "54001"},
		{"forge a view", "CREATE OR REPLACE VIEW analytics.sales AS SELECT 'forged' AS sku", "42501"},
		{"drop a database", "DROP DATABASE finance CASCADE", "42501"},
		{"drop a table", "DROP TABLE analytics.sales", "42501"},
		{"read another bucket's table", "SELECT * FROM finance.people", "42501"},
		{"CTAS into a read-only bucket", "CREATE TABLE analytics.x WITH (external_location = 's3://lake/x/') AS SELECT 1 AS a", "42501"},
		{"UNLOAD into a read-only bucket", "UNLOAD (SELECT 1 AS a) TO 's3://lake/u/'", "42501"},
		{"run SQL from a string", "SELECT * FROM query('SELECT 1')", "42501"},
	}
	fronts := map[string]sqlFrontEnd{
		"psql":    psqlFrontEnd(srv, id, secret),
		"/v1/sql": httpFrontEnd(srv, id, secret),
		"athena":  athenaFrontEnd(srv, id, secret, "s3://results/athena/"),
	}
	for fname, run := range fronts {
		for _, a := range attacks {
			if got := run(t, a.sql); got != a.code {
				t.Errorf("%s, %s: SQLSTATE %q, want %s", fname, a.name, got, a.code)
			}
		}
	}

	// Nothing was written, and every key is served as before.
	if _, err := os.Stat(outside); !errors.Is(err, os.ErrNotExist) {
		t.Error("an attack wrote outside the lake")
	}
	if keysAfter, _ := os.ReadFile(filepath.Join(srv.Data, "keys.json")); !bytes.Equal(keysBefore, keysAfter) {
		t.Error("the keys file changed")
	}
	for _, p := range []string{"x/", "u/"} {
		if l, err := root.ListObjectsV2(ctx(t), &s3.ListObjectsV2Input{Bucket: aws.String("lake"), Prefix: aws.String(p)}); err != nil || len(l.Contents) != 0 {
			t.Errorf("lake/%s holds %v (%v)", p, l, err)
		}
	}
	if _, out := sqlHTTP(t, srv, rootID, rootSecret, "SELECT name FROM finance.people"); fmt.Sprint(out["rows"]) != "[[ann]]" {
		t.Errorf("root reads finance.people: %v", out)
	}
	if _, out := sqlHTTP(t, srv, rootID, rootSecret, "SELECT count(*) FROM analytics.sales WHERE sku = 'forged'"); fmt.Sprint(out["rows"]) != "[[0]]" {
		t.Errorf("a forged view reached root: %v", out)
	}
	if _, err := gc.GetDatabase(ctx(t), &glue.GetDatabaseInput{Name: aws.String("finance")}); err != nil {
		t.Errorf("finance: %v", err)
	}
	// What the key may do, it does.
	if _, out := sqlHTTP(t, srv, id, secret, "SELECT count(*) FROM analytics.sales"); fmt.Sprint(out["rows"]) != "[[3]]" {
		t.Errorf("reader reads analytics.sales: %v", out)
	}
	for fname, run := range fronts {
		if got := run(t, "SELECT count(*) FROM analytics.metrics"); got != "" {
			t.Errorf("%s: reader reads its table: %s", fname, got)
		}
	}
	resp, err := http.Get("http://" + srv.HTTPAddr + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("server after the attacks: %v", err)
	}
	resp.Body.Close()

	// Files at rest are the server's alone.
	n := 0
	filepath.WalkDir(srv.Data, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.Type()&fs.ModeSymlink != 0 || d.Type()&fs.ModeSocket != 0 {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return nil // gone meanwhile
		}
		if n++; fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s is %v: others may read it", p, fi.Mode().Perm())
		}
		return nil
	})
	if n < 10 {
		t.Errorf("walked only %d files", n)
	}
}

// TestTypedGrants: a grant reaches only its kind of resource.
func TestTypedGrants(t *testing.T) {
	srv := startServer(t)
	root := srv.root()
	kc := kinClient(srv)
	for _, s := range []string{"clicks", "kpis"} {
		kinCreateStream(t, t, kc, s, 1)
	}
	gc := glueClient(srv)
	for _, d := range []string{"analytics", "finance"} {
		if _, err := gc.CreateDatabase(ctx(t), &glue.CreateDatabaseInput{DatabaseInput: &gluetypes.DatabaseInput{Name: aws.String(d)}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := root.CreateBucket(ctx(t), &s3.CreateBucketInput{Bucket: aws.String("keep")}); err != nil {
		t.Fatal(err)
	}
	id, secret := addKey(t, srv, "typed", "--write", "kinesis:clicks,glue:analytics", "--read", "k*")
	k := kinClient(srv, func(o *kinesis.Options) {
		o.Credentials = credentials.NewStaticCredentialsProvider(id, secret, "")
	})
	g := glue.New(glue.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL()), HTTPClient: srv.httpClient(),
		Credentials: credentials.NewStaticCredentialsProvider(id, secret, "")})
	if _, err := k.PutRecord(ctx(t), &kinesis.PutRecordInput{StreamName: aws.String("clicks"), Data: []byte("x"), PartitionKey: aws.String("p")}); err != nil {
		t.Errorf("write clicks: %v", err)
	}
	_, err := k.DescribeStreamSummary(ctx(t), &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("kpis")})
	kinWantErr(t, err, "AccessDeniedException") // "k*" is a bucket pattern
	_, err = g.DeleteDatabase(ctx(t), &glue.DeleteDatabaseInput{Name: aws.String("finance")})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDeniedException" {
		t.Errorf("drop finance: %v", err)
	}
	if _, err := g.UpdateDatabase(ctx(t), &glue.UpdateDatabaseInput{Name: aws.String("analytics"), DatabaseInput: &gluetypes.DatabaseInput{Name: aws.String("analytics"), Description: aws.String("d")}}); err != nil {
		t.Errorf("update analytics: %v", err)
	}
	if _, err := srv.client(id, secret).HeadBucket(ctx(t), &s3.HeadBucketInput{Bucket: aws.String("keep")}); err != nil {
		t.Errorf("k* reads bucket keep: %v", err)
	}
	// Athena's history is the key's own.
	rootAthena := athenaClient(srv, rootID, rootSecret)
	if _, err := root.CreateBucket(ctx(t), &s3.CreateBucketInput{Bucket: aws.String("results")}); err != nil {
		t.Fatal(err)
	}
	q, err := rootAthena.StartQueryExecution(ctx(t), &athena.StartQueryExecutionInput{QueryString: aws.String("SELECT 1"),
		ResultConfiguration: &athenatypes.ResultConfiguration{OutputLocation: aws.String("s3://results/")}})
	if err != nil {
		t.Fatal(err)
	}
	a := athenaClient(srv, id, secret)
	if _, err := a.GetQueryExecution(ctx(t), &athena.GetQueryExecutionInput{QueryExecutionId: q.QueryExecutionId}); err == nil {
		t.Error("a key read root's query execution")
	}
	if l, err := a.ListQueryExecutions(ctx(t), &athena.ListQueryExecutionsInput{}); err != nil || len(l.QueryExecutionIds) != 0 {
		t.Errorf("a key lists root's executions: %v %v", l, err)
	}
}
