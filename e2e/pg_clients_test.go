package e2e

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// The catalog as PostgreSQL clients read it on connect: psql's \d family,
// pgjdbc's DatabaseMetaData (Metabase, DBeaver) and SQLAlchemy's inspector
// (Superset), each the real client from Debian's packages.
func TestPostgresClientsIntrospect(t *testing.T) {
	bin := psqlPath(t)
	srv := startServer(t)
	if _, err := srv.root().CreateBucket(ctx(t), &s3.CreateBucketInput{Bucket: aws.String("lake")}); err != nil {
		t.Fatal(err)
	}
	putAll(t, srv.root(), "lake", mixedLake(t))
	crawlSDK(t, glueClient(srv), "lake", "analytics", "s3://lake/")
	host, port, _ := strings.Cut(srv.PGAddr, ":")

	psql := func(cmd string) string {
		t.Helper()
		c := exec.Command(bin, "-h", host, "-p", port, "-U", rootID, "-d", "tarn", "-X", "-c", cmd)
		c.Env = append(os.Environ(), "PGPASSWORD="+rootSecret)
		out, err := c.CombinedOutput()
		if err != nil || strings.Contains(string(out), "ERROR") {
			t.Fatalf("psql %s: %v\n%s", cmd, err, out)
		}
		return string(out)
	}
	for cmd, want := range map[string][]string{
		`\d analytics.sales`:  {`Table "analytics.sales"`, "sku", "qty"},
		`\d+ analytics.sales`: {`Table "analytics.sales"`, "plain"},
		`\dt+ analytics.*`:    {"analytics | sales"},
		`\dn`:                 {"analytics"},
		`\l`:                  {"tarn"},
		`\du`:                 {"tarn"},
		`\df`:                 {"List of functions"},
		`\dx`:                 {"installed extensions"},
	} {
		out := psql(cmd)
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("psql %s: no %q in\n%s", cmd, w, out)
			}
		}
		if strings.Contains(out, "tarn_pg") {
			t.Errorf("psql %s shows tarn's own schema:\n%s", cmd, out)
		}
	}

	run := func(what, name string, args ...string) string {
		t.Helper()
		out, err := exec.Command(name, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", what, err, out)
		}
		return string(out)
	}
	need := func(what, hint string, paths ...string) bool {
		t.Helper()
		for _, p := range paths {
			if _, err := os.Stat(p); err != nil {
				if os.Getenv("CI") == "true" {
					t.Fatalf("%s is required in CI: %s", what, hint)
				}
				t.Logf("skipping %s: %s", what, hint)
				return false
			}
		}
		return true
	}
	want := func(what, out string, lines ...string) {
		t.Helper()
		for _, l := range lines {
			if !strings.Contains(out, l+"\n") {
				t.Errorf("%s: no line %q in\n%s", what, l, out)
			}
		}
	}
	if need("pgjdbc", "apt-get install default-jre-headless libpostgresql-jdbc-java", "/usr/share/java/postgresql.jar", "/usr/bin/java") {
		out := run("pgjdbc", "/usr/bin/java", "-cp", "/usr/share/java/postgresql.jar", "testdata/clients/Meta.java",
			"jdbc:postgresql://"+srv.PGAddr+"/tarn", rootID, rootSecret, "analytics", "sales")
		want("pgjdbc", out, "product PostgreSQL", "schema analytics", "table sales TABLE", "table clicks TABLE",
			"column sku text", "column qty int8", "count 3", "prepared 3")
	}
	if need("SQLAlchemy", "apt-get install python3-sqlalchemy python3-psycopg2", "/usr/lib/python3/dist-packages/sqlalchemy", "/usr/lib/python3/dist-packages/psycopg2", "/usr/bin/python3") {
		out := run("SQLAlchemy", "/usr/bin/python3", "testdata/clients/sa_inspect.py",
			"postgresql+psycopg2://"+rootID+":"+rootSecret+"@"+srv.PGAddr+"/tarn", "analytics", "sales")
		want("SQLAlchemy", out, "column sku TEXT", "column qty BIGINT", "pk []", "fks []", "indexes []", "unique []", "comment None", "count 3")
		if !strings.Contains(out, "sales") || strings.Contains(out, "tarn_pg") {
			t.Errorf("SQLAlchemy tables:\n%s", out)
		}
	}
}
