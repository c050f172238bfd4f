package s3api

import (
	"encoding/xml"
	"net/http"
	"strings"

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
	if err := a.checkLocation(r); err != nil {
		return err
	}
	if strings.EqualFold(r.Header.Get("X-Amz-Bucket-Object-Lock-Enabled"), "true") {
		// A bucket created without the lock asked for would let its
		// objects be deleted by those who count on them staying.
		return awsapi.Errorf(http.StatusNotImplemented, "NotImplemented", "tarn does not implement object lock; the bucket was not created")
	}
	if err := a.store.CreateBucket(r.Context(), bucket); err != nil {
		return err
	}
	w.Header().Set("Location", "/"+bucket)
	return nil
}

// checkLocation reads the region a CreateBucket body may name, as S3 does:
// the server's own region, or none, which means it too. us-east-1 is never
// named (it is the empty constraint), and another region is another
// endpoint's; a client that gets its bucket elsewhere than it asked would
// look for it in the wrong place.
func (a *API) checkLocation(r *http.Request) error {
	var cfg struct {
		XMLName            xml.Name `xml:"CreateBucketConfiguration"`
		LocationConstraint string
	}
	if _, err := readOptionalDoc(r, &cfg); err != nil {
		return err
	}
	switch loc := cfg.LocationConstraint; {
	case loc == "":
	case loc == "us-east-1":
		return awsapi.Errorf(http.StatusBadRequest, "InvalidLocationConstraint", "The specified location-constraint is not valid")
	case loc != a.opts.Region && !(loc == "EU" && a.opts.Region == "eu-west-1"):
		return awsapi.Errorf(http.StatusBadRequest, "IllegalLocationConstraintException",
			"The %s location constraint is incompatible for the region specific endpoint this request was sent to (this server's region is %s).", loc, a.opts.Region)
	}
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
