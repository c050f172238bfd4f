package lake

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Keys map to paths below the bucket's folder segment by segment, so the lake
// stays a plain tree that other tools (and DuckDB's hive partitioning) can read.
// A segment is stored as is unless it could escape or collide:
//
//	"%"        -> "%25"   (the escape character itself)
//	""         -> "%"     (empty segment: leading "/", "a//b", trailing "/")
//	"." ".."   -> "%2E" "%2E%2E"
//	NUL        -> "%00"
//
// A segment longer than a file name may be is split into chunks; every chunk
// but the last is a folder whose name ends in "%+". Neither "%" alone nor "%+"
// can come out of escaping, so decoding is unambiguous.
const (
	MaxPathName         = 255  // bytes in one file name on common Linux file systems
	chunkLen            = 240  // bytes of encoded segment per continuation folder
	KeyPathContinuation = "%+" // ends the name of a continuation folder
)

// KeyPath returns the relative, slash-separated path that holds key in a
// folder tree: the local-folder backend's layout, which the query engine's
// cache of a remote lake copies so that one view reads either.
func KeyPath(key string) (string, error) {
	if key == "" {
		return "", fmt.Errorf("%w: empty key", ErrInvalidKey)
	}
	if len(key) > MaxKeyLen {
		return "", fmt.Errorf("%w: %d bytes, the limit is %d", ErrKeyTooLong, len(key), MaxKeyLen)
	}
	if !utf8.ValidString(key) {
		return "", fmt.Errorf("%w: key is not valid UTF-8", ErrInvalidKey)
	}
	var b strings.Builder
	for i, seg := range strings.Split(key, "/") {
		if i > 0 {
			b.WriteByte('/')
		}
		writeSegment(&b, encodeSegment(seg))
	}
	return b.String(), nil
}

func encodeSegment(seg string) string {
	switch seg {
	case "":
		return "%"
	case ".":
		return "%2E"
	case "..":
		return "%2E%2E"
	}
	if !strings.ContainsAny(seg, "%\x00") {
		return seg
	}
	var b strings.Builder
	for i := 0; i < len(seg); i++ {
		switch seg[i] {
		case '%':
			b.WriteString("%25")
		case 0:
			b.WriteString("%00")
		default:
			b.WriteByte(seg[i])
		}
	}
	return b.String()
}

// writeSegment writes an encoded segment, split into continuation folders
// when it is too long for one file name. Splits never cut an escape.
func writeSegment(b *strings.Builder, enc string) {
	for len(enc) > MaxPathName {
		n := chunkLen
		if i := strings.LastIndexByte(enc[n-2:n], '%'); i >= 0 {
			n = n - 2 + i
		}
		b.WriteString(enc[:n])
		b.WriteString(KeyPathContinuation)
		b.WriteByte('/')
		enc = enc[n:]
	}
	b.WriteString(enc)
}
