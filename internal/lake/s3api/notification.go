package s3api

import (
	"context"
	"encoding/xml"
	"io"
	"net/http"
	"strings"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/awsapi"
)

// Notifications keeps buckets' event notification configurations, S3's
// ?notification subresource: the seam for tarn's triggers. Until a part
// implements it, Options.Notifications is nil, every bucket answers an empty
// configuration, and only an empty one may be put.
type Notifications interface {
	// BucketNotification returns bucket's NotificationConfiguration
	// document, or nil when it has none.
	BucketNotification(ctx context.Context, bucket string) ([]byte, error)
	// SetBucketNotification checks and stores a NotificationConfiguration
	// document; one it refuses is an error with an S3Error() (code,
	// message) method, answered 400 (501 for NotImplemented).
	// caller must be allowed to invoke each function it names (nil: a
	// unit test's caller, allowed everything).
	SetBucketNotification(ctx context.Context, bucket string, doc []byte, caller *access.Key) error
}

// maxNotificationDoc bounds a configuration document.
const maxNotificationDoc = 1 << 20

func (a *API) getBucketNotification(w http.ResponseWriter, r *http.Request, bucket, _ string) error {
	if _, err := a.store.HeadBucket(r.Context(), bucket); err != nil {
		return err
	}
	if a.opts.Notifications == nil {
		return writeXML(w, emptyConfig("NotificationConfiguration"))
	}
	doc, err := a.opts.Notifications.BucketNotification(r.Context(), bucket)
	if err != nil || doc == nil {
		if err == nil {
			err = writeXML(w, emptyConfig("NotificationConfiguration"))
		}
		return err
	}
	w.Header().Set("Content-Type", "application/xml")
	_, err = w.Write(doc)
	return err
}

func (a *API) putBucketNotification(w http.ResponseWriter, r *http.Request, bucket, _ string) error {
	if _, err := a.store.HeadBucket(r.Context(), bucket); err != nil {
		return err
	}
	body, err := verifyBody(r, r.Body, awsapi.InfoFrom(r.Context()).Trailer, true)
	if err != nil {
		return err
	}
	doc, err := io.ReadAll(io.LimitReader(body, maxNotificationDoc+1))
	if err != nil {
		return err
	}
	if len(doc) > maxNotificationDoc {
		return awsapi.Errorf(http.StatusBadRequest, "MalformedXML", "the XML body is larger than %d bytes", maxNotificationDoc)
	}
	if a.opts.Notifications != nil {
		return a.opts.Notifications.SetBucketNotification(r.Context(), bucket, doc, awsapi.InfoFrom(r.Context()).Key)
	}
	// Without notifications, an empty configuration (turning them all off)
	// is what the bucket has already.
	var cfg struct {
		XMLName xml.Name `xml:"NotificationConfiguration"`
		Inner   string   `xml:",innerxml"`
	}
	if err := xml.Unmarshal(doc, &cfg); err != nil {
		return awsapi.Errorf(http.StatusBadRequest, "MalformedXML",
			"The XML you provided was not well-formed or did not validate against our published schema: %v", err)
	}
	if strings.TrimSpace(cfg.Inner) != "" {
		return awsapi.Errorf(http.StatusNotImplemented, "NotImplemented",
			"tarn does not implement bucket event notifications yet; only an empty NotificationConfiguration is accepted")
	}
	return nil
}
