package prefix

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// ObjectName is the S3 key of a delivered object:
// <prefix><stream>-<version>-<yyyy>-<MM>-<dd>-<HH>-<mm>-<ss>-<id><ext>.
// prefix is an evaluated template, version the destination's
// DeliveryStreamVersion (from 1), id a UUID, ext from Extension. The time is
// printed in at's own location; the caller chooses it.
func ObjectName(prefix, stream string, version int, at time.Time, id, ext string) string {
	b := make([]byte, 0, len(prefix)+len(stream)+len(id)+len(ext)+32)
	b = append(b, prefix...)
	b = append(b, stream...)
	b = append(b, '-')
	b = strconv.AppendInt(b, int64(version), 10)
	b = at.AppendFormat(b, "-2006-01-02-15-04-05-")
	b = append(b, id...)
	b = append(b, ext...)
	return string(b)
}

// compressionExt maps the API's CompressionFormat values to the extension
// Firehose appends.
var compressionExt = map[string]string{
	"":              "",
	"UNCOMPRESSED":  "",
	"GZIP":          ".gz",
	"ZIP":           ".zip",
	"Snappy":        ".snappy",
	"HADOOP_SNAPPY": ".snappy",
}

// fileExtRE is the API's FileExtension pattern (max 128 characters).
var fileExtRE = regexp.MustCompile(`^\.[0-9a-z!\-_.*'()]+$`)

// Extension returns the extension Firehose appends to delivered objects.
// fileExtension (the FileExtension setting) wins when set. Otherwise
// converted output (Parquet, ORC) gets none, and the rest follow
// CompressionFormat.
func Extension(compression string, converted bool, fileExtension string) (string, error) {
	if fileExtension != "" {
		if err := ValidateFileExtension(fileExtension); err != nil {
			return "", err
		}
		return fileExtension, nil
	}
	ext, ok := compressionExt[compression]
	if !ok {
		return "", &ConfigError{Code: CodeValidation, Field: "CompressionFormat",
			Message: fmt.Sprintf("1 validation error detected: Value '%s' at 'compressionFormat' failed to satisfy constraint: "+
				"Member must satisfy enum value set: [UNCOMPRESSED, GZIP, ZIP, Snappy, HADOOP_SNAPPY]", compression)}
	}
	if converted {
		return "", nil
	}
	return ext, nil
}

// ValidateFileExtension checks a FileExtension setting: empty, or a dot
// followed by lower-case letters, digits and !-_.*'() (at most 128).
func ValidateFileExtension(ext string) error {
	if ext == "" || (len(ext) <= 128 && fileExtRE.MatchString(ext)) {
		return nil
	}
	return &ConfigError{Code: CodeValidation, Field: "FileExtension",
		Message: fmt.Sprintf("1 validation error detected: Value '%s' at 'fileExtension' failed to satisfy constraint: "+
			"Member must satisfy regular expression pattern: ^$|\\.[0-9a-z!\\-_.*'()]+ and have length less than or equal to 128", ext)}
}

// zoneRE is the API's CustomTimeZone pattern (max 50 characters).
var zoneRE = regexp.MustCompile(`^[a-zA-Z/_]+$`)

// LoadZone resolves a CustomTimeZone: empty means UTC, otherwise an IANA
// name. The API pattern allows only letters, "/" and "_", so names such as
// Etc/GMT+9 are refused as AWS does. It needs the tz database on the host
// or time/tzdata linked into the binary.
func LoadZone(name string) (*time.Location, error) {
	if name == "" {
		return time.UTC, nil
	}
	if len(name) > 50 || !zoneRE.MatchString(name) {
		return nil, &ConfigError{Code: CodeValidation, Field: "CustomTimeZone",
			Message: fmt.Sprintf("1 validation error detected: Value '%s' at 'customTimeZone' failed to satisfy constraint: "+
				"Member must satisfy regular expression pattern: ^$|[a-zA-Z/_]+ and have length less than or equal to 50", name)}
	}
	if name == "Local" {
		// Go's name for the host zone; it would make names depend on the host.
		return nil, invalidZone(name, nil)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, invalidZone(name, err)
	}
	return loc, nil
}

func invalidZone(name string, err error) error {
	return &ConfigError{Code: CodeInvalidArgument, Field: "CustomTimeZone",
		Message: fmt.Sprintf("CustomTimeZone %q is not a supported time zone", name), Err: err}
}

// RandomString returns a value for !{firehose:random-string}: 11 random
// characters shaped like the docs' example (046b6c7f-0b), a UUID's start.
func RandomString() string {
	var raw [5]byte
	_, _ = rand.Read(raw[:]) // crypto/rand.Read never fails on supported platforms
	h := hex.EncodeToString(raw[:])
	return h[:8] + "-" + h[8:]
}
