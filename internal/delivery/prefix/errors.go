package prefix

import (
	"errors"
	"fmt"
)

// Errors from Eval. Firehose delivers a record whose prefix cannot be
// evaluated to the error output, so callers route on these.
var (
	// ErrMissingPartitionKey: a partitionKeyFrom* expression names a key the
	// record did not yield (absent or empty).
	ErrMissingPartitionKey = errors.New("partition key missing")
	// ErrTooLong: the evaluated prefix is over MaxEvaluatedLen.
	ErrTooLong = errors.New("evaluated prefix longer than 512 characters")
	// ErrNoErrorType: the template uses !{firehose:error-output-type} but the
	// caller gave no error type.
	ErrNoErrorType = errors.New("no value for !{firehose:error-output-type}")
)

// Values of !{firehose:error-output-type}, per the firehose namespace table
// in the custom prefix docs. Firehose has no documented value for records
// that fail dynamic partitioning; see the package doc.
const (
	ProcessingFailed       = "processing-failed"
	FormatConversionFailed = "format-conversion-failed"
	ElasticsearchFailed    = "elasticsearch-failed"
	SplunkFailed           = "splunk-failed"
	HTTPEndpointFailed     = "http-endpoint-failed"
)

// KeyError says which partition key a record lacked.
type KeyError struct {
	Namespace string // NamespaceQuery or NamespaceLambda
	Key       string
}

func (e *KeyError) Error() string {
	return fmt.Sprintf("!{%s:%s}: %v", e.Namespace, e.Key, ErrMissingPartitionKey)
}

func (e *KeyError) Unwrap() error { return ErrMissingPartitionKey }

// Error codes a ConfigError carries, as the Firehose API names them.
const (
	CodeInvalidArgument = "InvalidArgumentException"
	CodeValidation      = "ValidationException"
)

// ConfigError is a refused destination setting, shaped for the wire: Code
// is the AWS error code and Error() the message Firehose would send.
type ConfigError struct {
	Code    string
	Field   string // Prefix, ErrorOutputPrefix, FileExtension or CustomTimeZone
	Message string
	Err     error // the parse error behind Message, if any
}

func (e *ConfigError) Error() string { return e.Message }

func (e *ConfigError) Unwrap() error { return e.Err }
