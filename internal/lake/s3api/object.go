package s3api

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tarnlake/tarn/internal/awsapi"
	"github.com/tarnlake/tarn/internal/lake"
)

// maxPutSize is S3's limit on a single PUT; bigger objects need multipart.
const maxPutSize = 5 << 30

// storedHeaders are the standard headers kept with an object and returned.
var storedHeaders = []string{"Cache-Control", "Content-Disposition", "Content-Encoding", "Content-Language", "Expires"}

// putOptions collects what a PUT or CreateMultipartUpload says about the object.
func putOptions(h http.Header) (lake.PutOptions, error) {
	opts := lake.PutOptions{Size: -1, ContentType: h.Get("Content-Type")}
	for _, name := range storedHeaders {
		v := h.Get(name)
		if name == "Content-Encoding" {
			v = stripAWSChunked(v)
		}
		if v != "" {
			if opts.Headers == nil {
				opts.Headers = map[string]string{}
			}
			opts.Headers[name] = v
		}
	}
	size := 0
	for name, vs := range h {
		if m, ok := strings.CutPrefix(strings.ToLower(name), "x-amz-meta-"); ok {
			if opts.Metadata == nil {
				opts.Metadata = map[string]string{}
			}
			opts.Metadata[m] = strings.Join(vs, ",")
			size += len(m) + len(opts.Metadata[m])
		}
	}
	if size > 2048 {
		return opts, awsapi.Errorf(http.StatusBadRequest, "MetadataTooLarge",
			"Your metadata headers exceed the maximum allowed metadata size: %d bytes, the limit is 2048", size)
	}
	tags, err := headerTags(h)
	opts.Tags = tags
	return opts, err
}

// stripAWSChunked removes the transfer framing from Content-Encoding: it
// describes how the body travelled, not the object.
func stripAWSChunked(v string) string {
	var keep []string
	for _, e := range strings.Split(v, ",") {
		if e = strings.TrimSpace(e); e != "" && !strings.EqualFold(e, "aws-chunked") {
			keep = append(keep, e)
		}
	}
	return strings.Join(keep, ",")
}

// payload returns the request body to store and its length. The edge has
// already replaced aws-chunked framing and set ContentLength to the decoded size.
func payload(r *http.Request, withMD5 bool) (io.Reader, int64, error) {
	if r.ContentLength < 0 {
		return nil, 0, awsapi.Errorf(http.StatusLengthRequired, "MissingContentLength", "You must provide the Content-Length HTTP header.")
	}
	if r.ContentLength > maxPutSize {
		return nil, 0, awsapi.Errorf(http.StatusBadRequest, "EntityTooLarge",
			"Your proposed upload of %d bytes exceeds the maximum allowed object size of %d bytes.", r.ContentLength, int64(maxPutSize))
	}
	body, err := verifyBody(r, r.Body, awsapi.InfoFrom(r.Context()).Trailer, withMD5)
	return body, r.ContentLength, err
}

func (a *API) putObject(w http.ResponseWriter, r *http.Request, bucket, key string) error {
	if r.Header.Get("X-Amz-Copy-Source") != "" {
		return a.copyObject(w, r, bucket, key)
	}
	opts, err := putOptions(r.Header)
	if err != nil {
		return err
	}
	if opts.MD5, err = contentMD5(r); err != nil {
		return err
	}
	body, size, err := payload(r, false) // the store checks Content-MD5 with the MD5 it computes anyway
	if err != nil {
		return err
	}
	opts.Size = size
	oi, err := a.store.Put(r.Context(), bucket, key, body, opts)
	if err != nil {
		return err
	}
	echoChecksums(w, r)
	w.Header().Set("ETag", quote(oi.ETag))
	return nil
}

// echoChecksums returns the checksums the client sent, as S3 does.
func echoChecksums(w http.ResponseWriter, r *http.Request) {
	tr := awsapi.InfoFrom(r.Context()).Trailer
	for alg := range checksums {
		name := "x-amz-checksum-" + alg
		v := r.Header.Get(name)
		if v == "" && tr != nil {
			v = tr()[name]
		}
		if v != "" {
			w.Header().Set(name, v)
		}
	}
}

func (a *API) getObject(w http.ResponseWriter, r *http.Request, bucket, key string) error {
	rng, err := parseRange(r.Header.Get("Range"))
	if err != nil {
		return err
	}
	var (
		body io.ReadCloser
		oi   lake.ObjectInfo
	)
	if r.Method == http.MethodHead {
		oi, err = a.store.Head(r.Context(), bucket, key)
	} else {
		body, oi, err = a.store.Get(r.Context(), bucket, key, rng)
	}
	if err != nil {
		if oi.Size > 0 || oi.ETag != "" {
			w.Header().Set("Content-Range", fmt.Sprintf("bytes */%d", oi.Size))
		}
		return err
	}
	if body != nil {
		defer body.Close()
	}
	if status := preconditions(r.Header, oi); status != 0 {
		setObjectHeaders(w, r, oi)
		if status == http.StatusPreconditionFailed {
			return awsapi.Errorf(status, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold")
		}
		w.WriteHeader(status)
		return nil
	}
	setObjectHeaders(w, r, oi)
	status, n := http.StatusOK, oi.Size
	if rng != nil {
		start, length, err := lake.Resolve(*rng, oi.Size)
		if err != nil {
			w.Header().Set("Content-Range", fmt.Sprintf("bytes */%d", oi.Size))
			return err
		}
		status, n = http.StatusPartialContent, length
		w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, start+length-1, oi.Size))
	}
	w.Header().Set("Content-Length", strconv.FormatInt(n, 10))
	w.WriteHeader(status)
	if body != nil {
		// A client that goes away mid-body only ends its own response. The
		// writer's ReadFrom comes first: io.Copy would prefer the file's
		// WriteTo, which cannot sendfile into a wrapped ResponseWriter.
		if rf, ok := w.(io.ReaderFrom); ok {
			rf.ReadFrom(body)
		} else {
			io.Copy(w, body)
		}
	}
	return nil
}

func setObjectHeaders(w http.ResponseWriter, r *http.Request, oi lake.ObjectInfo) {
	h := w.Header()
	h.Set("ETag", quote(oi.ETag))
	h.Set("Last-Modified", oi.LastModified.UTC().Format(http.TimeFormat))
	h.Set("Accept-Ranges", "bytes")
	ct := oi.ContentType
	if ct == "" {
		ct = "binary/octet-stream"
	}
	h.Set("Content-Type", ct)
	for k, v := range oi.Headers {
		h.Set(k, v)
	}
	for k, v := range oi.Metadata {
		h["X-Amz-Meta-"+k] = []string{v}
	}
	if oi.TagCount > 0 {
		h.Set("X-Amz-Tagging-Count", strconv.Itoa(oi.TagCount))
	}
	// Presigned links may override response headers.
	q := r.URL.Query()
	for _, o := range [][2]string{
		{"response-content-type", "Content-Type"}, {"response-content-disposition", "Content-Disposition"},
		{"response-content-encoding", "Content-Encoding"}, {"response-content-language", "Content-Language"},
		{"response-cache-control", "Cache-Control"}, {"response-expires", "Expires"},
	} {
		if v := q.Get(o[0]); v != "" {
			h.Set(o[1], v)
		}
	}
}

// parseRange reads a "bytes=" Range header; S3 serves only one range.
func parseRange(v string) (*lake.Range, error) {
	if v == "" {
		return nil, nil
	}
	spec, ok := strings.CutPrefix(v, "bytes=")
	if !ok || strings.Contains(spec, ",") {
		return nil, nil // S3 ignores ranges it does not understand
	}
	first, last, ok := strings.Cut(strings.TrimSpace(spec), "-")
	if !ok {
		return nil, nil
	}
	if first == "" {
		n, err := strconv.ParseInt(last, 10, 64)
		if err != nil || n < 0 {
			return nil, nil
		}
		return &lake.Range{Start: -1, End: n}, nil
	}
	start, err := strconv.ParseInt(first, 10, 64)
	if err != nil || start < 0 {
		return nil, nil
	}
	end := int64(-1)
	if last != "" {
		if end, err = strconv.ParseInt(last, 10, 64); err != nil || end < start {
			return nil, nil
		}
	}
	return &lake.Range{Start: start, End: end}, nil
}

// preconditions evaluates If-* headers as S3 does: 0 to go on, else the
// status to answer with.
func preconditions(h http.Header, oi lake.ObjectInfo) int {
	match := func(v string) bool {
		for _, t := range strings.Split(v, ",") {
			if t = strings.Trim(strings.TrimSpace(t), `"`); t == "*" || t == oi.ETag {
				return true
			}
		}
		return false
	}
	mod := oi.LastModified.Truncate(time.Second)
	since := func(name string) (time.Time, bool) {
		t, err := http.ParseTime(h.Get(name))
		return t, err == nil
	}
	im, inm := h.Get("If-Match"), h.Get("If-None-Match")
	if im != "" && !match(im) {
		return http.StatusPreconditionFailed
	}
	if t, ok := since("If-Unmodified-Since"); ok && im == "" && mod.After(t) {
		return http.StatusPreconditionFailed
	}
	if inm != "" && match(inm) {
		return http.StatusNotModified
	}
	if t, ok := since("If-Modified-Since"); ok && inm == "" && !mod.After(t) {
		return http.StatusNotModified
	}
	return 0
}

// deleteObject removes key; with If-Match only if the key's ETag is the one
// named, checked by the store in the same step as the removal (a HEAD
// first would race a writer), answering 412 otherwise and 404 for a
// missing key, as S3 does.
func (a *API) deleteObject(w http.ResponseWriter, r *http.Request, bucket, key string) error {
	var err error
	if etag := strings.TrimSpace(r.Header.Get("If-Match")); etag != "" {
		err = a.store.DeleteIf(r.Context(), bucket, key, etag)
	} else {
		err = a.store.Delete(r.Context(), bucket, key)
	}
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) deleteObjects(w http.ResponseWriter, r *http.Request, bucket, _ string) error {
	var req deleteRequest
	if err := readXML(r.Body, 2<<20, &req); err != nil {
		return err
	}
	if len(req.Objects) == 0 || len(req.Objects) > 1000 {
		return awsapi.Errorf(http.StatusBadRequest, "MalformedXML", "a Delete request names 1 to 1000 objects, this one %d", len(req.Objects))
	}
	if _, err := a.store.HeadBucket(r.Context(), bucket); err != nil {
		return err
	}
	res := deleteResult{NS: s3NS}
	for _, o := range req.Objects {
		if err := a.store.Delete(r.Context(), bucket, o.Key); err != nil {
			if r.Context().Err() != nil {
				return context.Cause(r.Context())
			}
			res.Errors = append(res.Errors, deleteError{Key: o.Key, Code: "InternalError", Message: err.Error()})
			continue
		}
		if !req.Quiet {
			res.Deleted = append(res.Deleted, struct{ Key string }{o.Key})
		}
	}
	return writeXML(w, res)
}
