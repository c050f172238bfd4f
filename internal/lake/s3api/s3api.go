// Package s3api serves the S3 REST-XML API over a lake.Store: bucket and
// object operations, listings, copies and multipart uploads, with S3's
// headers, conditions, checksums and error codes. The edge has verified the
// caller's signature before a request gets here; this package authorises it.
package s3api

import (
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/awsapi"
	"github.com/tarnlake/tarn/internal/lake"
)

// Options configures the API.
type Options struct {
	// Domains under which "bucket.<domain>" hosts address a bucket
	// (virtual-host style); any other host is path style.
	Domains []string
	Region  string
}

// API is the S3 handler.
type API struct {
	store lake.Store
	log   *slog.Logger
	opts  Options
	owner owner
}

// New serves store.
func New(store lake.Store, log *slog.Logger, opts Options) *API {
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	return &API{store: store, log: log.With("component", "s3api"), opts: opts, owner: owner{ID: "tarn", DisplayName: "tarn"}}
}

// target splits a request into bucket and key, path or virtual-host style.
func (a *API) target(r *http.Request) (bucket, key string) {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	path := r.URL.Path
	for _, d := range a.opts.Domains {
		if b, ok := strings.CutSuffix(host, "."+d); ok && b != "" {
			return b, strings.TrimPrefix(path, "/")
		}
	}
	path = strings.TrimPrefix(path, "/")
	bucket, key, _ = strings.Cut(path, "/")
	return bucket, key
}

func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	bucket, key := a.target(r)
	q := r.URL.Query()
	op, action, h := a.route(r.Method, bucket, key, q)
	in := awsapi.InfoFrom(r.Context())
	in.Op = op
	if h == nil {
		awsapi.WriteXML(w, r, awsapi.Errorf(http.StatusMethodNotAllowed, "MethodNotAllowed",
			"The specified method is not allowed against this resource."))
		return
	}
	if bucket != "" && in.Key != nil && !in.Key.Allowed(action, access.Bucket(bucket)) {
		awsapi.WriteXML(w, r, awsapi.Errorf(http.StatusForbidden, "AccessDenied",
			"Access Denied: key %s may not %s bucket %s", in.Key.ID, action, bucket))
		return
	}
	if err := h(w, r, bucket, key); err != nil {
		a.fail(w, r, err)
	}
}

type handler func(w http.ResponseWriter, r *http.Request, bucket, key string) error

// route picks the operation from method, target and query, as S3 does.
func (a *API) route(method, bucket, key string, q url.Values) (string, access.Action, handler) {
	has := func(k string) bool { _, ok := q[k]; return ok }
	switch {
	case bucket == "":
		if method == http.MethodGet {
			return "ListBuckets", access.Read, a.listBuckets
		}
	case key == "":
		switch method {
		case http.MethodPut:
			return "CreateBucket", access.Write, a.createBucket
		case http.MethodHead:
			return "HeadBucket", access.Read, a.headBucket
		case http.MethodDelete:
			return "DeleteBucket", access.Write, a.deleteBucket
		case http.MethodPost:
			if has("delete") {
				return "DeleteObjects", access.Write, a.deleteObjects
			}
		case http.MethodGet:
			switch {
			case has("uploads"):
				return "ListMultipartUploads", access.Read, a.listUploads
			case has("location"):
				return "GetBucketLocation", access.Read, a.bucketLocation
			case q.Get("list-type") == "2":
				return "ListObjectsV2", access.Read, a.listObjectsV2
			case len(q) == 0 || has("prefix") || has("delimiter") || has("marker") || has("max-keys") || has("encoding-type"):
				return "ListObjects", access.Read, a.listObjectsV1
			}
			return "GetBucketSubresource", access.Read, a.notImplemented
		}
	default:
		switch method {
		case http.MethodPut:
			switch {
			case has("partNumber") && has("uploadId"):
				return "UploadPart", access.Write, a.uploadPart
			case has("tagging") || has("acl") || has("retention") || has("legal-hold"):
				return "PutObjectSubresource", access.Write, a.notImplemented
			}
			return "PutObject", access.Write, a.putObject
		case http.MethodGet:
			switch {
			case has("uploadId"):
				return "ListParts", access.Read, a.listParts
			case has("tagging") || has("acl") || has("attributes") || has("torrent"):
				return "GetObjectSubresource", access.Read, a.notImplemented
			}
			return "GetObject", access.Read, a.getObject
		case http.MethodHead:
			return "HeadObject", access.Read, a.getObject
		case http.MethodDelete:
			if has("uploadId") {
				return "AbortMultipartUpload", access.Write, a.abortUpload
			}
			return "DeleteObject", access.Write, a.deleteObject
		case http.MethodPost:
			switch {
			case has("uploads"):
				return "CreateMultipartUpload", access.Write, a.createUpload
			case has("uploadId"):
				return "CompleteMultipartUpload", access.Write, a.completeUpload
			}
		}
	}
	return "Unknown", access.Read, nil
}

func (a *API) notImplemented(w http.ResponseWriter, r *http.Request, bucket, key string) error {
	return awsapi.Errorf(http.StatusNotImplemented, "NotImplemented",
		"A header or query you provided implies functionality that tarn does not implement: %s", r.URL.RawQuery)
}
