package convert

import "fmt"

// Firehose's error codes for record format conversion, as written in the
// lastErrorCode of the format-conversion-failed error output.
const (
	// CodeParseError: the record is not JSON objects (empty, truncated,
	// an array, invalid syntax).
	CodeParseError = "DataFormatConversion.ParseError"
	// CodeMalformedData: the record is JSON but a value does not fit the
	// type of its column.
	CodeMalformedData = "DataFormatConversion.MalformedData"
	// CodeInvalidSchema: the table's columns cannot be written with the
	// chosen deserializer; Firehose fails every record with it.
	CodeInvalidSchema = "DataFormatConversion.InvalidSchema"
)

// RecordError is why a record (or, for CodeInvalidSchema, every record)
// could not be converted. Code and Message go to the error output as
// Firehose writes them.
type RecordError struct {
	Code    string
	Message string
}

func (e *RecordError) Error() string { return e.Code + ": " + e.Message }

func parseErrorf(format string, a ...any) *RecordError {
	return &RecordError{Code: CodeParseError, Message: fmt.Sprintf(format, a...)}
}

func malformedf(format string, a ...any) *RecordError {
	return &RecordError{Code: CodeMalformedData, Message: fmt.Sprintf(format, a...)}
}

func invalidSchemaf(format string, a ...any) *RecordError {
	return &RecordError{Code: CodeInvalidSchema, Message: fmt.Sprintf(format, a...)}
}
