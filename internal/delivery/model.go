// Package delivery is tarn's Amazon Data Firehose: a delivery consumes a
// stream (its own, for DirectPut, or a Kinesis stream), buffers records by
// size and time, optionally transforms them with a function, partitions
// them by their arrival time and by keys a jq query or the function
// extracts, converts JSON to Parquet typed by a catalog table, compresses,
// and writes each buffer into the lake exactly once: an object's name
// comes from the stream positions it holds, and a buffer's positions are
// recorded before its objects are written, so a crash redoes the same
// objects rather than new ones. Records that cannot be delivered go under
// the error prefix with Firehose's error records.
package delivery

import (
	"time"
)

// Config is a delivery stream, as the catalog store keeps it; its source
// and destination carry Firehose's JSON names, which the API passes
// through.
type Config struct {
	Name    string            `json:"DeliveryStreamName"`
	Type    string            `json:"DeliveryStreamType"` // DirectPut or KinesisStreamAsSource
	Status  string            `json:"DeliveryStreamStatus"`
	Version int               `json:"VersionId,string"`
	Created time.Time         `json:"created"`
	Updated time.Time         `json:"updated"`
	Source  *Source           `json:"KinesisStreamSourceConfiguration,omitempty"`
	S3      ExtendedS3        `json:"ExtendedS3DestinationConfiguration"`
	Tags    map[string]string `json:"tags,omitempty"`
	Owner   string            `json:"owner,omitempty"` // the access key that made it
	// Failure is why it is not delivering, if it is not: this process's
	// view, never stored.
	Failure string `json:"-"`
}

// Source is a Kinesis stream a delivery reads.
type Source struct {
	StreamARN string `json:"KinesisStreamARN"`
	RoleARN   string `json:"RoleARN"`
}

// ExtendedS3 is the ExtendedS3 destination.
type ExtendedS3 struct {
	RoleARN           string               `json:"RoleARN"`
	BucketARN         string               `json:"BucketARN"`
	Prefix            string               `json:"Prefix,omitempty"`
	ErrorOutputPrefix string               `json:"ErrorOutputPrefix,omitempty"`
	Buffering         *Buffering           `json:"BufferingHints,omitempty"`
	Compression       string               `json:"CompressionFormat,omitempty"`
	Processing        *Processing          `json:"ProcessingConfiguration,omitempty"`
	Conversion        *Conversion          `json:"DataFormatConversionConfiguration,omitempty"`
	Partitioning      *DynamicPartitioning `json:"DynamicPartitioningConfiguration,omitempty"`
	CustomTimeZone    string               `json:"CustomTimeZone,omitempty"`
	FileExtension     string               `json:"FileExtension,omitempty"`
	BackupMode        string               `json:"S3BackupMode,omitempty"`
	Logging           map[string]any       `json:"CloudWatchLoggingOptions,omitempty"`
	Encryption        map[string]any       `json:"EncryptionConfiguration,omitempty"`
}

// Buffering is BufferingHints.
type Buffering struct {
	SizeInMBs         int `json:"SizeInMBs,omitempty"`
	IntervalInSeconds int `json:"IntervalInSeconds,omitempty"`
}

// Processing is ProcessingConfiguration.
type Processing struct {
	Enabled    bool        `json:"Enabled"`
	Processors []Processor `json:"Processors,omitempty"`
}

// Processor is one processor: Lambda, MetadataExtraction,
// AppendDelimiterToRecord, RecordDeAggregation.
type Processor struct {
	Type       string      `json:"Type"`
	Parameters []Parameter `json:"Parameters,omitempty"`
}

// Parameter is a processor's parameter.
type Parameter struct {
	Name  string `json:"ParameterName"`
	Value string `json:"ParameterValue"`
}

// Param returns the value of a processor's parameter.
func (p Processor) Param(name string) (string, bool) {
	for _, x := range p.Parameters {
		if x.Name == name {
			return x.Value, true
		}
	}
	return "", false
}

// Conversion is DataFormatConversionConfiguration.
type Conversion struct {
	Enabled *bool         `json:"Enabled,omitempty"`
	Schema  *SchemaConfig `json:"SchemaConfiguration,omitempty"`
	Input   *struct {
		Deserializer struct {
			OpenX *OpenXSerDe `json:"OpenXJsonSerDe,omitempty"`
			Hive  *HiveSerDe  `json:"HiveJsonSerDe,omitempty"`
		} `json:"Deserializer"`
	} `json:"InputFormatConfiguration,omitempty"`
	Output *struct {
		Serializer struct {
			Parquet *ParquetSerDe  `json:"ParquetSerDe,omitempty"`
			ORC     map[string]any `json:"OrcSerDe,omitempty"`
		} `json:"Serializer"`
	} `json:"OutputFormatConfiguration,omitempty"`
}

// On reports whether conversion is enabled (Enabled defaults to true).
func (c *Conversion) On() bool { return c != nil && (c.Enabled == nil || *c.Enabled) }

// SchemaConfig names the catalog table records are converted by.
type SchemaConfig struct {
	Database string `json:"DatabaseName"`
	Table    string `json:"TableName"`
	Version  string `json:"VersionId,omitempty"` // LATEST or a number
	RoleARN  string `json:"RoleARN,omitempty"`
	Region   string `json:"Region,omitempty"`
	Catalog  string `json:"CatalogId,omitempty"`
}

// OpenXSerDe is the OpenX JSON SerDe's options.
type OpenXSerDe struct {
	ConvertDotsInJSONKeysToUnderscores bool              `json:"ConvertDotsInJsonKeysToUnderscores,omitempty"`
	CaseInsensitive                    *bool             `json:"CaseInsensitive,omitempty"`
	ColumnToJSONKeyMappings            map[string]string `json:"ColumnToJsonKeyMappings,omitempty"`
}

// HiveSerDe is the Hive JSON SerDe's options.
type HiveSerDe struct {
	TimestampFormats []string `json:"TimestampFormats,omitempty"`
}

// ParquetSerDe is the Parquet serializer's options.
type ParquetSerDe struct {
	Compression string `json:"Compression,omitempty"` // SNAPPY (default), GZIP, UNCOMPRESSED; ZSTD is tarn's
	BlockSize   int    `json:"BlockSizeBytes,omitempty"`
	PageSize    int    `json:"PageSizeBytes,omitempty"`
}

// DynamicPartitioning is DynamicPartitioningConfiguration.
type DynamicPartitioning struct {
	Enabled bool           `json:"Enabled"`
	Retry   map[string]any `json:"RetryOptions,omitempty"`
}

// Buffer limits of a destination, with Firehose's defaults.
func (s ExtendedS3) limits() (bytes int, interval time.Duration) {
	size, secs := 5, 300
	if s.Conversion.On() {
		size = 128
	}
	if b := s.Buffering; b != nil {
		if b.SizeInMBs > 0 {
			size = b.SizeInMBs
		}
		if b.IntervalInSeconds > 0 || b.SizeInMBs > 0 {
			secs = b.IntervalInSeconds
		}
	}
	return size << 20, time.Duration(secs) * time.Second
}
