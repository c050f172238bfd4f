package e2e

import (
	"io"
	osexec "os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// The aws CLI's athena commands against tarn: a query over a crawled lake
// table, its results paged back and kept in the lake as CSV.
func TestAthenaAWSCLI(t *testing.T) {
	bin := awsCLIPath(t)
	srv := startServer(t)
	cli := newAWSCLI(t, bin, srv)
	for _, b := range []string{"lake", "results"} {
		if _, err := srv.root().CreateBucket(ctx(t), &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
			t.Fatal(err)
		}
	}
	putAll(t, srv.root(), "lake", mixedLake(t))
	crawlSDK(t, glueClient(srv), "lake", "analytics", "s3://lake/")

	var start struct{ QueryExecutionId string }
	cli.json(t, &start, "athena", "start-query-execution",
		"--query-string", "SELECT sku, qty, price FROM sales WHERE partition_1 = '01' ORDER BY sku",
		"--query-execution-context", "Database=analytics",
		"--result-configuration", "OutputLocation=s3://results/q/")
	var exec struct {
		QueryExecution struct {
			StatementType       string
			Status              struct{ State, StateChangeReason string }
			ResultConfiguration struct{ OutputLocation string }
		}
	}
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		cli.json(t, &exec, "athena", "get-query-execution", "--query-execution-id", start.QueryExecutionId)
		if s := exec.QueryExecution.Status.State; s != "QUEUED" && s != "RUNNING" {
			break
		}
	}
	if exec.QueryExecution.Status.State != "SUCCEEDED" {
		t.Fatalf("query: %+v", exec.QueryExecution.Status)
	}
	var res struct {
		ResultSet struct {
			Rows []struct {
				Data []struct{ VarCharValue *string }
			}
		}
	}
	cli.json(t, &res, "athena", "get-query-results", "--query-execution-id", start.QueryExecutionId)
	var got []string
	for _, r := range res.ResultSet.Rows {
		var cells []string
		for _, d := range r.Data {
			cells = append(cells, aws.ToString(d.VarCharValue))
		}
		got = append(got, strings.Join(cells, ","))
	}
	if strings.Join(got, " ") != "sku,qty,price a,1,2.5 b,2,3.5" {
		t.Fatalf("results: %v", got)
	}
	if want := "s3://results/q/" + start.QueryExecutionId + ".csv"; exec.QueryExecution.ResultConfiguration.OutputLocation != want {
		t.Fatalf("output location %s, want %s", exec.QueryExecution.ResultConfiguration.OutputLocation, want)
	}
	obj, err := srv.root().GetObject(ctx(t), &s3.GetObjectInput{Bucket: aws.String("results"), Key: aws.String("q/" + start.QueryExecutionId + ".csv")})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(obj.Body)
	if string(b) != "\"sku\",\"qty\",\"price\"\n\"a\",\"1\",\"2.5\"\n\"b\",\"2\",\"3.5\"\n" {
		t.Fatalf("result object: %q", b)
	}

	// CTAS through Athena writes Parquet into the lake and registers the
	// table in the query's database; psql reads the new table.
	cli.json(t, &start, "athena", "start-query-execution", "--query-execution-context", "Database=analytics",
		"--query-string", "CREATE TABLE big_sales WITH (external_location = 's3://lake/big_sales/') AS SELECT sku, qty FROM sales WHERE qty > 1",
		"--result-configuration", "OutputLocation=s3://results/q/")
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		cli.json(t, &exec, "athena", "get-query-execution", "--query-execution-id", start.QueryExecutionId)
		if s := exec.QueryExecution.Status.State; s != "QUEUED" && s != "RUNNING" {
			break
		}
	}
	if exec.QueryExecution.Status.State != "SUCCEEDED" || exec.QueryExecution.StatementType != "DDL" {
		t.Fatalf("ctas: %+v", exec.QueryExecution)
	}
	var ctasRes struct{ UpdateCount int64 }
	if cli.json(t, &ctasRes, "athena", "get-query-results", "--query-execution-id", start.QueryExecutionId); ctasRes.UpdateCount != 2 {
		t.Fatalf("ctas rows written: %d", ctasRes.UpdateCount)
	}
	if bin, err := osexec.LookPath("psql"); err == nil {
		host, port, _ := strings.Cut(srv.PGAddr, ":")
		cmd := osexec.Command(bin, "-h", host, "-p", port, "-U", rootID, "-d", "tarn", "-X", "-A", "-t", "-c", "SELECT sku, qty FROM analytics.big_sales ORDER BY sku")
		cmd.Env = append(cmd.Environ(), "PGPASSWORD="+rootSecret)
		out, err := cmd.CombinedOutput()
		if err != nil || string(out) != "b|2\nc|3\n" {
			t.Fatalf("psql after CTAS: %v %q", err, out)
		}
	}

	// A failing statement: FAILED with the SQLSTATE in the reason.
	cli.json(t, &start, "athena", "start-query-execution", "--query-string", "SELEC 1",
		"--result-configuration", "OutputLocation=s3://results/q/")
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		cli.json(t, &exec, "athena", "get-query-execution", "--query-execution-id", start.QueryExecutionId)
		if s := exec.QueryExecution.Status.State; s != "QUEUED" && s != "RUNNING" {
			break
		}
	}
	if exec.QueryExecution.Status.State != "FAILED" || !strings.Contains(exec.QueryExecution.Status.StateChangeReason, "42601") {
		t.Fatalf("failing query: %+v", exec.QueryExecution.Status)
	}
	cli.fails(t, "InvalidRequestException", "athena", "get-query-results", "--query-execution-id", start.QueryExecutionId)
}
