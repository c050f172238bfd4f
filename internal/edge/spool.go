package edge

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/tarnlake/tarn/internal/awsapi"
)

// maxSpool bounds a body spooled to learn its length (S3's single PUT limit).
const maxSpool = 5 << 30

// claimedKey returns the access key id a request names, before any check.
func claimedKey(r *http.Request) string {
	cred := r.URL.Query().Get("X-Amz-Credential")
	if auth := r.Header.Get("Authorization"); auth != "" {
		if _, rest, ok := strings.Cut(auth, "Credential="); ok {
			cred = rest
		}
	}
	id, _, _ := strings.Cut(cred, "/")
	return strings.TrimSpace(id)
}

// needsSpool reports a request that signed a Content-Length it did not send:
// aws-sdk-go-v2 over TLS streams a body of known size with HTTP chunked
// transfer encoding yet signs its length. The signature can be checked only
// once the length is known.
func needsSpool(r *http.Request) bool {
	if r.ContentLength >= 0 || r.Body == nil || r.Body == http.NoBody {
		return false
	}
	signed := r.URL.Query().Get("X-Amz-SignedHeaders")
	if auth := r.Header.Get("Authorization"); auth != "" {
		if _, rest, ok := strings.Cut(auth, "SignedHeaders="); ok {
			signed, _, _ = strings.Cut(rest, ",")
		}
	}
	for _, h := range strings.Split(signed, ";") {
		if strings.TrimSpace(h) == "content-length" {
			return true
		}
	}
	return false
}

// spool copies the body to a temporary file under dir and replaces it, so
// that the request carries the length its signature covers. No handler sees
// the body before the signature is verified.
func spool(r *http.Request, dir string) (cleanup func(), err error) {
	f, err := os.CreateTemp(dir, "spool-*")
	if err != nil {
		return nil, err
	}
	cleanup = func() { f.Close(); os.Remove(f.Name()) }
	n, err := io.Copy(f, io.LimitReader(r.Body, maxSpool+1))
	if err == nil && n > maxSpool {
		err = awsapi.Errorf(http.StatusBadRequest, "EntityTooLarge", "the body exceeds %d bytes", int64(maxSpool))
	}
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		cleanup()
		return nil, fmt.Errorf("spool body: %w", err)
	}
	r.Body.Close()
	r.Body, r.ContentLength = f, n
	r.Header.Set("Content-Length", strconv.FormatInt(n, 10))
	r.TransferEncoding = nil
	return cleanup, nil
}
