package delivery

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"

	"github.com/tarnlake/tarn/internal/catalog"
	"github.com/tarnlake/tarn/internal/delivery/convert"
)

// encode makes one object of a partition's records: Parquet typed by the
// conversion's table, or the records one after another, compressed.
// Records that do not convert come back as failures; a nil body means
// none was left.
// tb is the conversion's table, read once per buffer.
func (w *worker) encode(items []item, tb catalog.Table) ([]byte, []failure, error) {
	if w.cfg.S3.Conversion.On() {
		return w.convert(items, tb)
	}
	var raw bytes.Buffer
	for _, it := range items {
		raw.Write(it.data)
	}
	body, err := compress(w.cfg.S3.Compression, raw.Bytes(), w.objectEntry())
	return body, nil, err
}

// objectEntry names the single file of a ZIP object.
func (w *worker) objectEntry() string { return w.cfg.Name }

func compress(format string, raw []byte, entry string) ([]byte, error) {
	var out bytes.Buffer
	switch format {
	case "", "UNCOMPRESSED":
		return raw, nil
	case "GZIP":
		zw, _ := gzip.NewWriterLevel(&out, gzip.DefaultCompression)
		zw.Write(raw)
		if err := zw.Close(); err != nil {
			return nil, err
		}
	case "ZIP":
		zw := zip.NewWriter(&out)
		// A fixed time, so that the same records make the same bytes.
		f, err := zw.CreateHeader(&zip.FileHeader{Name: entry, Method: zip.Deflate, Modified: time.Unix(0, 0).UTC()})
		if err != nil {
			return nil, err
		}
		f.Write(raw)
		if err := zw.Close(); err != nil {
			return nil, err
		}
	case "Snappy": // the framing format
		sw := snappy.NewBufferedWriter(&out)
		sw.Write(raw)
		if err := sw.Close(); err != nil {
			return nil, err
		}
	case "HADOOP_SNAPPY":
		// Hadoop's block stream: per block the uncompressed length, then
		// chunks of compressed length and Snappy block data.
		const block = 256 << 10
		for len(raw) > 0 {
			n := min(block, len(raw))
			c := snappy.Encode(nil, raw[:n])
			out.Write(binary.BigEndian.AppendUint32(nil, uint32(n)))
			out.Write(binary.BigEndian.AppendUint32(nil, uint32(len(c))))
			out.Write(c)
			raw = raw[n:]
		}
	case "ZSTD":
		zw, err := zstd.NewWriter(&out)
		if err != nil {
			return nil, err
		}
		zw.Write(raw)
		if err := zw.Close(); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("compression %q", format)
	}
	return out.Bytes(), nil
}

// table is the conversion's catalog table, at the version it names.
func (w *worker) table(ctx context.Context) (catalog.Table, error) {
	sc := w.cfg.S3.Conversion.Schema
	if v := sc.Version; v != "" && v != "LATEST" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return catalog.Table{}, fmt.Errorf("SchemaConfiguration.VersionId %q", v)
		}
		return w.s.opts.Catalog.GetTableVersion(ctx, sc.Database, sc.Table, n)
	}
	return w.s.opts.Catalog.GetTable(ctx, sc.Database, sc.Table)
}

func (w *worker) convert(items []item, tb catalog.Table) ([]byte, []failure, error) {
	cv := w.cfg.S3.Conversion
	opts := convert.Options{Columns: tb.Storage.Columns, Compression: cv.Output.Serializer.Parquet.Compression}
	if o := cv.Input.Deserializer.OpenX; o != nil {
		opts.SerDe = convert.SerDe{OpenX: true, CaseInsensitive: o.CaseInsensitive == nil || *o.CaseInsensitive,
			ConvertDotsInJSONKeysToUnderscores: o.ConvertDotsInJSONKeysToUnderscores, ColumnToJSONKeyMappings: o.ColumnToJSONKeyMappings}
	} else if h := cv.Input.Deserializer.Hive; h != nil {
		opts.SerDe = convert.SerDe{TimestampFormats: h.TimestampFormats}
	}
	var out bytes.Buffer
	pw, err := convert.NewWriter(&out, opts)
	var re *convert.RecordError
	if errors.As(err, &re) { // the table cannot be written: every record fails
		fails := make([]failure, len(items))
		for i, it := range items {
			fails[i] = w.conversionFailure(it, re)
		}
		return nil, fails, nil
	}
	if err != nil {
		return nil, nil, err
	}
	var fails []failure
	for _, it := range items {
		if err := pw.Write(it.data); err != nil {
			if !errors.As(err, &re) {
				return nil, nil, err
			}
			fails = append(fails, w.conversionFailure(it, re))
		}
	}
	if err := pw.Close(); err != nil {
		return nil, nil, err
	}
	if pw.Rows() == 0 {
		return nil, fails, nil
	}
	return out.Bytes(), fails, nil
}

func (w *worker) conversionFailure(it item, re *convert.RecordError) failure {
	return failure{kind: "format-conversion-failed", code: re.Code, message: re.Message, rec: it.rec, data: it.data}
}
