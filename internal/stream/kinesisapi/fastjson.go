package kinesisapi

import "unicode/utf8"

// putRecordsReq is PutRecords' request.
type putRecordsReq struct {
	streamRef
	Records []putEntry
}

// scanPutRecords parses the shape every SDK sends for PutRecords, strings
// without escapes and no other members, in one pass without reflection:
// decoding 500 records through encoding/json cost more than storing them.
// Anything else reports false, and the caller decodes with encoding/json,
// which also words the errors.
func scanPutRecords(b []byte, req *putRecordsReq) bool {
	s := scanner{b: b}
	if !s.byte('{') {
		return false
	}
	for first := true; ; first = false {
		if s.byte('}') {
			return s.end()
		}
		if !first && !s.byte(',') {
			return false
		}
		key, ok := s.str()
		if !ok || !s.byte(':') {
			return false
		}
		switch key {
		case "StreamName", "StreamARN":
			v, ok := s.str()
			if !ok {
				return false
			}
			if key == "StreamName" {
				req.StreamName = &v
			} else {
				req.StreamARN = &v
			}
		case "Records":
			if !s.records(req) {
				return false
			}
		default:
			return false
		}
	}
}

type scanner struct {
	b []byte
	i int
}

func (s *scanner) space() {
	for s.i < len(s.b) && (s.b[s.i] == ' ' || s.b[s.i] == '\n' || s.b[s.i] == '\r' || s.b[s.i] == '\t') {
		s.i++
	}
}

// byte consumes c if it comes next.
func (s *scanner) byte(c byte) bool {
	s.space()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

func (s *scanner) end() bool {
	s.space()
	return s.i == len(s.b)
}

// str reads a string of valid UTF-8 with no escapes and no control characters.
func (s *scanner) str() (string, bool) {
	if !s.byte('"') {
		return "", false
	}
	start := s.i
	for ; s.i < len(s.b); s.i++ {
		switch c := s.b[s.i]; {
		case c == '"':
			if !utf8.Valid(s.b[start:s.i]) {
				return "", false // encoding/json would substitute U+FFFD
			}
			v := string(s.b[start:s.i])
			s.i++
			return v, true
		case c == '\\' || c < 0x20:
			return "", false
		}
	}
	return "", false
}

func (s *scanner) records(req *putRecordsReq) bool {
	if !s.byte('[') {
		return false
	}
	req.Records = make([]putEntry, 0, 500)
	if s.byte(']') {
		return true
	}
	for {
		var e putEntry
		if !s.byte('{') {
			return false
		}
		for first := true; !s.byte('}'); first = false {
			if !first && !s.byte(',') {
				return false
			}
			key, ok := s.str()
			if !ok || !s.byte(':') {
				return false
			}
			v, ok := s.str()
			if !ok {
				return false
			}
			switch key {
			case "Data":
				e.Data = &v
			case "PartitionKey":
				e.PartitionKey = &v
			case "ExplicitHashKey":
				e.ExplicitHashKey = &v
			default:
				return false
			}
		}
		req.Records = append(req.Records, e)
		if s.byte(']') {
			return true
		}
		if !s.byte(',') {
			return false
		}
	}
}
