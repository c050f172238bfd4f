package delivery

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/itchyny/gojq"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/catalog"
	"github.com/tarnlake/tarn/internal/delivery/prefix"
	"github.com/tarnlake/tarn/internal/lake"
)

var validName = regexp.MustCompile(`^[a-zA-Z0-9_.-]{1,64}$`)

var compressions = map[string]bool{"UNCOMPRESSED": true, "GZIP": true, "ZIP": true, "Snappy": true, "HADOOP_SNAPPY": true, "ZSTD": true}

func invalid(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, a...))
}

// Bucket is the bucket a BucketARN names.
func Bucket(arn string) (string, bool) {
	b, ok := strings.CutPrefix(arn, "arn:aws:s3:::")
	return b, ok && b != "" && !strings.Contains(b, "/")
}

// roleKey is the access key a role ARN names.
func (s *Service) roleKey(role string) (access.Key, error) {
	name, ok := access.RoleName(role)
	if !ok {
		return access.Key{}, invalid("RoleARN %q is not a role ARN (arn:aws:iam::000000000000:role/KEY-NAME)", role)
	}
	k, ok := s.opts.Key(name)
	if !ok {
		return access.Key{}, invalid("Firehose is unable to assume role %s: no tarn key is named %q (tarn keys add %s)", role, name, name)
	}
	return k, nil
}

// check refuses a configuration Firehose would refuse, or that its role
// may not carry out.
func (s *Service) check(ctx context.Context, c Config) error {
	d := c.S3
	switch {
	case !validName.MatchString(c.Name):
		return invalid("DeliveryStreamName %q must be 1 to 64 characters of a-z, A-Z, 0-9, _, . and -", c.Name)
	case c.Type != "DirectPut" && c.Type != "KinesisStreamAsSource":
		return invalid("DeliveryStreamType %q is not DirectPut or KinesisStreamAsSource (tarn has no MSK or other sources)", c.Type)
	case c.Type == "KinesisStreamAsSource" && (c.Source == nil || c.Source.StreamARN == ""):
		return invalid("KinesisStreamSourceConfiguration is required for KinesisStreamAsSource")
	case c.Type == "DirectPut" && c.Source != nil:
		return invalid("KinesisStreamSourceConfiguration is only for KinesisStreamAsSource")
	}
	bucket, ok := Bucket(d.BucketARN)
	if !ok {
		return invalid("BucketARN %q is not arn:aws:s3:::BUCKET", d.BucketARN)
	}
	if _, err := s.opts.Lake.HeadBucket(ctx, bucket); errors.Is(err, lake.ErrNoSuchBucket) {
		return invalid("bucket %s does not exist: create it first (aws s3 mb s3://%s)", bucket, bucket)
	} else if err != nil {
		return err
	}
	role, err := s.roleKey(d.RoleARN)
	if err != nil {
		return err
	}
	if !role.Allowed(access.Write, access.Bucket(bucket)) {
		return invalid("role %s may not write bucket %s", d.RoleARN, bucket)
	}
	if c.Type == "KinesisStreamAsSource" {
		name := c.SourceStream()
		if _, err := s.opts.Streams.Info(ctx, name); err != nil {
			return invalid("KinesisStreamARN %s: stream %s: %v", c.Source.StreamARN, name, err)
		}
		src, err := s.roleKey(c.Source.RoleARN)
		if err != nil {
			return err
		}
		if !src.Allowed(access.Read, access.Stream(name)) {
			return invalid("role %s may not read stream %s", c.Source.RoleARN, name)
		}
	}
	if err := checkBuffering(d); err != nil {
		return err
	}
	if d.Compression != "" && !compressions[d.Compression] {
		return invalid("CompressionFormat %q is not UNCOMPRESSED, GZIP, ZIP, Snappy or HADOOP_SNAPPY (or ZSTD, tarn's)", d.Compression)
	}
	if d.Conversion.On() {
		if err := s.checkConversion(ctx, d); err != nil {
			return err
		}
	}
	dynamic := d.Partitioning != nil && d.Partitioning.Enabled
	if err := checkProcessing(d, dynamic); err != nil {
		return err
	}
	if _, err := prefix.Compile(d.Prefix, d.ErrorOutputPrefix, dynamic); err != nil {
		return invalid("%v", err)
	}
	if d.CustomTimeZone != "" {
		if _, err := prefix.LoadZone(d.CustomTimeZone); err != nil {
			return invalid("%v", err)
		}
	}
	if d.FileExtension != "" {
		if err := prefix.ValidateFileExtension(d.FileExtension); err != nil {
			return invalid("%v", err)
		}
	}
	return nil
}

func checkBuffering(d ExtendedS3) error {
	b := d.Buffering
	if b == nil {
		return nil
	}
	switch {
	case b.SizeInMBs < 1 || b.SizeInMBs > 128:
		return invalid("BufferingHints.SizeInMBs %d is not 1 to 128", b.SizeInMBs)
	case b.IntervalInSeconds < 0 || b.IntervalInSeconds > 900:
		return invalid("BufferingHints.IntervalInSeconds %d is not 0 to 900", b.IntervalInSeconds)
	case d.Conversion.On() && b.SizeInMBs < 64:
		return invalid("BufferingHints.SizeInMBs must be at least 64 when data format conversion is enabled")
	}
	return nil
}

func (s *Service) checkConversion(ctx context.Context, d ExtendedS3) error {
	cv := d.Conversion
	switch {
	case d.Compression != "" && d.Compression != "UNCOMPRESSED":
		return invalid("CompressionFormat must be UNCOMPRESSED when data format conversion is enabled: set the compression in the ParquetSerDe")
	case cv.Schema == nil || cv.Schema.Database == "" || cv.Schema.Table == "":
		return invalid("SchemaConfiguration with DatabaseName and TableName is required for data format conversion")
	case cv.Input == nil || (cv.Input.Deserializer.OpenX == nil) == (cv.Input.Deserializer.Hive == nil):
		return invalid("InputFormatConfiguration needs exactly one deserializer: OpenXJsonSerDe or HiveJsonSerDe")
	case cv.Output == nil:
		return invalid("OutputFormatConfiguration with a ParquetSerDe is required for data format conversion")
	case cv.Output.Serializer.ORC != nil:
		return invalid("OrcSerDe is not supported by tarn: use ParquetSerDe")
	case cv.Output.Serializer.Parquet == nil:
		return invalid("OutputFormatConfiguration needs a ParquetSerDe")
	}
	if c := cv.Output.Serializer.Parquet.Compression; c != "" && c != "SNAPPY" && c != "GZIP" && c != "UNCOMPRESSED" && c != "ZSTD" {
		return invalid("ParquetSerDe.Compression %q is not SNAPPY, GZIP or UNCOMPRESSED (or ZSTD, tarn's)", c)
	}
	if _, err := s.opts.Catalog.GetTable(ctx, cv.Schema.Database, cv.Schema.Table); err != nil {
		if errors.Is(err, catalog.ErrNotFound) {
			return invalid("table %s.%s named by SchemaConfiguration does not exist in the catalog", cv.Schema.Database, cv.Schema.Table)
		}
		return err
	}
	return nil
}

func checkProcessing(d ExtendedS3, dynamic bool) error {
	p := d.Processing
	if p == nil || !p.Enabled {
		return nil
	}
	for _, pr := range p.Processors {
		switch pr.Type {
		case "Lambda":
			if v, ok := pr.Param("LambdaArn"); !ok || v == "" {
				return invalid("a Lambda processor needs the LambdaArn parameter")
			}
		case "MetadataExtraction":
			if !dynamic {
				return invalid("MetadataExtraction needs DynamicPartitioningConfiguration enabled")
			}
			q, _ := pr.Param("MetadataExtractionQuery")
			if _, err := gojq.Parse(q); err != nil || q == "" {
				return invalid("MetadataExtractionQuery %q is not a jq query: %v", q, err)
			}
			if e, ok := pr.Param("JsonParsingEngine"); ok && e != "JQ-1.6" {
				return invalid("JsonParsingEngine %q is not JQ-1.6", e)
			}
		case "AppendDelimiterToRecord", "RecordDeAggregation":
		default:
			return invalid("processor type %q is not Lambda, MetadataExtraction, AppendDelimiterToRecord or RecordDeAggregation", pr.Type)
		}
	}
	return nil
}
