package s3api

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/tarnlake/tarn/internal/awsapi"
)

// S3's limits on tags.
const (
	maxObjectTags = 10
	maxBucketTags = 50
	maxTagKey     = 128 // Unicode characters
	maxTagValue   = 256
)

// tagChars are the characters S3 allows in tag keys and values: letters,
// digits, white space and _ . : / = + - @.
var tagChars = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)

type tagging struct {
	XMLName xml.Name `xml:"Tagging"`
	NS      string   `xml:"xmlns,attr,omitempty"`
	TagSet  tagSet
}

// tagSet is its own element so that no tags still answer <TagSet></TagSet>,
// which clients read as an empty list.
type tagSet struct {
	Tags []tagXML `xml:"Tag"`
}

type tagXML struct {
	Key   string
	Value string
}

func taggingDoc(tags map[string]string) tagging {
	doc := tagging{NS: s3NS, TagSet: tagSet{Tags: make([]tagXML, 0, len(tags))}}
	for k, v := range tags {
		doc.TagSet.Tags = append(doc.TagSet.Tags, tagXML{k, v})
	}
	sort.Slice(doc.TagSet.Tags, func(i, j int) bool { return doc.TagSet.Tags[i].Key < doc.TagSet.Tags[j].Key })
	return doc
}

// checkTags applies S3's rules to a tag set and returns it as a map.
func checkTags(set []tagXML, limit int) (map[string]string, error) {
	if len(set) > limit {
		msg := "Object tags cannot be greater than 10"
		if limit == maxBucketTags {
			msg = "Bucket tag count cannot be greater than 50"
		}
		return nil, awsapi.Errorf(http.StatusBadRequest, "BadRequest", "%s", msg)
	}
	tags := make(map[string]string, len(set))
	for _, t := range set {
		switch {
		case t.Key == "" || utf8.RuneCountInString(t.Key) > maxTagKey || !utf8.ValidString(t.Key) || !tagChars.MatchString(t.Key):
			return nil, awsapi.Errorf(http.StatusBadRequest, "InvalidTag", "The TagKey you have provided is invalid")
		case utf8.RuneCountInString(t.Value) > maxTagValue || !utf8.ValidString(t.Value) || !tagChars.MatchString(t.Value):
			return nil, awsapi.Errorf(http.StatusBadRequest, "InvalidTag", "The TagValue you have provided is invalid")
		case len(t.Key) >= 4 && strings.EqualFold(t.Key[:4], "aws:"):
			return nil, awsapi.Errorf(http.StatusBadRequest, "InvalidTag", "Your TagKey cannot be prefixed with aws:")
		}
		if _, dup := tags[t.Key]; dup {
			return nil, awsapi.Errorf(http.StatusBadRequest, "InvalidTag", "Cannot provide multiple Tags with the same key")
		}
		tags[t.Key] = t.Value
	}
	return tags, nil
}

// headerTags reads the x-amz-tagging header of a PutObject,
// CreateMultipartUpload or CopyObject: URL query parameters, one per tag.
func headerTags(h http.Header) (map[string]string, error) {
	v := h.Get("X-Amz-Tagging")
	if v == "" {
		return nil, nil
	}
	q, err := url.ParseQuery(v)
	if err != nil {
		return nil, awsapi.Errorf(http.StatusBadRequest, "InvalidArgument",
			"The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.")
	}
	var set []tagXML
	for k, vs := range q {
		for _, v := range vs {
			set = append(set, tagXML{k, v})
		}
	}
	return checkTags(set, maxObjectTags)
}

// readTagging decodes and checks a Tagging document.
func readTagging(r *http.Request, limit int) (map[string]string, error) {
	var doc tagging
	if err := readDoc(r, &doc); err != nil {
		return nil, err
	}
	return checkTags(doc.TagSet.Tags, limit)
}

func (a *API) getObjectTagging(w http.ResponseWriter, r *http.Request, bucket, key string) error {
	tags, err := a.store.ObjectTags(r.Context(), bucket, key)
	if err != nil {
		return err
	}
	return writeXML(w, taggingDoc(tags))
}

func (a *API) putObjectTagging(w http.ResponseWriter, r *http.Request, bucket, key string) error {
	tags, err := readTagging(r, maxObjectTags)
	if err != nil {
		return err
	}
	return a.store.SetObjectTags(r.Context(), bucket, key, tags)
}

// deleteObjectTagging removes the tags and only the tags.
func (a *API) deleteObjectTagging(w http.ResponseWriter, r *http.Request, bucket, key string) error {
	if err := a.store.SetObjectTags(r.Context(), bucket, key, nil); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) getBucketTagging(w http.ResponseWriter, r *http.Request, bucket, _ string) error {
	tags, err := a.store.BucketTags(r.Context(), bucket)
	if err != nil {
		return err
	}
	if len(tags) == 0 {
		return awsapi.Errorf(http.StatusNotFound, "NoSuchTagSet", "The TagSet does not exist")
	}
	return writeXML(w, taggingDoc(tags))
}

func (a *API) putBucketTagging(w http.ResponseWriter, r *http.Request, bucket, _ string) error {
	tags, err := readTagging(r, maxBucketTags)
	if err != nil {
		return err
	}
	if err := a.store.SetBucketTags(r.Context(), bucket, tags); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// deleteBucketTagging removes the tags and only the tags.
func (a *API) deleteBucketTagging(w http.ResponseWriter, r *http.Request, bucket, _ string) error {
	if err := a.store.SetBucketTags(r.Context(), bucket, nil); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
