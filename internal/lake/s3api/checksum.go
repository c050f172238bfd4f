package s3api

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"io"
	"net/http"
	"strings"

	"github.com/tarnlake/tarn/internal/awsapi"
)

// The flexible checksums S3 accepts, by the suffix of their header name.
var checksums = map[string]func() hash.Hash{
	"crc32":     func() hash.Hash { return crc32.NewIEEE() },
	"crc32c":    func() hash.Hash { return crc32.New(crc32.MakeTable(crc32.Castagnoli)) },
	"crc64nvme": func() hash.Hash { return crc64.New(crc64NVME) },
	"sha1":      sha1.New,
	"sha256":    sha256.New,
}

// crc64NVME is the CRC-64/NVME polynomial in the reversed form hash/crc64 takes.
var crc64NVME = crc64.MakeTable(0x9a6c9329ac4bc9b5)

type check struct {
	name string // for messages: "Content-MD5", "CRC32", ...
	h    hash.Hash
	want func() string // base64 digest, read at the end (trailers arrive last)
}

// verifier passes a body through and, at its end, compares every digest the
// client sent; a mismatch replaces io.EOF with BadDigest, so the store never
// commits the object.
type verifier struct {
	r      io.Reader
	checks []check
}

// verifyBody wraps body with the checks r asks for. md5 says whether to check
// Content-MD5 here (false when the store checks it itself).
func verifyBody(r *http.Request, body io.Reader, trailer func() map[string]string, withMD5 bool) (io.Reader, error) {
	v := &verifier{r: body}
	if withMD5 {
		if sum, err := contentMD5(r); err != nil {
			return nil, err
		} else if sum != nil {
			want := base64.StdEncoding.EncodeToString(sum)
			v.checks = append(v.checks, check{name: "Content-MD5", h: md5.New(), want: func() string { return want }})
		}
	}
	for alg, mk := range checksums {
		name := "x-amz-checksum-" + alg
		if val := r.Header.Get(name); val != "" {
			v.checks = append(v.checks, check{name: strings.ToUpper(alg), h: mk(), want: func() string { return val }})
			continue
		}
		for _, t := range strings.Split(r.Header.Get("X-Amz-Trailer"), ",") {
			if strings.EqualFold(strings.TrimSpace(t), name) && trailer != nil {
				v.checks = append(v.checks, check{name: strings.ToUpper(alg), h: mk(), want: func() string { return trailer()[name] }})
			}
		}
	}
	if len(v.checks) == 0 {
		return body, nil
	}
	return v, nil
}

func (v *verifier) Read(p []byte) (int, error) {
	n, err := v.r.Read(p)
	for _, c := range v.checks {
		c.h.Write(p[:n])
	}
	if err == io.EOF {
		for _, c := range v.checks {
			got := base64.StdEncoding.EncodeToString(c.h.Sum(nil))
			if want := c.want(); want == "" {
				return n, awsapi.Errorf(http.StatusBadRequest, "InvalidRequest", "the %s trailer was announced but not sent", c.name)
			} else if got != want {
				return n, awsapi.Errorf(http.StatusBadRequest, "BadDigest",
					"The %s you specified (%s) did not match the calculated checksum (%s).", c.name, want, got)
			}
		}
	}
	return n, err
}

// contentMD5 decodes the Content-MD5 header (nil when absent).
func contentMD5(r *http.Request) ([]byte, error) {
	v := r.Header.Get("Content-MD5")
	if v == "" {
		return nil, nil
	}
	sum, err := base64.StdEncoding.DecodeString(v)
	if err != nil || len(sum) != md5.Size {
		return nil, awsapi.Errorf(http.StatusBadRequest, "InvalidDigest", "The Content-MD5 you specified is not valid: %q", v)
	}
	return sum, nil
}
