package s3api

import (
	"encoding/xml"
	"net/http"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/awsapi"
)

func (a *API) listBuckets(w http.ResponseWriter, r *http.Request, _, _ string) error {
	bs, err := a.store.ListBuckets(r.Context())
	if err != nil {
		return err
	}
	k := awsapi.InfoFrom(r.Context()).Key
	res := listBucketsResult{NS: s3NS, Owner: a.owner, Buckets: []bucketXML{}}
	for _, b := range bs {
		if k != nil && !k.Allowed(access.Read, access.Bucket(b.Name)) && !k.Allowed(access.Write, access.Bucket(b.Name)) {
			continue // a key sees the buckets it was granted
		}
		res.Buckets = append(res.Buckets, bucketXML{Name: b.Name, CreationDate: isoTime(b.Created)})
	}
	return writeXML(w, res)
}

func (a *API) createBucket(w http.ResponseWriter, r *http.Request, bucket, _ string) error {
	// The body may name a region (CreateBucketConfiguration); tarn has one.
	if r.ContentLength != 0 {
		var cfg struct {
			XMLName            xml.Name `xml:"CreateBucketConfiguration"`
			LocationConstraint string
		}
		if err := readXML(r.Body, 1<<16, &cfg); err != nil {
			return err
		}
	}
	if err := a.store.CreateBucket(r.Context(), bucket); err != nil {
		return err
	}
	w.Header().Set("Location", "/"+bucket)
	return nil
}

func (a *API) headBucket(w http.ResponseWriter, r *http.Request, bucket, _ string) error {
	_, err := a.store.HeadBucket(r.Context(), bucket)
	if err == nil {
		w.Header().Set("x-amz-bucket-region", a.opts.Region)
	}
	return err
}

func (a *API) deleteBucket(w http.ResponseWriter, r *http.Request, bucket, _ string) error {
	if err := a.store.DeleteBucket(r.Context(), bucket); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) bucketLocation(w http.ResponseWriter, r *http.Request, bucket, _ string) error {
	if _, err := a.store.HeadBucket(r.Context(), bucket); err != nil {
		return err
	}
	loc := a.opts.Region
	if loc == "us-east-1" {
		loc = "" // S3 answers us-east-1 with an empty constraint
	}
	return writeXML(w, struct {
		XMLName xml.Name `xml:"LocationConstraint"`
		NS      string   `xml:"xmlns,attr"`
		Value   string   `xml:",chardata"`
	}{NS: s3NS, Value: loc})
}
