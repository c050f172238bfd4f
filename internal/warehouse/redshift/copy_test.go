package redshift

import (
	"reflect"
	"testing"
)

// listing is the plainest COPY, which most cases vary.
func listing(mod func(c *Copy)) *Copy {
	c := &Copy{Table: "listing", From: "s3://mybucket/data/listing/", Role: role, Format: "TEXT", Delimiter: "|"}
	if mod != nil {
		mod(c)
	}
	return c
}

const from = "copy listing from 's3://mybucket/data/listing/' iam_role '" + role + "' "

func TestCopy(t *testing.T) {
	cases := []struct {
		stmt string
		want *Copy
	}{
		{from + ";", listing(nil)},
		{"COPY listing FROM 's3://mybucket/data/listing/' IAM_ROLE '" + role + "'", listing(nil)},
		{"Copy Listing From 's3://mybucket/data/listing/' Iam_Role Default Csv", listing(func(c *Copy) {
			c.Role, c.Format, c.Delimiter, c.Quote = "default", "CSV", ",", `"`
		})},
		{"copy customer from 's3://mybucket/cust.manifest' iam_role '" + role + "' manifest;", &Copy{
			Table: "customer", From: "s3://mybucket/cust.manifest", Role: role, Format: "TEXT", Delimiter: "|", Manifest: true,
		}},
		{"copy listing from 's3://mybucket/data/listing/' access_key_id 'AKIAEXAMPLE' secret_access_key 'wJalr/EXAMPLE' session_token 'FQoG//EXAMPLE';",
			listing(func(c *Copy) {
				c.Role, c.AccessKeyID, c.SecretAccessKey, c.SessionToken = "", "AKIAEXAMPLE", "wJalr/EXAMPLE", "FQoG//EXAMPLE"
			})},
		{"copy listing from 's3://mybucket/data/listing/' credentials 'aws_iam_role=" + role + "'",
			listing(func(c *Copy) { c.Credentials = "aws_iam_role=" + role })},
		{"copy listing from 's3://mybucket/data/listing/' with credentials as 'aws_access_key_id=AK;aws_secret_access_key=SK;token=TK'",
			listing(func(c *Copy) {
				c.Role, c.Credentials = "", "aws_access_key_id=AK;aws_secret_access_key=SK;token=TK"
				c.AccessKeyID, c.SecretAccessKey, c.SessionToken = "AK", "SK", "TK"
			})},
		{from + "removequotes emptyasnull blanksasnull maxerror 5 delimiter '|' timeformat 'YYYY-MM-DD HH:MI:SS';", listing(func(c *Copy) {
			c.RemoveQuotes, c.EmptyAsNull, c.BlanksAsNull, c.MaxError, c.TimeFormat = true, true, true, 5, "YYYY-MM-DD HH:MI:SS"
		})},
		{from + "fixedwidth 'venueid:3,venuename:25,venuecity:12,venuestate:2,venueseats:6';", listing(func(c *Copy) {
			c.Format, c.Delimiter, c.FixedWidth = "FIXEDWIDTH", "", "venueid:3,venuename:25,venuecity:12,venuestate:2,venueseats:6"
		})},
		{from + "csv quote as '%';", listing(func(c *Copy) { c.Format, c.Delimiter, c.Quote = "CSV", ",", "%" })},
		{from + "quote '~' format as csv delimiter as ';' ignoreheader as 1", listing(func(c *Copy) {
			c.Format, c.Delimiter, c.Quote, c.IgnoreHeader = "CSV", ";", "~", 1
		})},
		{from + "csv, ignoreheader 2, emptyasnull", listing(func(c *Copy) {
			c.Format, c.Delimiter, c.Quote, c.IgnoreHeader, c.EmptyAsNull = "CSV", ",", `"`, 2, true
		})},
		{"copy time from 's3://mybucket/data/timerows.gz' iam_role '" + role + "' gzip delimiter '|';", &Copy{
			Table: "time", From: "s3://mybucket/data/timerows.gz", Role: role, Format: "TEXT", Delimiter: "|", Compression: "GZIP",
		}},
		{from + "explicit_ids gzip", listing(func(c *Copy) { c.ExplicitIDs, c.Compression = true, "GZIP" })},
		{from + "delimiter '\\t' lzop", listing(func(c *Copy) { c.Delimiter, c.Compression = "\t", "LZOP" })},
		{from + "delimiter '\\001' bzip2", listing(func(c *Copy) { c.Delimiter, c.Compression = "\x01", "BZIP2" })},
		{from + "delimiter E'\\t' zstd", listing(func(c *Copy) { c.Delimiter, c.Compression = "\t", "ZSTD" })},
		{"copy venue_new(venueid, venuename, \"VenueCity\") from 's3://mybucket/data/venue_noseats.txt' iam_role '" + role + "' delimiter '|';", &Copy{
			Table: "venue_new", Columns: []string{"venueid", "venuename", "VenueCity"}, From: "s3://mybucket/data/venue_noseats.txt",
			Role: role, Format: "TEXT", Delimiter: "|",
		}},
		{"COPY sales.\"Q1 Orders\" FROM 's3://b/orders/' IAM_ROLE default", &Copy{
			Schema: "sales", Table: "Q1 Orders", From: "s3://b/orders/", Role: "default", Format: "TEXT", Delimiter: "|",
		}},
		{from + "delimiter '|' escape;", listing(func(c *Copy) { c.Escape = true })},
		{from + "json 'auto';", listing(func(c *Copy) { c.Format, c.Delimiter, c.JSONPaths = "JSON", "", "auto" })},
		{from + "json", listing(func(c *Copy) { c.Format, c.Delimiter, c.JSONPaths = "JSON", "", "auto" })},
		{from + "format as json 'auto ignorecase' ignoreheader 1", listing(func(c *Copy) {
			c.Format, c.Delimiter, c.JSONPaths, c.IgnoreHeader = "JSON", "", "auto ignorecase", 1
		})},
		{from + "format json as 's3://mybucket/category_jsonpath.json' timeformat 'epochsecs'", listing(func(c *Copy) {
			c.Format, c.Delimiter, c.JSONPaths, c.TimeFormat = "JSON", "", "s3://mybucket/category_jsonpath.json", "epochsecs"
		})},
		{from + "FORMAT JSON 'noshred'", listing(func(c *Copy) { c.Format, c.Delimiter, c.JSONPaths = "JSON", "", "noshred" })},
		{from + "format as avro 'auto'", listing(func(c *Copy) { c.Format, c.Delimiter, c.JSONPaths = "AVRO", "", "auto" })},
		{from + "avro 's3://mybucket/category_path.avropath'", listing(func(c *Copy) {
			c.Format, c.Delimiter, c.JSONPaths = "AVRO", "", "s3://mybucket/category_path.avropath"
		})},
		{from + "FORMAT AS PARQUET", listing(func(c *Copy) { c.Format, c.Delimiter = "PARQUET", "" })},
		{from + "format orc serializetojson fillrecord acceptinvchars explicit_ids statupdate off manifest", listing(func(c *Copy) {
			c.Format, c.Delimiter, c.SerializeToJSON, c.FillRecord, c.AcceptInvChars = "ORC", "", true, true, ptr("?")
			c.ExplicitIDs, c.StatUpdate, c.Manifest = true, ptr(false), true
		})},
		{from + "parquet", listing(func(c *Copy) { c.Format, c.Delimiter = "PARQUET", "" })},
		{from + "FORMAT SHAPEFILE SIMPLIFY AUTO 1.1E-05", listing(func(c *Copy) {
			c.Format, c.Delimiter, c.Simplify, c.SimplifyAuto, c.SimplifyTolerance = "SHAPEFILE", "", true, true, "1.1E-05"
		})},
		{from + "shapefile", listing(func(c *Copy) { c.Format, c.Delimiter = "SHAPEFILE", "" })},
		{from + "dateformat 'auto' acceptanydate acceptinvchars as '^' trimblanks truncatecolumns",
			listing(func(c *Copy) {
				c.DateFormat, c.AcceptAnyDate, c.AcceptInvChars, c.TrimBlanks, c.TruncateColumns = "auto", true, ptr("^"), true, true
			})},
		{from + "null as '\\N' ignoreblanklines fillrecord roundec", listing(func(c *Copy) {
			c.NullAs, c.IgnoreBlankLines, c.FillRecord, c.RoundEC = ptr(`\N`), true, true, true
		})},
		{from + "null '' timeformat as 'epochmillisecs'", listing(func(c *Copy) { c.NullAs, c.TimeFormat = ptr(""), "epochmillisecs" })},
		{from + "compupdate off statupdate on comprows 1000000 noload", listing(func(c *Copy) {
			c.CompUpdate, c.StatUpdate, c.CompRows, c.NoLoad = ptr(false), ptr(true), 1000000, true
		})},
		{from + "compupdate preset statupdate", listing(func(c *Copy) {
			c.CompUpdate, c.CompUpdatePreset, c.StatUpdate = ptr(true), true, ptr(true)
		})},
		{from + "compupdate true maxerror as 250", listing(func(c *Copy) { c.CompUpdate, c.MaxError = ptr(true), 250 })},
		{from + "region 'us-west-2' encoding utf16le", listing(func(c *Copy) { c.Region, c.Encoding = "us-west-2", "UTF16LE" })},
		{from + "region as 'eu-west-1' encoding as 'utf8' ignoreallerrors", listing(func(c *Copy) {
			c.Region, c.Encoding, c.IgnoreAllErrors = "eu-west-1", "UTF8", true
		})},
		{from + "encrypted master_symmetric_key 'EXAMPLEMASTERKEYtkbjk/OpCwtYSx/M4/t7DMCDIK722'", listing(func(c *Copy) {
			c.Encrypted, c.MasterSymmetricKey = true, "EXAMPLEMASTERKEYtkbjk/OpCwtYSx/M4/t7DMCDIK722"
		})},
		{"copy t from 's3://b/k' credentials 'aws_iam_role=" + role + ";master_symmetric_key=MK' encrypted gzip", &Copy{
			Table: "t", From: "s3://b/k", Role: role, Credentials: "aws_iam_role=" + role + ";master_symmetric_key=MK",
			MasterSymmetricKey: "MK", Encrypted: true, Format: "TEXT", Delimiter: "|", Compression: "GZIP",
		}},
		{"copy t from 's3://b/k' iam_role '" + role + ",arn:aws:iam::210987654321:role/Chained' -- a comment\n", &Copy{
			Table: "t", From: "s3://b/k", Role: role + ",arn:aws:iam::210987654321:role/Chained", Format: "TEXT", Delimiter: "|",
		}},
	}
	for _, tc := range cases {
		stmt, ok, err := Parse(tc.stmt)
		if err != nil || !ok {
			t.Errorf("%s\n  ok=%v err=%v", tc.stmt, ok, err)
			continue
		}
		if got, _ := stmt.(*Copy); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s\n  got  %+v\n  want %+v", tc.stmt, got, tc.want)
		}
	}
}

func TestCopyRefused(t *testing.T) {
	checkBad(t, []bad{
		{from + "csv fixedwidth 'a:1'", "CSV is not compatible with FIXEDWIDTH", "fixedwidth"},
		{from + "csv removequotes", "CSV is not compatible with REMOVEQUOTES", "removequotes"},
		{from + "escape format as csv", "CSV is not compatible with ESCAPE", "csv"},
		{from + "fixedwidth 'a:1' delimiter ','", "FIXEDWIDTH is not compatible with DELIMITER", "delimiter"},
		{from + "fixedwidth 'a:1' escape", "FIXEDWIDTH is not compatible with ESCAPE", "escape"},
		{from + "shapefile removequotes", "SHAPEFILE is not compatible with REMOVEQUOTES", "removequotes"},
		{from + "csv json 'auto'", "CSV is not compatible with JSON", "json"},
		{from + "format as json 'auto' delimiter ','", "JSON is not compatible with DELIMITER", "delimiter"},
		{from + "null as 'x' avro 'auto'", "AVRO is not compatible with NULL AS", "avro"},
		{from + "json 'auto' fillrecord", "JSON is not compatible with FILLRECORD", "fillrecord"},
		{from + "json 'auto' ignoreblanklines", "JSON is not compatible with IGNOREBLANKLINES", "ignoreblanklines"},
		{from + "parquet delimiter ','", "DELIMITER argument is not supported for PARQUET based COPY", "delimiter"},
		{from + "ignoreheader 1 format as parquet", "IGNOREHEADER argument is not supported for PARQUET based COPY", "ignoreheader"},
		{from + "orc region 'us-east-1'", "REGION argument is not supported for ORC based COPY", "region"},
		{from + "parquet maxerror 3", "MAXERROR argument is not supported for PARQUET based COPY", "maxerror"},
		{from + "parquet gzip", "GZIP argument is not supported for PARQUET based COPY", "gzip"},
		{from + "parquet null as ''", "NULL AS argument is not supported for PARQUET based COPY", "null"},
		{"copy t from 's3://b/k' access_key_id 'AK' secret_access_key 'SK' orc", "COPY from this file format only accepts IAM_ROLE credentials", "access_key_id"},
		{"copy t from 's3://b/k' credentials 'aws_access_key_id=AK;aws_secret_access_key=SK' parquet", "COPY from this file format only accepts IAM_ROLE credentials", "credentials"},
		{from + "serializetojson", "SERIALIZETOJSON can be used only with PARQUET or ORC", "serializetojson"},
		{from + "delimiter '||'", "DELIMITER argument must be a single character", "'||'"},
		{from + "delimiter ''", "DELIMITER argument must be a single character", "''"},
		{from + "delimiter 'é'", "DELIMITER argument must be a single character", "'é'"},
		{from + "csv quote '\"\"\"\"'", "QUOTE argument must be a single character", "'\"\"\"\"'"},
		{from + "quote '%'", "QUOTE can be used only with CSV", "quote"},
		{from + "acceptinvchars '\\000'", "ACCEPTINVCHARS argument must be a single ASCII character other than NUL", "'\\000'"},
		{"copy t from 'emr://j-SAMPLE2B500FC/myoutput/part-*' iam_role '" + role + "'", `COPY from "emr://j-SAMPLE2B500FC/myoutput/part-*" is not supported: the source must be an s3:// location`, "'emr"},
		{"copy t from 'dynamodb://Movies' iam_role '" + role + "' readratio 50", `COPY from "dynamodb://Movies" is not supported: the source must be an s3:// location`, "'dyn"},
		{"copy t from '/tmp/t.csv' iam_role '" + role + "'", `COPY from "/tmp/t.csv" is not supported: the source must be an s3:// location`, "'/tmp"},
		{"copy t from 's3://' iam_role default", `COPY from "s3://" is not supported: the source must be an s3:// location`, "'s3"},
		{from + "ssh", "SSH can't be used with COPY from Amazon S3", "ssh"},
		{from + "maxerror -1", "MAXERROR must be between 0 and 100000", "-1"},
		{from + "maxerror 100001", "MAXERROR must be between 0 and 100000", "100001"},
		{from + "maxerror 99999999999999999999", "MAXERROR must be between 0 and 100000", "999"},
		{from + "maxerror 2.5", `MAXERROR argument must be an integer, not "2.5"`, "2.5"},
		{from + "ignoreheader -2", "IGNOREHEADER argument must be between 0 and 2147483647", "-2"},
		{from + "comprows 10", "COMPROWS must be between 1000 and 2147483647", "10"},
		{from + "ignoreallerrors maxerror 5", "IGNOREALLERRORS is not compatible with MAXERROR", "maxerror"},
		{from + "delimiter ',' delimiter '|'", "conflicting or redundant options: DELIMITER is given twice", "delimiter '|'"},
		{from + "csv format as csv", "conflicting or redundant options: CSV is given twice", "as ^csv"},
		{from + "gzip bzip2", "GZIP is not compatible with BZIP2", "bzip2"},
		{from + "null as 'a' null 'b'", "conflicting or redundant options: NULL AS is given twice", "null 'b'"},
		{from + "iam_role default", "conflicting or redundant options: IAM_ROLE is given twice", "iam_role default"},
		{from + "frobnicate", `syntax error at or near "frobnicate"`, "frobnicate"},
		{from + "csv quote as", "syntax error at end of input", ""},
		{from + "format as text", `syntax error at or near "text"`, "text"},
		{from + "csv, ", "syntax error at end of input", ""},
		{from + "; select 1", `syntax error at or near ";"`, "; select"},
		{from + "json 'bogus'", `invalid JSON argument "bogus": use 'auto', 'auto ignorecase', 'noshred' or an s3:// JSONPaths file`, "'bogus'"},
		{from + "avro 'noshred'", `invalid AVRO argument "noshred": use 'auto', 'auto ignorecase' or an s3:// JSONPaths file`, "'noshred'"},
		{from + "fixedwidth 'a:x,b:2'", `invalid FIXEDWIDTH specification "a:x,b:2": expected 'label:width,…' with positive widths`, "'a:x"},
		{from + "encoding latin1", `invalid ENCODING "latin1": use UTF8, UTF16, UTF16LE or UTF16BE`, "latin1"},
		{from + "dateformat ''", "DATEFORMAT argument must not be empty", "''"},
		{from + "encrypted", "ENCRYPTED requires MASTER_SYMMETRIC_KEY or a master_symmetric_key in CREDENTIALS", "encrypted"},
		{from + "master_symmetric_key 'MK'", "MASTER_SYMMETRIC_KEY requires ENCRYPTED", "master_symmetric_key"},
		{"copy t from 's3://b/k' csv", "COPY needs authorization: IAM_ROLE, CREDENTIALS, or ACCESS_KEY_ID and SECRET_ACCESS_KEY", ""},
		{"copy t from 's3://b/k' iam_role '" + role + "' access_key_id 'AK' secret_access_key 'SK'", "IAM_ROLE is not compatible with ACCESS_KEY_ID", "access_key_id"},
		{"copy t from 's3://b/k' credentials 'aws_iam_role=" + role + "' iam_role default", "IAM_ROLE is not compatible with CREDENTIALS", "' ^iam_role"},
		{"copy t from 's3://b/k' access_key_id 'AK'", "ACCESS_KEY_ID and SECRET_ACCESS_KEY must be used together", "access_key_id"},
		{"copy t from 's3://b/k' iam_role default session_token 'T'", "IAM_ROLE is not compatible with SESSION_TOKEN", "session_token"},
		{"copy t from 's3://b/k' credentials 'aws_iam_role=x;aws_access_key_id=y'", badCredentials, "'aws"},
		{"copy t from 's3://b/k' credentials 'aws_access_key_id=AK'", badCredentials, "'aws"},
		{"copy t from 's3://b/k' credentials 'aws_iam_role = x'", badCredentials, "'aws"},
		{"copy t from 's3://b/k' iam_role 'MyRedshiftRole'", `invalid IAM role ARN "MyRedshiftRole"`, "'My"},
		{"copy t () from 's3://b/k' iam_role default", `syntax error at or near ")"`, ")"},
		{"copy t (a b) from 's3://b/k' iam_role default", `syntax error at or near "b"`, "b)"},
		{"copy t from 's3://b/k' iam_role 'arn:aws:iam::1:role/R", "unterminated quoted string", "'arn"},
	})
}
