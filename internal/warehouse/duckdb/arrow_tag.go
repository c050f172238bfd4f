//go:build !duckdb_arrow

package duckdb

// The warehouse hands loads to DuckDB as Arrow (arrow.go), which
// duckdb-go builds only with the duckdb_arrow tag: build and test through
// the Makefile, or set GOFLAGS=-tags=duckdb_arrow.
var _ = build_with_GOFLAGS_tags_duckdb_arrow_see_Makefile
