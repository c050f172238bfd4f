package localfs

import (
	"fmt"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/tarnlake/tarn/internal/lake"
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
	maxName  = 255 // bytes in one file name on common Linux file systems
	chunkLen = 240 // bytes of encoded segment per continuation folder
	contMark = "%+"
)

// keyToPath returns the relative, slash-separated path that holds key.
func keyToPath(key string) (string, error) {
	if key == "" {
		return "", fmt.Errorf("%w: empty key", lake.ErrInvalidKey)
	}
	if len(key) > lake.MaxKeyLen {
		return "", fmt.Errorf("%w: %d bytes, the limit is %d", lake.ErrKeyTooLong, len(key), lake.MaxKeyLen)
	}
	if !utf8.ValidString(key) {
		return "", fmt.Errorf("%w: key is not valid UTF-8", lake.ErrInvalidKey)
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
	for len(enc) > maxName {
		n := chunkLen
		if i := strings.LastIndexByte(enc[n-2:n], '%'); i >= 0 {
			n = n - 2 + i
		}
		b.WriteString(enc[:n])
		b.WriteString(contMark)
		b.WriteByte('/')
		enc = enc[n:]
	}
	b.WriteString(enc)
}

// decodeName turns one file or folder name back into key bytes. cont reports
// a continuation folder: its decoded text joins its children without a "/".
func decodeName(name string) (seg string, cont bool, err error) {
	if name == "%" {
		return "", false, nil
	}
	if strings.HasSuffix(name, contMark) {
		name, cont = strings.TrimSuffix(name, contMark), true
	}
	if !strings.Contains(name, "%") {
		return name, cont, nil
	}
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		if name[i] != '%' {
			b.WriteByte(name[i])
			continue
		}
		if i+2 >= len(name) {
			return "", false, fmt.Errorf("bad escape in stored name %q", name)
		}
		switch name[i+1 : i+3] {
		case "25":
			b.WriteByte('%')
		case "00":
			b.WriteByte(0)
		case "2E":
			b.WriteByte('.')
		default:
			return "", false, fmt.Errorf("bad escape in stored name %q", name)
		}
		i += 2
	}
	return b.String(), cont, nil
}

// within reports whether path p (absolute, cleaned) lies inside dir.
func within(dir, p string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../") && !filepath.IsAbs(rel)
}
