package e2e

import (
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"math/rand/v2"
)

// genBytes returns n pseudo-random bytes that depend only on seed, so that
// content can be regenerated to check what the server stored.
func genBytes(seed uint64, n int) []byte {
	var s [32]byte
	binary.LittleEndian.PutUint64(s[:], seed)
	b := make([]byte, n)
	rand.NewChaCha8(s).Read(b)
	return b
}

// md5Hex is the plain (single PUT) S3 ETag of b, without quotes.
func md5Hex(b []byte) string {
	s := md5.Sum(b)
	return hex.EncodeToString(s[:])
}

// multipartETag is S3's ETag of an object uploaded in parts of partSize
// bytes: the MD5 of the parts' binary MD5s, then "-N". Quoted.
func multipartETag(b []byte, partSize int) string {
	h, n := md5.New(), 0
	for off := 0; off < len(b); off += partSize {
		s := md5.Sum(b[off:min(off+partSize, len(b))])
		h.Write(s[:])
		n++
	}
	return fmt.Sprintf(`"%s-%d"`, hex.EncodeToString(h.Sum(nil)), n)
}

// s3ErrorDoc is S3's XML error document.
type s3ErrorDoc struct {
	XMLName xml.Name `xml:"Error"`
	Code    string
	Message string
}

// errorCode returns the <Code> of an S3 error document, or "" when body is
// not one.
func errorCode(body []byte) string {
	var e s3ErrorDoc
	if err := xml.Unmarshal(body, &e); err != nil {
		return ""
	}
	return e.Code
}
