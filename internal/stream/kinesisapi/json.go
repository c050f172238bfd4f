package kinesisapi

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"strings"
	"time"
)

// streamRef names a stream by StreamName or StreamARN, as every stream
// operation allows.
type streamRef struct {
	StreamName *string
	StreamARN  *string
}

// resolve returns the stream's name, noting what is wrong with the
// reference in v.
func (s streamRef) resolve(v *validation) string {
	if s.StreamARN != nil {
		name, ok := arnName(*s.StreamARN)
		if !ok {
			v.fail("streamARN", s.StreamARN, "Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+")
			return ""
		}
		if s.StreamName != nil && *s.StreamName != name {
			v.fail("streamName", s.StreamName, "Member must name the stream of streamARN")
		}
		return name
	}
	v.name("streamName", s.StreamName, true)
	if s.StreamName == nil {
		return ""
	}
	return *s.StreamName
}

// arnName returns the stream name of "arn:aws:kinesis:<region>:<account>:stream/<name>".
func arnName(arn string) (string, bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || !strings.HasPrefix(parts[1], "aws") || parts[2] != "kinesis" {
		return "", false
	}
	name, ok := strings.CutPrefix(parts[5], "stream/")
	if !ok || len(name) > 128 || !validName(name) {
		return "", false
	}
	return name, true
}

// blob decodes a base64 member as AWS's JSON protocol carries bytes.
func blob(field string, s string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, serialization("member %s is not valid base64: %v", field, err)
	}
	return b, nil
}

// epochTime converts a request's epoch seconds; ok is false for values no
// time can hold.
func epochTime(sec float64) (time.Time, bool) {
	if math.IsNaN(sec) || math.IsInf(sec, 0) || math.Abs(sec) > 1e11 {
		return time.Time{}, false
	}
	return time.UnixMilli(int64(math.Round(sec * 1000))), true
}

// appendJSONString appends s as a JSON string; plain ASCII, the usual
// partition key, is copied as is.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return appendJSONValue(b, s)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendJSONValue appends v as encoding/json writes it.
func appendJSONValue(b []byte, v any) []byte {
	enc, _ := json.Marshal(v)
	return append(b, enc...)
}
