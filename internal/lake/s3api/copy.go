package s3api

import (
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/awsapi"
	"github.com/tarnlake/tarn/internal/lake"
)

// copySource parses x-amz-copy-source ("bucket/key" or "/bucket/key",
// URL-encoded, maybe with "?versionId=") and checks the caller may read it.
func copySource(r *http.Request) (bucket, key string, err error) {
	v := r.Header.Get("X-Amz-Copy-Source")
	v, _, _ = strings.Cut(v, "?")
	src, uerr := url.PathUnescape(strings.TrimPrefix(v, "/"))
	bucket, key, ok := strings.Cut(src, "/")
	if uerr != nil || !ok || bucket == "" || key == "" {
		return "", "", awsapi.Errorf(http.StatusBadRequest, "InvalidArgument", "Copy Source must mention the source bucket and key: sourcebucket/sourcekey, not %q", v)
	}
	if k := awsapi.InfoFrom(r.Context()).Key; k != nil && !k.Allowed(access.Read, access.Bucket(bucket)) {
		return "", "", awsapi.Errorf(http.StatusForbidden, "AccessDenied", "Access Denied: key %s may not read bucket %s", k.ID, bucket)
	}
	return bucket, key, nil
}

// copyPreconditions applies the x-amz-copy-source-if-* headers to the source.
func copyPreconditions(r *http.Request, oi lake.ObjectInfo) error {
	h := http.Header{}
	for _, n := range []string{"Match", "None-Match", "Modified-Since", "Unmodified-Since"} {
		if v := r.Header.Get("X-Amz-Copy-Source-If-" + n); v != "" {
			h.Set("If-"+n, v)
		}
	}
	if preconditions(h, oi) != 0 {
		return awsapi.Errorf(http.StatusPreconditionFailed, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold")
	}
	return nil
}

func (a *API) copyObject(w http.ResponseWriter, r *http.Request, bucket, key string) error {
	sb, sk, err := copySource(r)
	if err != nil {
		return err
	}
	body, src, err := a.store.Get(r.Context(), sb, sk, nil)
	if err != nil {
		return err
	}
	defer body.Close()
	if err := copyPreconditions(r, src); err != nil {
		return err
	}
	opts := lake.PutOptions{Size: src.Size, ContentType: src.ContentType, Headers: src.Headers, Metadata: src.Metadata}
	if strings.EqualFold(r.Header.Get("X-Amz-Metadata-Directive"), "REPLACE") {
		if opts, err = putOptions(r.Header); err != nil {
			return err
		}
		opts.Size = src.Size
	} else if sb == bucket && sk == key {
		return awsapi.Errorf(http.StatusBadRequest, "InvalidRequest",
			"This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.")
	}
	if opts.Tags, err = a.copyTags(r, sb, sk, src); err != nil {
		return err
	}
	oi, err := a.store.Put(lake.WithEventName(r.Context(), "ObjectCreated:Copy"), bucket, key, body, opts)
	if err != nil {
		return err
	}
	return writeXML(w, copyResult{XMLName: xml.Name{Space: s3NS, Local: "CopyObjectResult"}, ETag: quote(oi.ETag), LastModified: isoTime(oi.LastModified)})
}

// copyTags picks the copy's tags by x-amz-tagging-directive: the source's
// (COPY, the default) or those of x-amz-tagging (REPLACE).
func (a *API) copyTags(r *http.Request, sb, sk string, src lake.ObjectInfo) (map[string]string, error) {
	switch d := r.Header.Get("X-Amz-Tagging-Directive"); strings.ToUpper(d) {
	case "", "COPY":
		if src.TagCount == 0 {
			return nil, nil
		}
		return a.store.ObjectTags(r.Context(), sb, sk)
	case "REPLACE":
		return headerTags(r.Header)
	default:
		return nil, awsapi.Errorf(http.StatusBadRequest, "InvalidArgument", "Unknown tagging directive: %q", d)
	}
}

func (a *API) uploadPartCopy(w http.ResponseWriter, r *http.Request, bucket, key, id string, n int) error {
	sb, sk, err := copySource(r)
	if err != nil {
		return err
	}
	var rng *lake.Range
	if v := r.Header.Get("X-Amz-Copy-Source-Range"); v != "" {
		if rng, _ = parseRange(v); rng == nil || rng.Start < 0 || rng.End < 0 {
			return awsapi.Errorf(http.StatusBadRequest, "InvalidArgument", "The x-amz-copy-source-range value must be of the form bytes=first-last, not %q", v)
		}
	}
	body, src, err := a.store.Get(r.Context(), sb, sk, rng)
	if err != nil {
		return err
	}
	defer body.Close()
	if err := copyPreconditions(r, src); err != nil {
		return err
	}
	size := src.Size
	if rng != nil {
		if rng.End >= src.Size {
			return awsapi.Errorf(http.StatusBadRequest, "InvalidRange", "The x-amz-copy-source-range %d-%d lies outside the %d-byte source", rng.Start, rng.End, src.Size)
		}
		size = rng.End - rng.Start + 1
	}
	p, err := a.store.UploadPart(r.Context(), bucket, key, id, n, io.LimitReader(body, size), size)
	if err != nil {
		return err
	}
	return writeXML(w, copyResult{XMLName: xml.Name{Space: s3NS, Local: "CopyPartResult"}, ETag: quote(p.ETag), LastModified: isoTime(p.LastModified)})
}
