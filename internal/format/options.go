package format

import "errors"

// Options bound how much of a file inference looks at. Zero values take the
// defaults below.
type Options struct {
	// MaxRecords is how many records of a text file are sampled.
	MaxRecords int
	// MaxBytes caps the decompressed bytes read from a text file's head, so
	// one huge record or line cannot make a crawl read a whole file.
	MaxBytes int64
}

const (
	defaultMaxRecords = 1000
	defaultMaxBytes   = 1 << 20 // Glue's classifiers also look at about the first megabyte
)

func (o Options) withDefaults() Options {
	if o.MaxRecords <= 0 {
		o.MaxRecords = defaultMaxRecords
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = defaultMaxBytes
	}
	return o
}

// Sentinels, checked with errors.Is.
var (
	// ErrUnknownFormat means no classifier recognised the file.
	ErrUnknownFormat = errors.New("unknown format")
	// ErrNotJSON, ErrNotCSV, ErrNotParquet and ErrNotAvro say a file is not
	// (valid) data of that format; the wrapped message says where and why.
	ErrNotJSON    = errors.New("not json")
	ErrNotCSV     = errors.New("not csv")
	ErrNotParquet = errors.New("not parquet")
	ErrNotAvro    = errors.New("not avro")
)
