package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/tarnlake/tarn/internal/lake"
	"github.com/tarnlake/tarn/internal/query"
	"github.com/tarnlake/tarn/internal/warehouse/redshift"
)

// redshiftUnload writes a query's rows into the lake as Redshift's UNLOAD
// does: pipe-delimited text by default, CSV, JSON lines or Parquet, named
// <prefix>0000_part_00 (PARALLEL ON) or <prefix>000 (OFF), under
// col=value/ folders with PARTITION BY, and a manifest when asked. It
// reads what the session may read and needs write on the target bucket.
func (s *session) redshiftUnload(ctx context.Context, u *redshift.Unload) (query.Result, error) {
	if s.e.opts.Lake == nil {
		return query.Result{}, &query.Error{Code: query.CodeFeature, Message: "UNLOAD needs a lake"}
	}
	if err := s.needWrite(locationResource(u.To), "UNLOAD to "+u.To); err != nil {
		return query.Result{}, err
	}
	o, err := unloadOutput(u)
	if err != nil {
		return query.Result{}, err
	}
	bucket, prefix, _ := strings.Cut(strings.TrimPrefix(u.To, "s3://"), "/")
	if u.CleanPath {
		if err := s.removeUnder(ctx, bucket, prefix); err != nil {
			return query.Result{}, err
		}
	} else if !u.AllowOverwrite {
		// Redshift refuses to write over files a former UNLOAD left.
		page, err := s.lake().List(ctx, bucket, lake.ListOptions{Prefix: prefix, MaxKeys: 1})
		if err != nil {
			return query.Result{}, wrapInternal("UNLOAD", err)
		}
		if len(page.Objects) > 0 {
			return query.Result{}, &query.Error{Code: "XX000", Message: fmt.Sprintf("Specified unload destination on S3 is not empty (s3://%s/%s…). "+
				"Use another prefix, remove the files, or add ALLOWOVERWRITE or CLEANPATH", bucket, prefix)}
		}
	}
	sel, _ := pgCompat(u.Query)
	n, _, _, written, err := s.writeFiles(ctx, sel, o, u.PartitionBy, "s3://"+bucket+"/"+prefix)
	if err != nil {
		return query.Result{}, err
	}
	if u.Manifest {
		if err := s.writeManifest(ctx, bucket, prefix+"manifest", written); err != nil {
			return query.Result{}, errors.Join(err, s.unwrite(written))
		}
	}
	return query.Result{Rows: emptyRows{}, Tag: fmt.Sprintf("UNLOAD %d", n)}, nil
}

// unloadOutput is the files an UNLOAD writes, as DuckDB's COPY options and
// Redshift's names.
func unloadOutput(u *redshift.Unload) (output, error) {
	var opts, ext string
	switch u.Format {
	case "PARQUET":
		opts, ext = "FORMAT parquet, COMPRESSION snappy", ".parquet"
	case "JSON":
		opts = "FORMAT json"
	case "CSV", "TEXT":
		d := u.Delimiter
		if d == "" {
			d = map[string]string{"CSV": ",", "TEXT": "|"}[u.Format]
		}
		opts = fmt.Sprintf("FORMAT csv, DELIMITER '%s', HEADER %t", quoteString(d), u.Header)
		if u.Format == "TEXT" && !u.AddQuotes {
			opts += ", QUOTE ''" // Redshift's text has no quotes but ADDQUOTES'
		}
		if u.NullAs != nil {
			opts += fmt.Sprintf(", NULLSTR '%s'", quoteString(*u.NullAs))
		}
	default:
		return output{}, &query.Error{Code: query.CodeFeature, Message: "UNLOAD to " + u.Format + " is not supported by tarn: use TEXT, CSV, JSON or PARQUET"}
	}
	switch u.Compression {
	case "":
	case "GZIP":
		opts, ext = opts+", COMPRESSION gzip", ext+".gz"
	case "ZSTD":
		opts, ext = opts+", COMPRESSION zstd", ext+".zst"
	default:
		return output{}, &query.Error{Code: query.CodeFeature, Message: "UNLOAD with " + u.Compression + " is not supported by tarn: use GZIP or ZSTD"}
	}
	if u.PartitionInclude {
		opts += ", WRITE_PARTITION_COLUMNS true"
	}
	if u.Extension != "" {
		ext = "." + strings.TrimPrefix(u.Extension, ".")
	}
	file := "data"
	if u.MaxFileSize > 0 {
		// DuckDB starts a new file past the size, in a folder of files.
		opts += fmt.Sprintf(", FILE_SIZE_BYTES %d", u.MaxFileSize)
		file = ""
	}
	name := func(dir string, n int, _ string) string {
		if !u.Parallel {
			return fmt.Sprintf("%s%03d%s", dir, n, ext)
		}
		return fmt.Sprintf("%s0000_part_%02d%s", dir, n, ext)
	}
	return output{opts: opts, file: file, name: name}, nil
}

// removeUnder deletes every object under a prefix (CLEANPATH).
func (s *session) removeUnder(ctx context.Context, bucket, prefix string) error {
	after := ""
	for {
		page, err := s.lake().List(ctx, bucket, lake.ListOptions{Prefix: prefix, StartAfter: after})
		if err != nil {
			return wrapInternal("UNLOAD CLEANPATH", err)
		}
		for _, o := range page.Objects {
			if err := s.lake().Delete(ctx, bucket, o.Key); err != nil {
				return wrapInternal("UNLOAD CLEANPATH", err)
			}
		}
		if !page.Truncated {
			return nil
		}
		after = page.Next
	}
}

// writeManifest writes Redshift's manifest of the files an UNLOAD wrote.
func (s *session) writeManifest(ctx context.Context, bucket, key string, written []objectRef) error {
	type entry struct {
		URL string `json:"url"`
	}
	doc := struct {
		Entries []entry `json:"entries"`
	}{Entries: []entry{}}
	for _, w := range written {
		doc.Entries = append(doc.Entries, entry{URL: "s3://" + w.bucket + "/" + w.key})
	}
	b, _ := json.MarshalIndent(doc, "", "  ")
	if _, err := s.lake().Put(ctx, bucket, key, bytes.NewReader(b), lake.PutOptions{Size: int64(len(b))}); err != nil {
		return wrapInternal("UNLOAD manifest", err)
	}
	return nil
}
