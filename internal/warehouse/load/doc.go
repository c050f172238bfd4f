// Package load reads the rows of one data file the way Amazon Redshift's
// COPY reads its TEXT (delimited), CSV and JSON formats: it splits records,
// converts each field to its target column's type with Redshift's rules and
// reports every rejected row as a LoadError shaped like a row of
// STL_LOAD_ERRORS.
//
// The package knows neither the catalog nor storage: the caller opens (and
// decompresses) the file, passes the table's columns and the COPY options,
// counts the errors against MAXERROR and stores what Read emits.
//
// Files, one job each:
//
//	load.go      the API: Column, Options, Read
//	options.go   defaults and checks of the options
//	lines.go     physical lines from an io.Reader, numbered
//	record.go    one record's fields as spans of its raw text
//	text.go      the TEXT splitter (DELIMITER, ESCAPE, REMOVEQUOTES)
//	csv.go       the CSV splitter (QUOTE, quoted delimiters and newlines)
//	rows.go      field counts, FILLRECORD, one row through the converters
//	convert.go   one field to one column's Go value
//	strings.go   CHAR/VARCHAR rules: UTF-8, blanks, lengths
//	number.go    integers, floats and booleans from bytes
//	decimal.go   Decimal and DECIMAL(p,s) parsing
//	datetime.go  date and time fields, Redshift's defaults, epochs
//	dtformat.go  DATEFORMAT/TIMEFORMAT format strings
//	dateauto.go  'auto' date and time recognition
//	json.go      JSON documents, 'auto', 'auto ignorecase' and jsonpaths
//	jsonpath.go  the jsonpaths expressions COPY accepts
//	columnar.go  what the Parquet and Avro readers share: conversions, nested values as JSON
//	parquet.go   Parquet, columns by position, failing at the first bad value
//	parquet_check.go  a Parquet file's footer and page headers checked before it is read
//	avro.go      Avro object container files, fields by name
//	errors.go    LoadError, the error codes and their reasons
package load
