package s3

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/tarnlake/tarn/internal/lake"
)

// The headers S3 stores with an object besides Content-Type, in canonical
// form. PutOptions.Headers may hold others; S3 would not keep them, so they
// are dropped.
const (
	hCacheControl       = "Cache-Control"
	hContentDisposition = "Content-Disposition"
	hContentEncoding    = "Content-Encoding"
	hContentLanguage    = "Content-Language"
	hExpires            = "Expires"
)

// writeHeaders is what PutObject and CreateMultipartUpload send about an
// object, in the SDK's shape.
type writeHeaders struct {
	contentType        *string
	cacheControl       *string
	contentDisposition *string
	contentEncoding    *string
	contentLanguage    *string
	expires            *time.Time
	metadata           map[string]string
}

func newWriteHeaders(opts lake.PutOptions) (writeHeaders, error) {
	w := writeHeaders{contentType: nonEmpty(opts.ContentType), metadata: opts.Metadata}
	for name, v := range opts.Headers {
		switch http.CanonicalHeaderKey(name) {
		case hCacheControl:
			w.cacheControl = &v
		case hContentDisposition:
			w.contentDisposition = &v
		case hContentEncoding:
			w.contentEncoding = &v
		case hContentLanguage:
			w.contentLanguage = &v
		case hExpires:
			// The SDK takes a time and writes it back in HTTP date form.
			t, err := http.ParseTime(v)
			if err != nil {
				return writeHeaders{}, fmt.Errorf("s3: expires header %q: %w", v, err)
			}
			w.expires = &t
		}
	}
	return w, nil
}

// readHeaders is what GetObject and HeadObject tell about an object.
type readHeaders struct {
	etag, contentType                *string
	cacheControl, contentDisposition *string
	contentEncoding, contentLanguage *string
	expires                          *string
	lastModified                     *time.Time
	metadata                         map[string]string
	tagCount                         *int32
}

func (r readHeaders) info(key string, size int64) lake.ObjectInfo {
	h := make(map[string]string)
	for name, v := range map[string]*string{
		hCacheControl:       r.cacheControl,
		hContentDisposition: r.contentDisposition,
		hContentEncoding:    r.contentEncoding,
		hContentLanguage:    r.contentLanguage,
		hExpires:            r.expires,
	} {
		if v != nil && *v != "" {
			h[name] = *v
		}
	}
	meta := make(map[string]string, len(r.metadata))
	for k, v := range r.metadata {
		meta[strings.ToLower(k)] = v
	}
	return lake.ObjectInfo{
		Key:          key,
		Size:         size,
		ETag:         unquote(r.etag),
		LastModified: aws.ToTime(r.lastModified),
		ContentType:  aws.ToString(r.contentType),
		Headers:      h,
		Metadata:     meta,
		TagCount:     int(aws.ToInt32(r.tagCount)),
	}
}

// unquote strips the quotes S3 puts around ETags.
func unquote(etag *string) string {
	return strings.Trim(aws.ToString(etag), `"`)
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
