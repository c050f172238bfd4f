package trigger

import (
	"context"
	"encoding/json"
	"time"

	"github.com/tarnlake/tarn/internal/catalog"
)

// Failure is an object a rule's action could not handle: the object is
// kept where it was, and the failure is listed under the rule.
type Failure struct {
	Bucket string    `json:"bucket"`
	Key    string    `json:"key"`
	ETag   string    `json:"etag"`
	Error  string    `json:"error"`
	Time   time.Time `json:"time"`
}

const (
	docFailures = "rule-failures"
	maxFailures = 1000 // the newest are kept
)

// fail lists obj on the rule's failure list.
func (a *Actions) fail(ctx context.Context, rule Rule, obj Object, cause error) error {
	if a.Log != nil {
		a.Log.Warn("action failed; the object is kept", "rule", rule.ID, "bucket", obj.Bucket, "key", obj.Key, "err", cause)
	}
	_, err := catalog.UpdateDoc(ctx, a.Docs, docFailures, obj.Bucket+"/"+rule.ID, func(fs *[]Failure, _ bool) error {
		*fs = append(*fs, Failure{Bucket: obj.Bucket, Key: obj.Key, ETag: obj.ETag, Error: cause.Error(), Time: time.Now().UTC()})
		if len(*fs) > maxFailures {
			*fs = (*fs)[len(*fs)-maxFailures:]
		}
		return nil
	})
	return err
}

// Failures returns a rule's failure list, oldest first.
func Failures(ctx context.Context, docs catalog.Documents, bucket, rule string) ([]Failure, error) {
	var fs []Failure
	d, err := docs.GetDoc(ctx, docFailures, bucket+"/"+rule)
	if err != nil {
		return nil, err
	}
	return fs, json.Unmarshal(d.Body, &fs)
}

func putJSON(ctx context.Context, docs catalog.Documents, kind, name string, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = docs.PutDoc(ctx, catalog.Doc{Kind: kind, Name: name, Body: body}, catalog.AnyRev)
	return err
}
