package s3api

import (
	"encoding/base64"
	"net/http"

	"github.com/tarnlake/tarn/internal/awsapi"
	"github.com/tarnlake/tarn/internal/lake"
)

// listing runs one page of a listing and shapes keys for the response.
type listing struct {
	res    lake.ListResult
	encode func(string) string
	max    int
}

func (a *API) list(r *http.Request, bucket string, opts lake.ListOptions) (listing, error) {
	q := r.URL.Query()
	l := listing{encode: func(s string) string { return s }}
	switch et := q.Get("encoding-type"); et {
	case "":
	case "url":
		l.encode = urlEncode
	default:
		return l, awsapi.Errorf(http.StatusBadRequest, "InvalidArgument", "Invalid Encoding Method specified in Request: %q", et)
	}
	var err error
	if l.max, err = intParam(r, "max-keys", 1000, 1000); err != nil {
		return l, err
	}
	opts.Prefix, opts.Delimiter, opts.MaxKeys = q.Get("prefix"), q.Get("delimiter"), l.max
	if l.max == 0 {
		_, err := a.store.HeadBucket(r.Context(), bucket)
		return l, err
	}
	l.res, err = a.store.List(r.Context(), bucket, opts)
	return l, err
}

func (l listing) contents(o *owner) ([]objectXML, []prefixXML) {
	objs := make([]objectXML, len(l.res.Objects))
	for i, oi := range l.res.Objects {
		objs[i] = objectXML{Key: l.encode(oi.Key), LastModified: isoTime(oi.LastModified), ETag: quote(oi.ETag), Size: oi.Size, StorageClass: "STANDARD", Owner: o}
	}
	cps := make([]prefixXML, len(l.res.CommonPrefixes))
	for i, p := range l.res.CommonPrefixes {
		cps[i] = prefixXML{Prefix: l.encode(p)}
	}
	return objs, cps
}

func (a *API) listObjectsV2(w http.ResponseWriter, r *http.Request, bucket, _ string) error {
	q := r.URL.Query()
	if lt := q.Get("list-type"); lt != "2" {
		return awsapi.Errorf(http.StatusBadRequest, "InvalidArgument", "Invalid List Type specified: %q", lt)
	}
	after := q.Get("start-after")
	token := q.Get("continuation-token")
	if token != "" {
		k, err := base64.RawURLEncoding.DecodeString(token)
		if err != nil {
			return awsapi.Errorf(http.StatusBadRequest, "InvalidArgument", "The continuation token provided is incorrect")
		}
		after = string(k)
	}
	l, err := a.list(r, bucket, lake.ListOptions{StartAfter: after})
	if err != nil {
		return err
	}
	var o *owner
	if q.Get("fetch-owner") == "true" {
		o = &a.owner
	}
	objs, cps := l.contents(o)
	res := listV2Result{
		NS: s3NS, Name: bucket, Prefix: l.encode(q.Get("prefix")), Delimiter: l.encode(q.Get("delimiter")),
		MaxKeys: l.max, KeyCount: len(objs) + len(cps), IsTruncated: l.res.Truncated,
		EncodingType: q.Get("encoding-type"), ContinuationToken: token, StartAfter: l.encode(q.Get("start-after")),
		Contents: objs, CommonPrefixes: cps,
	}
	if l.res.Truncated {
		res.NextContinuationToken = base64.RawURLEncoding.EncodeToString([]byte(l.res.Next))
	}
	return writeXML(w, res)
}

func (a *API) listObjectsV1(w http.ResponseWriter, r *http.Request, bucket, _ string) error {
	q := r.URL.Query()
	l, err := a.list(r, bucket, lake.ListOptions{StartAfter: q.Get("marker")})
	if err != nil {
		return err
	}
	objs, cps := l.contents(&a.owner)
	res := listV1Result{
		NS: s3NS, Name: bucket, Prefix: l.encode(q.Get("prefix")), Marker: l.encode(q.Get("marker")),
		Delimiter: l.encode(q.Get("delimiter")), MaxKeys: l.max, IsTruncated: l.res.Truncated,
		EncodingType: q.Get("encoding-type"), Contents: objs, CommonPrefixes: cps,
	}
	if l.res.Truncated && q.Get("delimiter") != "" {
		res.NextMarker = l.encode(l.res.Next) // without a delimiter clients use the last key
	}
	return writeXML(w, res)
}
