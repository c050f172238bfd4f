package redshift

import (
	"reflect"
	"testing"
)

// venue is the plainest UNLOAD, which most cases vary.
func venue(mod func(u *Unload)) *Unload {
	u := &Unload{Query: "select * from venue", To: "s3://mybucket/tickit/unload/venue_", Role: role,
		Format: "TEXT", Delimiter: "|", Parallel: true}
	if mod != nil {
		mod(u)
	}
	return u
}

const unload = "unload ('select * from venue') to 's3://mybucket/tickit/unload/venue_' iam_role '" + role + "' "

func TestUnload(t *testing.T) {
	cases := []struct {
		stmt string
		want *Unload
	}{
		{unload + ";", venue(nil)},
		{"UNLOAD ('select * from venue') TO 's3://mybucket/tickit/unload/venue_' IAM_ROLE default", venue(func(u *Unload) { u.Role = "default" })},
		{unload + "parallel off", venue(func(u *Unload) { u.Parallel = false })},
		{unload + "parallel false", venue(func(u *Unload) { u.Parallel = false })},
		{unload + "parallel true", venue(nil)},
		{unload + "PARALLEL", venue(nil)},
		{unload + "manifest verbose", venue(func(u *Unload) { u.Manifest, u.ManifestVerbose = true, true })},
		{unload + "manifest", venue(func(u *Unload) { u.Manifest = true })},
		{unload + "delimiter as '\\t'", venue(func(u *Unload) { u.Delimiter = "\t" })},
		{unload + "delimiter ','", venue(func(u *Unload) { u.Delimiter = "," })},
		{unload + "FORMAT AS PARQUET PARTITION BY (venuestate, \"VenueCity\") INCLUDE", venue(func(u *Unload) {
			u.Format, u.Delimiter, u.PartitionBy, u.PartitionInclude = "PARQUET", "", []string{"venuestate", "VenueCity"}, true
		})},
		{unload + "parquet partition by (eventid)", venue(func(u *Unload) {
			u.Format, u.Delimiter, u.PartitionBy = "PARQUET", "", []string{"eventid"}
		})},
		{unload + "csv header", venue(func(u *Unload) { u.Format, u.Delimiter, u.Header = "CSV", ",", true })},
		{unload + "format csv delimiter as '|' null as 'fred' allowoverwrite", venue(func(u *Unload) {
			u.Format, u.Delimiter, u.NullAs, u.AllowOverwrite = "CSV", "|", ptr("fred"), true
		})},
		{unload + "format as json", venue(func(u *Unload) { u.Format, u.Delimiter = "JSON", "" })},
		{unload + "json gzip cleanpath", venue(func(u *Unload) { u.Format, u.Delimiter, u.Compression, u.CleanPath = "JSON", "", "GZIP", true })},
		{unload + "maxfilesize 1 gb", venue(func(u *Unload) { u.MaxFileSize = gb })},
		{unload + "MAXFILESIZE AS 100 MB", venue(func(u *Unload) { u.MaxFileSize = 100 * mb })},
		{unload + "maxfilesize 100mb", venue(func(u *Unload) { u.MaxFileSize = 100 * mb })},
		{unload + "maxfilesize 5", venue(func(u *Unload) { u.MaxFileSize = 5 * mb })},
		{unload + "maxfilesize 6.2 gb", venue(func(u *Unload) { u.MaxFileSize = 6657199309 })},
		{unload + "addquotes escape zstd", venue(func(u *Unload) { u.AddQuotes, u.Escape, u.Compression = true, true, "ZSTD" })},
		{unload + "bzip2 header", venue(func(u *Unload) { u.Compression, u.Header = "BZIP2", true })},
		{"unload ('select * from venue where venuestate=''NV''') to 's3://mybucket/tickit/unload/venue_' iam_role '" + role + "'",
			venue(func(u *Unload) { u.Query = "select * from venue where venuestate='NV'" })},
		{"unload ('select * from venue where venueid in (select venueid from venue order by venueid desc limit 10)') to 's3://mybucket/v_' iam_role '" + role + "'",
			venue(func(u *Unload) {
				u.Query, u.To = "select * from venue where venueid in (select venueid from venue order by venueid desc limit 10)", "s3://mybucket/v_"
			})},
		{unload + "encrypted kms_key_id '1234abcd-12ab-34cd-56ef-1234567890ab'", venue(func(u *Unload) {
			u.Encrypted, u.KMSKeyID = true, "1234abcd-12ab-34cd-56ef-1234567890ab"
		})},
		{unload + "encrypted auto parquet", venue(func(u *Unload) {
			u.Encrypted, u.EncryptedAuto, u.Format, u.Delimiter = true, true, "PARQUET", ""
		})},
		{unload + "encrypted master_symmetric_key 'MK'", venue(func(u *Unload) { u.Encrypted, u.MasterSymmetricKey = true, "MK" })},
		{unload + "region as 'us-east-1' extension 'csv.gz' csv gzip", venue(func(u *Unload) {
			u.Region, u.Extension, u.Format, u.Delimiter, u.Compression = "us-east-1", "csv.gz", "CSV", ",", "GZIP"
		})},
		{unload + "fixedwidth as '0:3,1:100,2:30,3:2,4:6'", venue(func(u *Unload) {
			u.Format, u.Delimiter, u.FixedWidth = "FIXEDWIDTH", "", "0:3,1:100,2:30,3:2,4:6"
		})},
		{unload + "parquet rowgroupsize 64 mb maxfilesize 200 mb", venue(func(u *Unload) {
			u.Format, u.Delimiter, u.RowGroupSize, u.MaxFileSize = "PARQUET", "", 64*mb, 200*mb
		})},
		{"unload ('select 1') to 's3://b/p/' credentials 'aws_access_key_id=AK;aws_secret_access_key=SK'", &Unload{
			Query: "select 1", To: "s3://b/p/", Credentials: "aws_access_key_id=AK;aws_secret_access_key=SK",
			AccessKeyID: "AK", SecretAccessKey: "SK", Format: "TEXT", Delimiter: "|", Parallel: true,
		}},
		{"UNLOAD ($$select 'x'$$) TO 's3://b/p/' ACCESS_KEY_ID 'AK' SECRET_ACCESS_KEY 'SK' SESSION_TOKEN 'TK', CSV, HEADER", &Unload{
			Query: "select 'x'", To: "s3://b/p/", AccessKeyID: "AK", SecretAccessKey: "SK", SessionToken: "TK",
			Format: "CSV", Delimiter: ",", Header: true, Parallel: true,
		}},
	}
	for _, tc := range cases {
		stmt, ok, err := Parse(tc.stmt)
		if err != nil || !ok {
			t.Errorf("%s\n  ok=%v err=%v", tc.stmt, ok, err)
			continue
		}
		if got, _ := stmt.(*Unload); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s\n  got  %+v\n  want %+v", tc.stmt, got, tc.want)
		}
	}
}

func TestUnloadRefused(t *testing.T) {
	checkBad(t, []bad{
		{unload + "parquet header", "PARQUET is not compatible with HEADER", "header"},
		{unload + "header format as parquet", "PARQUET is not compatible with HEADER", "parquet"},
		{unload + "parquet gzip", "PARQUET is not compatible with GZIP", "gzip"},
		{unload + "parquet delimiter ','", "PARQUET is not compatible with DELIMITER", "delimiter"},
		{unload + "parquet null as ''", "PARQUET is not compatible with NULL AS", "null"},
		{unload + "parquet encrypted master_symmetric_key 'MK'", "PARQUET is not compatible with MASTER_SYMMETRIC_KEY", "master_symmetric_key"},
		{unload + "json addquotes", "JSON is not compatible with ADDQUOTES", "addquotes"},
		{unload + "json header", "JSON is not compatible with HEADER", "header"},
		{unload + "csv addquotes", "ADDQUOTES is not supported for UNLOAD to CSV", "addquotes"},
		{unload + "csv fixedwidth '0:3'", "CSV is not compatible with FIXEDWIDTH", "fixedwidth"},
		{unload + "fixedwidth '0:3' header", "FIXEDWIDTH is not compatible with HEADER", "header"},
		{unload + "fixedwidth '0:3' delimiter ','", "FIXEDWIDTH is not compatible with DELIMITER", "delimiter"},
		{unload + "json csv", "JSON is not compatible with CSV", "csv"},
		{unload + "gzip zstd", "GZIP is not compatible with ZSTD", "zstd"},
		{unload + "partition by () parquet", "PARTITION BY requires at least one column", "(^)"},
		{unload + "partition by ('venuestate')", "string literals are not supported in PARTITION BY", "'venuestate'"},
		{unload + "partition (a)", `syntax error at or near "("`, "(a"},
		{unload + "partition by (a) partition by (b)", "conflicting or redundant options: PARTITION BY is given twice", "partition by (b"},
		{unload + "maxfilesize 4 mb", "MAXFILESIZE must be between 5 MB and 6.2 GB", "maxfilesize ^4"},
		{unload + "maxfilesize 7 gb", "MAXFILESIZE must be between 5 MB and 6.2 GB", "maxfilesize ^7"},
		{unload + "maxfilesize -10", "MAXFILESIZE must be between 5 MB and 6.2 GB", "-10"},
		{unload + "maxfilesize 10 tb", `syntax error at or near "tb"`, "tb"},
		{unload + "maxfilesize 1tb", `invalid MAXFILESIZE "1tb": expected a number of MB or GB`, "1tb"},
		{unload + "maxfilesize as", "syntax error at end of input", ""},
		{unload + "rowgroupsize 64 mb", "ROWGROUPSIZE can be used only with PARQUET", "rowgroupsize"},
		{unload + "parquet rowgroupsize 1 gb", "ROWGROUPSIZE must be between 32 MB and 128 MB", "1 gb"},
		{unload + "allowoverwrite cleanpath", "ALLOWOVERWRITE is not compatible with CLEANPATH", "cleanpath"},
		{unload + "delimiter 'ab'", "DELIMITER argument must be a single character", "'ab'"},
		{unload + "header header", "conflicting or redundant options: HEADER is given twice", "header ^header"},
		{unload + "kms_key_id 'k'", "KMS_KEY_ID requires ENCRYPTED", "kms_key_id"},
		{unload + "encrypted auto kms_key_id 'k'", "ENCRYPTED AUTO is not compatible with KMS_KEY_ID", "kms_key_id"},
		{"unload ('select 1') to 's3://b/p' credentials 'aws_iam_role=" + role + "' encrypted kms_key_id 'k'", "KMS_KEY_ID is not compatible with CREDENTIALS", "kms_key_id"},
		{"unload ('select 1') to 's3://b/p' credentials 'aws_iam_role=" + role + ";master_symmetric_key=MK' encrypted auto", "ENCRYPTED AUTO is not compatible with a master_symmetric_key in CREDENTIALS", "credentials"},
		{unload + "lzop", `syntax error at or near "lzop"`, "lzop"},
		{unload + "verbose", `syntax error at or near "verbose"`, "verbose"},
		{unload + "format as avro", `syntax error at or near "avro"`, "avro"},
		{"unload ('select * from venue limit 10') to 's3://b/p' iam_role default", "LIMIT is not supported in the outer SELECT of UNLOAD: put it in a subquery", "limit"},
		{"unload ('select ''a'' as x from venue limit 10') to 's3://b/p' iam_role default", "LIMIT is not supported in the outer SELECT of UNLOAD: put it in a subquery", "limit"},
		{"unload ('select 1') to 'file:///tmp/out' iam_role default", `UNLOAD to "file:///tmp/out" is not supported: the destination must be an s3:// location`, "'file"},
		{"unload ('select 1') to 's3://b/p'", "UNLOAD needs authorization: IAM_ROLE, CREDENTIALS, or ACCESS_KEY_ID and SECRET_ACCESS_KEY", ""},
		{"unload 'select 1' to 's3://b/p' iam_role default", `syntax error at or near "'select 1'"`, "'select"},
		{"unload ('select 1') 's3://b/p' iam_role default", `syntax error at or near "'s3://b/p'"`, "'s3"},
		{"unload ('select 1') to", "syntax error at end of input", ""},
		{"unload ('select 1", "unterminated quoted string", "'select"},
	})
}
