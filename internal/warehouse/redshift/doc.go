// Package redshift reads the Redshift statements that move data between the
// warehouse and S3 — COPY (from S3), UNLOAD, and CREATE EXTERNAL SCHEMA
// (from the data catalog) — into typed structs, refusing what Redshift
// refuses with messages in Redshift's words and a byte offset, so a client
// sees the same errors it would see on Redshift. It reads only: loading,
// unloading and the catalog are done elsewhere. Other statements, among
// them PostgreSQL's own COPY to and from files and STDIN/STDOUT, are left
// to tarn's PostgreSQL side.
package redshift
