package edge

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/tarnlake/tarn/internal/awsapi"
)

// maxSpool bounds a body spooled to learn its length (S3's single PUT limit).
const maxSpool = 5 << 30

// claimedKey returns the access key id a request names, before any check.
func claimedKey(r *http.Request) string {
	var id string
	if auth := r.Header.Get("Authorization"); auth != "" {
		if _, rest, ok := strings.Cut(auth, "Credential="); ok {
			id, _, _ = strings.Cut(rest, "/")
		} else if rest, ok := strings.CutPrefix(strings.TrimLeft(auth, " \t"), "AWS "); ok { // SigV2
			id, _, _ = strings.Cut(rest, ":")
		}
	} else if r.URL.RawQuery != "" {
		q := r.URL.Query()
		if id, _, _ = strings.Cut(q.Get("X-Amz-Credential"), "/"); id == "" {
			id = q.Get("AWSAccessKeyId") // SigV2
		}
	}
	id = strings.TrimSpace(id)
	if len(id) > 128 {
		id = id[:128]
	}
	return id
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

// spoolStep is how much of the spool budget a request takes at a time.
const spoolStep = 1 << 20

// spool copies the body to a temporary file under dir and replaces it, so
// that the request carries the length its signature covers. No handler sees
// the body before the signature is verified. The bytes spooled count
// against b until cleanup: a request takes its share a step at a time, may
// hold at most all of it (or maxSpool), and gets SlowDown when it cannot
// get the next step within wait.
func spool(r *http.Request, dir string, b *budget, wait time.Duration) (cleanup func(), err error) {
	f, err := os.CreateTemp(dir, "spool-*")
	if err != nil {
		return nil, err
	}
	var held int64
	cleanup = func() { f.Close(); os.Remove(f.Name()); b.release(held) }
	limit := min(int64(maxSpool), b.size)
	var n int64
	for err == nil {
		if n == held {
			if held == limit {
				var one [1]byte
				if k, rerr := io.ReadFull(r.Body, one[:]); k > 0 {
					err = awsapi.Errorf(http.StatusBadRequest, "EntityTooLarge",
						"a body sent without the Content-Length its signature covers is read before the signature can be checked, up to %d bytes; send its Content-Length, or upload in parts", limit)
				} else if rerr != io.EOF {
					err = rerr
				}
				break
			}
			step := min(spoolStep, limit-held)
			if !b.acquire(r.Context(), step, wait) {
				err = errSlowDown()
				break
			}
			held += step
		}
		var k int64
		k, err = io.CopyN(f, r.Body, held-n)
		n += k
		if err == io.EOF {
			err = nil
			break
		}
	}
	b.release(held - n)
	held = n
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
