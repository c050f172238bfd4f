// Package trigger makes the lake event-driven: every object created or
// removed becomes a durable event in S3's notification shape, logged to a
// stream before the write is acknowledged; buckets' notification rules
// (S3's NotificationConfiguration) pick the events each target receives,
// and a dispatcher hands them to functions and to tarn's built-in actions.
package trigger

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/tarnlake/tarn/internal/lake"
)

// Message is one notification as S3 sends it to a function: the
// Records hold one event each (tarn logs one per message).
type Message struct {
	Records []Record `json:"Records"`
}

// Record is an S3 event notification record (eventVersion 2.1).
type Record struct {
	EventVersion      string            `json:"eventVersion"`
	EventSource       string            `json:"eventSource"`
	AWSRegion         string            `json:"awsRegion"`
	EventTime         string            `json:"eventTime"`
	EventName         string            `json:"eventName"`
	UserIdentity      principal         `json:"userIdentity"`
	RequestParameters map[string]string `json:"requestParameters"`
	ResponseElements  map[string]string `json:"responseElements"`
	S3                S3Entity          `json:"s3"`
}

type principal struct {
	PrincipalID string `json:"principalId"`
}

// S3Entity is the record's s3 member.
type S3Entity struct {
	SchemaVersion   string   `json:"s3SchemaVersion"`
	ConfigurationID string   `json:"configurationId"`
	Bucket          S3Bucket `json:"bucket"`
	Object          S3Object `json:"object"`
}

// S3Bucket names the bucket.
type S3Bucket struct {
	Name          string    `json:"name"`
	OwnerIdentity principal `json:"ownerIdentity"`
	ARN           string    `json:"arn"`
}

// S3Object is the object: Key URL-encoded as S3 encodes it.
type S3Object struct {
	Key       string `json:"key"`
	Size      int64  `json:"size,omitempty"`
	ETag      string `json:"eTag,omitempty"`
	VersionID string `json:"versionId,omitempty"`
	Sequencer string `json:"sequencer"`
}

// EncodeKey writes an object key as S3's events carry it: form-encoded
// (space as +, + as %2B), slashes kept.
func EncodeKey(key string) string {
	return strings.ReplaceAll(url.QueryEscape(key), "%2F", "/")
}

// DecodeKey reverses EncodeKey.
func DecodeKey(s string) (string, error) {
	k, err := url.QueryUnescape(s)
	if err != nil {
		return "", fmt.Errorf("object key %q is not URL-encoded: %w", s, err)
	}
	return k, nil
}

// Key is the record's object key, decoded.
func (r Record) Key() string {
	k, err := DecodeKey(r.S3.Object.Key)
	if err != nil {
		return r.S3.Object.Key
	}
	return k
}

// lastSeq is the newest sequencer handed out: nanoseconds since 1970,
// made strictly increasing, so that a key's later event sorts after its
// earlier one.
var lastSeq atomic.Int64

func sequencer(t time.Time) string {
	for {
		last, n := lastSeq.Load(), t.UnixNano()
		if n <= last {
			n = last + 1
		}
		if lastSeq.CompareAndSwap(last, n) {
			return fmt.Sprintf("%016X", n)
		}
	}
}

// newRecord is the notification record of a lake event.
func newRecord(e lake.Event, region, principalID string) Record {
	obj := S3Object{Key: EncodeKey(e.Key), Sequencer: sequencer(e.Time)}
	if strings.HasPrefix(e.Name, "ObjectCreated:") {
		obj.Size, obj.ETag = e.Size, strings.Trim(e.ETag, `"`)
	}
	return Record{
		EventVersion: "2.1", EventSource: "aws:s3", AWSRegion: region,
		EventTime:         e.Time.UTC().Format("2006-01-02T15:04:05.000Z"),
		EventName:         e.Name,
		UserIdentity:      principal{principalID},
		RequestParameters: map[string]string{"sourceIPAddress": "127.0.0.1"},
		ResponseElements:  map[string]string{"x-amz-request-id": obj.Sequencer, "x-amz-id-2": obj.Sequencer},
		S3: S3Entity{
			SchemaVersion: "1.0",
			Bucket:        S3Bucket{Name: e.Bucket, OwnerIdentity: principal{principalID}, ARN: "arn:aws:s3:::" + e.Bucket},
			Object:        obj,
		},
	}
}

// decodeMessage reads one logged message.
func decodeMessage(data []byte) (Message, error) {
	var m Message
	if err := json.Unmarshal(data, &m); err != nil {
		return Message{}, fmt.Errorf("event log record: %w", err)
	}
	return m, nil
}
