package redshift

import "testing"

// TestNotRedshift: PostgreSQL's COPY and other statements are not ours.
func TestNotRedshift(t *testing.T) {
	for _, s := range []string{
		"", ";", "SELECT 1", "-- nothing",
		"COPY t FROM STDIN",
		"copy t (a, b) from stdin with (format csv)",
		"COPY t TO STDOUT",
		"COPY (SELECT 1) TO STDOUT",
		"COPY t TO '/tmp/t.csv'",
		"COPY t TO 's3://b/k'",
		"COPY t FROM '/tmp/t.csv' WITH (FORMAT csv, HEADER)",
		"COPY t FROM '/tmp/t.csv' DELIMITER ',' CSV HEADER",
		"COPY t FROM PROGRAM 'cat /tmp/t'",
		"COPY t",
		"CREATE EXTERNAL TABLE s.t (a int) LOCATION 's3://b/'",
		"CREATE SCHEMA s",
		"UNLOAD (SELECT 1) TO 's3://b/p/' WITH (format = 'PARQUET')", // Athena's
		"COPY t FROM 's3://b/k",
	} {
		stmt, ok, err := Parse(s)
		if ok || stmt != nil || err != nil {
			t.Errorf("%q: ok=%v stmt=%v err=%v, want not ours", s, ok, stmt, err)
		}
	}
}
