// Package spool is the folder where COPY puts the Parquet files a DuckDB
// reads, and the seal that keeps that DuckDB to the folder: the embedded
// warehouse's own, or pqscan's for PostgreSQL.
package spool

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/tarnlake/tarn/internal/query/sqltext"
	"github.com/tarnlake/tarn/internal/warehouse"
)

// Dir is a spool folder, an absolute path.
type Dir string

// File makes a file in the folder (again, if a cleaner of temporary
// folders took an idle one); the caller writes, closes and removes it.
func (d Dir) File() (*os.File, error) {
	if err := os.MkdirAll(string(d), 0o700); err != nil {
		return nil, err
	}
	return os.CreateTemp(string(d), "copy-*.parquet")
}

// Seal is the settings that keep a DuckDB to the folder, in order: it
// reads no other file, fetches nothing, keeps UTC's clock, and no
// statement changes that.
func (d Dir) Seal() []string {
	return []string{"SET autoinstall_known_extensions = false", "SET autoload_known_extensions = false", "SET GLOBAL TimeZone = 'UTC'",
		"SET allowed_directories = [" + sqltext.QuoteString(string(d)+string(filepath.Separator)) + "]",
		"SET enable_external_access = false", "SET lock_configuration = true"}
}

// Select is the query reading a spooled file's columns, by position, as
// cols (cast to their types; the caller has checked with
// load.ParquetExact that nothing is converted): one file of the folder,
// named as it is, no pattern that could read other COPYs' files.
func (d Dir) Select(path string, cols []warehouse.Column) (string, error) {
	if filepath.Dir(path) != string(d) || strings.ContainsAny(path, "*?[{") {
		return "", fmt.Errorf("%s is not a spooled file", path)
	}
	as := make([]string, len(cols))
	casts := make([]string, len(cols))
	for i, c := range cols {
		as[i] = fmt.Sprintf("c%d", i)
		casts[i] = fmt.Sprintf("CAST(c%d AS %s)", i, c.SQL())
	}
	return fmt.Sprintf("SELECT %s FROM read_parquet(%s, hive_partitioning = false) AS p(%s)",
		strings.Join(casts, ", "), sqltext.QuoteString(path), strings.Join(as, ", ")), nil
}
