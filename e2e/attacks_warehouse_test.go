package e2e

import (
	"encoding/json"
	"runtime"
	"strings"
	"testing"
)

// TestWarehouseDataAPIAttacks: through the Redshift Data API a key reads
// only what its grants allow, and sees only its own statements; the
// server keeps serving. (The SQL attacks on warehouse tables are in
// warehouse_test.go, on both backends.)
func TestWarehouseDataAPIAttacks(t *testing.T) {
	srv := startServer(t)
	cli := newAWSCLI(t, awsCLIPath(t), srv)
	psqlRoot(t, srv)("-c", `CREATE TABLE secrets (id bigint, v varchar(16))`)
	psqlRoot(t, srv)("-c", `INSERT INTO secrets VALUES (1, 'x')`)
	run := func(c *awsCLI, sql string) (id, status, errText string) {
		t.Helper()
		var st struct{ Id string }
		c.json(t, &st, "redshift-data", "execute-statement", "--database", "dev", "--cluster-identifier", "tarn", "--sql", sql)
		var d struct{ Status, Error string }
		waitFor(t, srv, "the statement ended", func() bool {
			c.json(t, &d, "redshift-data", "describe-statement", "--id", st.Id)
			return d.Status == "FINISHED" || d.Status == "FAILED"
		})
		return st.Id, d.Status, d.Error
	}
	rootID, _, _ := run(cli, `SELECT count(*) FROM secrets`)
	id, secret := addKey(t, srv, "outsider", "--read", "s3:nothing")
	out := cli.as(id, secret)
	for _, sql := range []string{
		`SELECT * FROM secrets`,
		`DELETE FROM secrets`,
		`CREATE TABLE mine (a int)`,
		`COPY secrets FROM 's3://nothing/x.csv' IAM_ROLE default CSV`,
		`UNLOAD ('SELECT 1') TO 's3://nothing/u/' IAM_ROLE default`,
	} {
		// Refused, or not there at all: a table the key may not read is hidden.
		_, status, msg := run(out, sql)
		if lower := strings.ToLower(msg); status != "FAILED" || !strings.Contains(lower, "permission denied") && !strings.Contains(lower, "does not exist") {
			t.Errorf("%s as a key without warehouse grants: %s %q", sql, status, msg)
		}
	}
	// Another key's statement is not there for this one.
	out.fails(t, "ResourceNotFoundException", "redshift-data", "get-statement-result", "--id", rootID)
	out.fails(t, "ResourceNotFoundException", "redshift-data", "cancel-statement", "--id", rootID)
	// Nothing changed, and the server serves.
	if got := psqlRoot(t, srv)("-A", "-t", "-c", `SELECT count(*) FROM secrets`); got != "1\n" {
		t.Fatalf("after the attempts: %q", got)
	}
}

// TestWarehouseDataAPIFlood: a key that submits statements without end
// fills only its own share of the Data API: past it its statements are
// refused, while another key's statement runs at once; the server keeps
// serving.
func TestWarehouseDataAPIFlood(t *testing.T) {
	srv := startServer(t)
	id, secret := addKey(t, srv, "flooder", "--read", "s3:nothing")
	call := func(id, secret, op string, body any) (int, string, map[string]any) {
		t.Helper()
		b, _ := json.Marshal(body)
		status, code, out := jsonRaw(t, srv, "redshift-data", "RedshiftData."+op, id, secret, b)
		var m map[string]any
		json.Unmarshal(out, &m)
		return status, code, m
	}
	// Each runs for minutes unless canceled.
	slow := map[string]any{"Database": "dev", "ClusterIdentifier": "tarn", "Sql": "SELECT count(*) FROM range(1000000000000)"}
	var ids []string
	for {
		status, code, out := call(id, secret, "ExecuteStatement", slow)
		if status != 200 {
			if code != "ActiveStatementsExceededException" || len(ids) != 16 {
				t.Fatalf("statement %d: %d %s %v", len(ids)+1, status, code, out)
			}
			break
		}
		ids = append(ids, out["Id"].(string))
		if len(ids) > 64 {
			t.Fatal("no limit on one key's statements")
		}
	}
	t.Cleanup(func() {
		for _, s := range ids {
			call(id, secret, "CancelStatement", map[string]any{"Id": s})
		}
	})
	// Root's statement runs beside them.
	status, _, out := call(rootID, rootSecret, "ExecuteStatement", map[string]any{"Database": "dev", "ClusterIdentifier": "tarn", "Sql": "SELECT 42"})
	if status != 200 {
		t.Fatalf("another key's statement: %d %v", status, out)
	}
	waitFor(t, srv, "another key's statement finished", func() bool {
		_, _, d := call(rootID, rootSecret, "DescribeStatement", map[string]any{"Id": out["Id"]})
		return d["Status"] == "FINISHED"
	})
	running := 0
	for _, s := range ids {
		if _, _, d := call(id, secret, "DescribeStatement", map[string]any{"Id": s}); d["Status"] == "STARTED" {
			running++
		}
	}
	// Half of the engine's slots (one per core, two at least).
	if running == 0 || running > max(1, runtime.NumCPU()/2) {
		t.Errorf("%d of the flooder's statements running", running)
	}
}
