package s3api

import (
	"bytes"
	"encoding/xml"
	"io"
	"net/http"

	"github.com/tarnlake/tarn/internal/awsapi"
)

// A bucket in tarn has none of S3's optional configurations (policy, CORS,
// lifecycle, website, replication, object lock, ...). Reading one answers
// what S3 answers for a bucket where it was never set; deleting one succeeds
// and changes nothing; setting one is NotImplemented (see operations), since
// accepting it would promise behaviour tarn does not have.

// notConfigured answers a Get of a configuration the bucket does not have.
func notConfigured(code, message string) handlerFunc {
	return func(a *API, w http.ResponseWriter, r *http.Request, bucket, _ string) error {
		if _, err := a.store.HeadBucket(r.Context(), bucket); err != nil {
			return err
		}
		return awsapi.Errorf(http.StatusNotFound, code, "%s", message)
	}
}

// nothingToDelete answers a Delete of a configuration the bucket does not
// have: 204, as S3 does.
func nothingToDelete(a *API, w http.ResponseWriter, r *http.Request, bucket, _ string) error {
	if _, err := a.store.HeadBucket(r.Context(), bucket); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// answer answers a Get with a fixed document: S3's default for the feature.
func answer(doc any) handlerFunc {
	return func(a *API, w http.ResponseWriter, r *http.Request, bucket, _ string) error {
		if _, err := a.store.HeadBucket(r.Context(), bucket); err != nil {
			return err
		}
		return writeXML(w, doc)
	}
}

// emptyDoc is a configuration document with nothing in it.
type emptyDoc struct {
	XMLName xml.Name
	NS      string `xml:"xmlns,attr"`
}

func emptyConfig(name string) emptyDoc { return emptyDoc{XMLName: xml.Name{Local: name}, NS: s3NS} }

// versioningConfig without a Status is a bucket that was never versioned.
type versioningConfig struct {
	XMLName   xml.Name `xml:"VersioningConfiguration"`
	NS        string   `xml:"xmlns,attr,omitempty"`
	Status    string   `xml:",omitempty"`
	MfaDelete string   `xml:",omitempty"`
}

type requestPayment struct {
	XMLName xml.Name `xml:"RequestPaymentConfiguration"`
	NS      string   `xml:"xmlns,attr"`
	Payer   string
}

// defaultEncryption is what S3 answers for every bucket since 2023, SSE-S3
// with AES256: clients that check a bucket's encryption expect this shape.
var defaultEncryption = encryptionConfig{NS: s3NS, Rule: encryptionRule{SSEAlgorithm: "AES256"}}

type encryptionConfig struct {
	XMLName xml.Name `xml:"ServerSideEncryptionConfiguration"`
	NS      string   `xml:"xmlns,attr"`
	Rule    encryptionRule
}

type encryptionRule struct {
	SSEAlgorithm     string `xml:"ApplyServerSideEncryptionByDefault>SSEAlgorithm"`
	BucketKeyEnabled bool
}

// putBucketVersioning accepts Suspended, which for a bucket that keeps one
// version of each object changes nothing; Enabled is NotImplemented.
func (a *API) putBucketVersioning(w http.ResponseWriter, r *http.Request, bucket, _ string) error {
	if _, err := a.store.HeadBucket(r.Context(), bucket); err != nil {
		return err
	}
	var cfg versioningConfig
	if err := readDoc(r, &cfg); err != nil {
		return err
	}
	switch {
	case cfg.Status == "Enabled" || cfg.MfaDelete == "Enabled":
		return awsapi.Errorf(http.StatusNotImplemented, "NotImplemented",
			"tarn does not implement versioning: a bucket keeps one version of each object (Status Suspended is accepted and changes nothing)")
	case cfg.Status != "Suspended" || cfg.MfaDelete != "" && cfg.MfaDelete != "Disabled":
		return awsapi.Errorf(http.StatusBadRequest, "MalformedXML",
			"The XML you provided was not well-formed or did not validate against our published schema: Status %q", cfg.Status)
	}
	return nil
}

// readDoc decodes a configuration document from the body, checking the
// Content-MD5 or x-amz-checksum-* the client sent with it.
func readDoc(r *http.Request, v any) error {
	body, err := verifyBody(r, r.Body, awsapi.InfoFrom(r.Context()).Trailer, true)
	if err != nil {
		return err
	}
	return readXML(body, 1<<20, v)
}

// readOptionalDoc is readDoc for bodies that may be empty; it reports
// whether there was one.
func readOptionalDoc(r *http.Request, v any) (bool, error) {
	body, err := verifyBody(r, r.Body, awsapi.InfoFrom(r.Context()).Trailer, true)
	if err != nil {
		return false, err
	}
	b, err := io.ReadAll(io.LimitReader(body, 1<<20+1))
	if err != nil {
		return false, err
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return false, nil
	}
	return true, readXML(bytes.NewReader(b), 1<<20, v)
}
