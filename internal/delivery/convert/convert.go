// Package convert is Firehose's record format conversion: JSON records,
// read the way the OpenX or Hive JSON SerDe reads them, written as Parquet
// typed by the columns of a Glue table.
//
// A Writer takes records one at a time. A record that cannot be converted
// is refused whole with a *RecordError carrying Firehose's error code, and
// the file goes on; Close always leaves a valid Parquet file.
package convert

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/parquet-go/parquet-go"
	"github.com/tarnlake/tarn/internal/catalog"
)

// SerDe is the deserializer of Firehose's InputFormatConfiguration.
type SerDe struct {
	// OpenX selects the OpenX JSON SerDe; false is the Hive JSON SerDe.
	OpenX bool
	// CaseInsensitive matches JSON keys to columns ignoring case (OpenX;
	// Firehose's default is true, so callers set it unless told otherwise).
	// The Hive SerDe always ignores case, as Hive column names are lowercase.
	CaseInsensitive bool
	// ConvertDotsInJSONKeysToUnderscores lets the key "a.b" fill column a_b
	// (OpenX only).
	ConvertDotsInJSONKeysToUnderscores bool
	// ColumnToJSONKeyMappings maps a column to the JSON key that fills it,
	// for keys that are not valid column names (OpenX only).
	ColumnToJSONKeyMappings map[string]string
	// TimestampFormats are Joda-Time patterns, or "millis" for epoch
	// milliseconds, tried in order before java.sql.Timestamp's format
	// (Hive only).
	TimestampFormats []string
}

func (s SerDe) caseFolds() bool { return s.CaseInsensitive || !s.OpenX }

// fold is how a name or JSON key is compared.
func (s SerDe) fold(name string) string {
	if s.caseFolds() {
		return strings.ToLower(name)
	}
	return name
}

// jsonKey is the JSON key that fills a top-level column.
func (s SerDe) jsonKey(column string) string {
	if !s.OpenX {
		return column
	}
	for c, k := range s.ColumnToJSONKeyMappings {
		if strings.EqualFold(c, column) {
			return k
		}
	}
	return column
}

// Column is a table column: its name and Glue type string.
type Column = catalog.Column

// Compression codecs of Firehose's ParquetSerDe, and ZSTD.
const (
	Snappy       = "SNAPPY"
	Gzip         = "GZIP"
	Uncompressed = "UNCOMPRESSED"
	Zstd         = "ZSTD"
)

// Options configure a Writer; zero values are Firehose's defaults.
type Options struct {
	// Columns of the Glue table, in order (Storage.Columns; Firehose does
	// not write partition keys into the file).
	Columns []Column
	SerDe   SerDe
	// Compression is SNAPPY (default), GZIP, UNCOMPRESSED or ZSTD.
	Compression string
	// BlockSizeBytes bounds a row group, estimated from the JSON size of
	// its records; default 256 MiB as Firehose's.
	BlockSizeBytes int
	// PageSizeBytes is the Parquet page size; default 1 MiB.
	PageSizeBytes int
	// EnableDictionaryCompression dictionary-encodes the columns.
	EnableDictionaryCompression bool
	// WriterVersion is V1 (default) or V2, the data page version.
	WriterVersion string
}

// batchRows is how many rows are staged before they go to the column
// writers: enough to amortise the calls, few enough to stay in cache.
const batchRows = 512

// Writer converts JSON records to one Parquet file.
type Writer struct {
	pw        *parquet.GenericWriter[any]
	root      *node
	serde     SerDe
	timestamp timestampParser
	blockSize int

	d      decoder
	cols   [][]parquet.Value // staged values per leaf column
	arena  []byte            // bytes the staged values point into
	stack  []int             // struct bookkeeping: leaf marks and seen flags
	marks  []int             // staged lengths at the start of the record
	fold   []byte            // scratch for folded keys
	decBuf []byte            // scratch for decimal digits

	staged    int // rows in cols
	groupSize int // JSON bytes in the open row group
	rows      int
	closed    bool
}

// NewWriter returns a Writer of a Parquet file to w. An error is a
// *RecordError with CodeInvalidSchema when the columns cannot be converted
// (Firehose fails every record then), or a plain error for bad options.
func NewWriter(w io.Writer, opts Options) (*Writer, error) {
	ts, err := newTimestampParser(opts.SerDe)
	if err != nil {
		return nil, err
	}
	root, schema, err := compileTable(opts.Columns, opts.SerDe)
	if err != nil {
		return nil, err
	}
	wopts, err := writerOptions(opts)
	if err != nil {
		return nil, err
	}
	blockSize := opts.BlockSizeBytes
	if blockSize <= 0 {
		blockSize = 256 << 20
	}
	return &Writer{
		pw:        parquet.NewGenericWriter[any](w, append(wopts, schema)...),
		root:      root,
		serde:     opts.SerDe,
		timestamp: ts,
		blockSize: blockSize,
		cols:      make([][]parquet.Value, root.last),
	}, nil
}

func writerOptions(opts Options) ([]parquet.WriterOption, error) {
	var codec parquet.WriterOption
	switch strings.ToUpper(opts.Compression) {
	case "", Snappy:
		codec = parquet.Compression(&parquet.Snappy)
	case Gzip:
		codec = parquet.Compression(&parquet.Gzip)
	case Uncompressed:
		codec = parquet.Compression(&parquet.Uncompressed)
	case Zstd:
		codec = parquet.Compression(&parquet.Zstd)
	default:
		return nil, fmt.Errorf("parquet compression %q: want SNAPPY, GZIP, UNCOMPRESSED or ZSTD", opts.Compression)
	}
	version := 1
	switch strings.ToUpper(opts.WriterVersion) {
	case "", "V1":
	case "V2":
		version = 2
	default:
		return nil, fmt.Errorf("parquet writer version %q: want V1 or V2", opts.WriterVersion)
	}
	page := opts.PageSizeBytes
	if page <= 0 {
		page = 1 << 20
	}
	o := []parquet.WriterOption{codec, parquet.DataPageVersion(version), parquet.PageBufferSize(page),
		parquet.CreatedBy("tarn", "", "")}
	if opts.EnableDictionaryCompression {
		for _, k := range []parquet.Kind{parquet.Int32, parquet.Int64, parquet.Float, parquet.Double,
			parquet.ByteArray, parquet.FixedLenByteArray} {
			o = append(o, parquet.DefaultEncodingFor(k, &parquet.RLEDictionary))
		}
	}
	return o, nil
}

// Write converts one record: one or more JSON objects, each a row. On a
// *RecordError nothing of the record is written and the Writer stays
// usable; any other error is the output's and the file is lost.
func (w *Writer) Write(record []byte) error {
	if w.closed {
		return errors.New("convert: write after close")
	}
	n, err := w.record(record)
	if err != nil {
		return err
	}
	w.rows += n
	w.staged += n
	w.groupSize += len(record)
	if w.staged >= batchRows || len(w.arena) >= 1<<20 {
		return w.flush()
	}
	return nil
}

// Rows is the number of rows written so far.
func (w *Writer) Rows() int { return w.rows }

// Close writes the staged rows and the Parquet footer. It does not close
// the underlying io.Writer.
func (w *Writer) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	return errors.Join(w.flush(), w.pw.Close())
}

// flush hands the staged rows to the column writers, and ends the row
// group once it reaches the block size.
func (w *Writer) flush() error {
	if w.staged > 0 {
		cws := w.pw.ColumnWriters()
		for i, vs := range w.cols {
			if _, err := cws[i].WriteRowValues(vs); err != nil {
				return fmt.Errorf("write parquet column %d: %w", i, err)
			}
			w.cols[i] = vs[:0]
		}
		w.arena = w.arena[:0]
		w.staged = 0
	}
	if w.groupSize >= w.blockSize {
		w.groupSize = 0
		if err := w.pw.Flush(); err != nil {
			return fmt.Errorf("write parquet row group: %w", err)
		}
	}
	return nil
}
