package e2e

import (
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
