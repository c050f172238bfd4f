package redshift

import (
	"reflect"
	"testing"
)

func TestExternalSchema(t *testing.T) {
	const spectrum = "arn:aws:iam::123456789012:role/MySpectrumRole"
	cases := []struct {
		stmt string
		want *ExternalSchema
	}{
		{"create external schema spectrum_schema from data catalog database 'sampledb' region 'us-west-2' iam_role '" + spectrum + "';",
			&ExternalSchema{Name: "spectrum_schema", Database: "sampledb", Region: "us-west-2", Role: spectrum}},
		{"create external schema spectrum_schema from data catalog database 'spectrum_db' iam_role '" + spectrum + "' create external database if not exists",
			&ExternalSchema{Name: "spectrum_schema", Database: "spectrum_db", Role: spectrum, CreateDatabaseIfNotExists: true}},
		{"create external schema spectrum_schema from data catalog database 'spectrum_db' iam_role 'arn:aws:iam::123456789012:role/myRedshiftRole,arn:aws:iam::123456789012:role/myS3Role' " +
			"catalog_role 'arn:aws:iam::123456789012:role/myAthenaRole' create external database if not exists",
			&ExternalSchema{Name: "spectrum_schema", Database: "spectrum_db",
				Role:        "arn:aws:iam::123456789012:role/myRedshiftRole,arn:aws:iam::123456789012:role/myS3Role",
				CatalogRole: "arn:aws:iam::123456789012:role/myAthenaRole", CreateDatabaseIfNotExists: true}},
		{"CREATE EXTERNAL SCHEMA IF NOT EXISTS \"Lake\" FROM DATABASE 'lake_db' IAM_ROLE default CATALOG_ID '123456789012'",
			&ExternalSchema{Name: "Lake", IfNotExists: true, Database: "lake_db", Role: "default", CatalogID: "123456789012"}},
		{"create external schema s from data catalog iam_role 'SESSION' catalog_role 'SESSION' database 'db'",
			&ExternalSchema{Name: "s", Database: "db", Role: "SESSION", CatalogRole: "SESSION"}},
		{"create external schema s from database 'db'", &ExternalSchema{Name: "s", Database: "db"}},
	}
	for _, tc := range cases {
		stmt, ok, err := Parse(tc.stmt)
		if err != nil || !ok {
			t.Errorf("%s\n  ok=%v err=%v", tc.stmt, ok, err)
			continue
		}
		if got, _ := stmt.(*ExternalSchema); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s\n  got  %+v\n  want %+v", tc.stmt, got, tc.want)
		}
	}
}

func TestExternalSchemaRefused(t *testing.T) {
	checkBad(t, []bad{
		{"create external schema hive_schema from hive metastore database 'hive_db' uri '172.10.10.10' port 99 iam_role default",
			"CREATE EXTERNAL SCHEMA FROM HIVE METASTORE is not supported: tarn's external schemas come from its data catalog", "hive metastore"},
		{"create external schema pg from postgres database 'db' schema 'public' uri 'h' iam_role default secret_arn 'x'",
			"CREATE EXTERNAL SCHEMA FROM POSTGRES is not supported: tarn's external schemas come from its data catalog", "postgres"},
		{"create external schema s from data catalog iam_role default", "DATABASE is required for an external schema FROM DATA CATALOG", ""},
		{"create external schema s from data catalog database 'a' database 'b'", "conflicting or redundant options: DATABASE is given twice", "database 'b"},
		{"create external schema s from data catalog database 'a' catalog_role default", `syntax error at or near "default"`, "default"},
		{"create external schema s from data catalog database 'a' uri 'h'", `syntax error at or near "uri"`, "uri"},
		{"create external schema s from data catalog database 'a' create external database", "syntax error at end of input", ""},
		{"create external schema s from data database 'a'", `syntax error at or near "database"`, "database"},
		{"create external schema if exists s from database 'a'", `syntax error at or near "exists"`, "exists"},
		{"create external schema s database 'a'", `syntax error at or near "database"`, "database"},
		{"create external schema s from database ''", "DATABASE argument must not be empty", "''"},
		{"create external schema s from database 'a' iam_role 'role'", `invalid IAM role ARN "role"`, "'role'"},
	})
}
