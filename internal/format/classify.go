package format

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// Result is a classification with the inferred schema.
type Result struct {
	// Classification is Glue's name for the format: "avro", "parquet",
	// "json" or "csv".
	Classification string
	// Compression is the stream compression of a text file. Avro and Parquet
	// compress inside the file: for Avro, Codec names the block codec.
	Compression Compression
	Codec       string
	Schema      Schema
	// Confidence is 1 for a valid container header or footer and for
	// consistent JSON, less when the guess is weaker (see Classify).
	Confidence float64
	// Delimiter and HasHeader are set for csv.
	Delimiter rune
	HasHeader bool
	// RecordsSampled counts records (rows, objects) looked at; for Parquet
	// it is the row count the footer states, for Avro 0.
	RecordsSampled int64
	// BytesRead counts bytes read from the file, compressed ones for
	// compressed files; the few magic bytes sniffed first count twice.
	BytesRead int64
}

// Confidences of the weaker guesses: JSON whose fields conflicted, CSV with a
// header or typed columns, and CSV of strings only, which prose also is.
const (
	confidenceJSONConflicts = 0.9
	confidenceCSVTyped      = 0.9
	confidenceCSVStrings    = 0.6
)

// firstHead is how much of a text file is read first.
const firstHead = 64 << 10

// errNotTried marks a classifier not run on the head yet.
var errNotTried = errors.New("not tried")

var (
	avroPrefix    = []byte("Obj\x01")
	parquetPrefix = []byte("PAR1")
)

// Classify runs the built-in classifiers in Glue's order (Avro, Parquet,
// JSON, then CSV; Glue's ORC, XML, Ion, log and database classifiers have no
// counterpart here) on the file r of the given size. Container formats are
// known by their magic bytes and only their header or footer is read; text
// is decompressed when its magic bytes say so and only its first records
// are read. name is used only in errors: content decides, not the name.
// A file no classifier accepts yields ErrUnknownFormat with the reasons.
func Classify(r io.ReaderAt, size int64, name string, opts Options) (Result, error) {
	opts = opts.withDefaults()
	cr := &countingReaderAt{r: r}
	res, err := classify(cr, size, opts)
	res.BytesRead = cr.n
	if err != nil {
		return res, fmt.Errorf("classify %s: %w", name, err)
	}
	return res, nil
}

func classify(cr *countingReaderAt, size int64, opts Options) (Result, error) {
	if size <= 0 {
		return Result{}, fmt.Errorf("%w: the file is empty", ErrUnknownFormat)
	}
	magic := make([]byte, min(size, sniffLen))
	if _, err := cr.ReadAt(magic, 0); err != nil && err != io.EOF {
		return Result{}, fmt.Errorf("read head: %w", err)
	}
	switch {
	case bytes.HasPrefix(magic, avroPrefix):
		info, err := InferAvro(io.NewSectionReader(cr, 0, size))
		if err != nil {
			return Result{}, err
		}
		return Result{Classification: "avro", Codec: info.Codec, Schema: info.Schema, Confidence: 1}, nil
	case bytes.HasPrefix(magic, parquetPrefix):
		info, err := InferParquet(cr, size)
		if err != nil {
			return Result{}, err
		}
		return Result{Classification: "parquet", Schema: info.Schema, Confidence: 1, RecordsSampled: info.Rows}, nil
	}
	return classifyText(cr, size, opts)
}

func classifyText(cr *countingReaderAt, size int64, opts Options) (Result, error) {
	rc, comp, err := Open(io.NewSectionReader(cr, 0, size))
	if err != nil {
		return Result{Compression: comp}, err
	}
	defer rc.Close()
	// One copy of the head serves both classifiers. It starts small and
	// grows only while the records sampled are fewer than wanted: most
	// files hold MaxRecords records in far less than MaxBytes, and a crawl
	// should not read a megabyte of each. The cap bounds what a
	// decompression bomb can cost.
	var head []byte
	var jsonInfo JSONInfo
	var info CSVInfo
	var jsonErr, csvErr error
	for want := min(opts.MaxBytes, firstHead); ; want = min(opts.MaxBytes, want*4) {
		more, err := io.ReadAll(io.LimitReader(rc, want-int64(len(head))))
		if err != nil {
			return Result{Compression: comp}, fmt.Errorf("read %s stream: %w", comp, err)
		}
		head = append(head, more...)
		whole := int64(len(head)) < want // the stream ended
		if len(bytes.TrimSpace(head)) == 0 {
			if whole || want == opts.MaxBytes {
				return Result{Compression: comp}, fmt.Errorf("%w: no data (compression %s)", ErrUnknownFormat, comp)
			}
			continue
		}
		capped := !whole
		jsonErr = errNotTried
		if t := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n"); t[0] == '{' || t[0] == '[' {
			jsonInfo, jsonErr = inferJSONBytes(head, capped, opts)
			if jsonErr == nil && (jsonInfo.Records >= opts.MaxRecords || !capped || want == opts.MaxBytes) {
				res := Result{Compression: comp, Classification: "json", Schema: jsonInfo.Schema, RecordsSampled: int64(jsonInfo.Records), Confidence: 1}
				if jsonInfo.Conflicts {
					res.Confidence = confidenceJSONConflicts
				}
				return res, nil
			}
		}
		if jsonErr == nil || errors.Is(jsonErr, errTruncated) && capped && want < opts.MaxBytes {
			continue // valid JSON so far: read more before deciding
		}
		info, csvErr = InferCSV(bytes.NewReader(head), opts)
		if csvErr == nil && info.Records < opts.MaxRecords && capped && want < opts.MaxBytes {
			continue
		}
		if !capped || want == opts.MaxBytes || csvErr == nil {
			break
		}
	}
	res := Result{Compression: comp}
	if csvErr != nil {
		if jsonErr != nil && jsonErr != errNotTried {
			return res, fmt.Errorf("%w: %v; %v", ErrUnknownFormat, jsonErr, csvErr)
		}
		return res, fmt.Errorf("%w: %v", ErrUnknownFormat, csvErr)
	}
	res.Classification, res.Schema = "csv", info.Schema
	res.Delimiter, res.HasHeader = info.Delimiter, info.HasHeader
	res.RecordsSampled = int64(info.Records)
	res.Confidence = confidenceCSVStrings
	if info.HasHeader || !allStrings(info.Schema) {
		res.Confidence = confidenceCSVTyped
	}
	return res, nil
}

func allStrings(s Schema) bool {
	for _, c := range s {
		if c.Type.Kind != KindString {
			return false
		}
	}
	return true
}

// countingReaderAt counts the bytes read, so callers and tests can see that
// classification stays within the head or footer of a file.
type countingReaderAt struct {
	r io.ReaderAt
	n int64
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.n += int64(n)
	return n, err
}
