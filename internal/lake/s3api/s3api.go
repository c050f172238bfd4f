// Package s3api serves the S3 REST-XML API over a lake.Store: bucket and
// object operations, listings, copies, multipart uploads, tags and the
// subresources S3 names in the query (routed by the table in
// subresources.go), with S3's headers, conditions, checksums and error
// codes. The edge has verified the caller's signature before a request gets
// here; this package authorises it.
package s3api

import (
	"log/slog"
	"net"
	"net/http"
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
	// Region is the server's: GetBucketLocation answers it and CreateBucket
	// accepts no other location constraint. Empty: us-east-1.
	Region string
	// Notifications keeps buckets' notification configurations; nil: none.
	Notifications Notifications
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
	bucket, key, op, fail := a.routeRequest(r)
	in := awsapi.InfoFrom(r.Context())
	in.Op = op.name
	if fail != nil {
		awsapi.WriteXML(w, r, fail)
		return
	}
	if bucket != "" && in.Key != nil && !in.Key.Allowed(op.action, access.Bucket(bucket)) {
		awsapi.WriteXML(w, r, awsapi.Errorf(http.StatusForbidden, "AccessDenied",
			"Access Denied: key %s may not %s bucket %s", in.Key.ID, op.action, bucket))
		return
	}
	if err := op.handle(a, w, r, bucket, key); err != nil {
		a.fail(w, r, err)
	}
}
