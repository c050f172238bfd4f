package s3api

import (
	"encoding/xml"
	"net/http"
	"strings"

	"github.com/tarnlake/tarn/internal/awsapi"
)

// tarn has no ACLs: access is by key grants (see internal/access). Every
// bucket and object is as S3 creates them, private: the owner has
// FULL_CONTROL and nobody else anything. That is what a Get answers and the
// one thing a Put may say.

type accessControlPolicy struct {
	XMLName xml.Name `xml:"AccessControlPolicy"`
	NS      string   `xml:"xmlns,attr,omitempty"`
	Owner   owner
	Grants  []grant `xml:"AccessControlList>Grant"`
}

type grant struct {
	Grantee    grantee
	Permission string
}

type grantee struct {
	XSI          string `xml:"xmlns:xsi,attr,omitempty"`
	Type         string `xml:"xsi:type,attr,omitempty"`
	ID           string `xml:",omitempty"`
	DisplayName  string `xml:",omitempty"`
	URI          string `xml:",omitempty"`
	EmailAddress string `xml:",omitempty"`
}

// aclTarget checks that what an ACL call names exists: the bucket, or the
// object when key is set.
func (a *API) aclTarget(r *http.Request, bucket, key string) error {
	if key != "" {
		_, err := a.store.Head(r.Context(), bucket, key)
		return err
	}
	_, err := a.store.HeadBucket(r.Context(), bucket)
	return err
}

// getACL serves GetBucketAcl and GetObjectAcl.
func (a *API) getACL(w http.ResponseWriter, r *http.Request, bucket, key string) error {
	if err := a.aclTarget(r, bucket, key); err != nil {
		return err
	}
	return writeXML(w, accessControlPolicy{NS: s3NS, Owner: a.owner, Grants: []grant{{
		Grantee: grantee{XSI: "http://www.w3.org/2001/XMLSchema-instance", Type: "CanonicalUser",
			ID: a.owner.ID, DisplayName: a.owner.DisplayName},
		Permission: "FULL_CONTROL",
	}}})
}

// putACL serves PutBucketAcl and PutObjectAcl: the canned ACL "private", or
// a policy that grants the owner FULL_CONTROL and nothing else, is what the
// target already has; anything else is NotImplemented.
func (a *API) putACL(w http.ResponseWriter, r *http.Request, bucket, key string) error {
	if err := a.aclTarget(r, bucket, key); err != nil {
		return err
	}
	for name := range r.Header {
		if strings.HasPrefix(strings.ToLower(name), "x-amz-grant-") {
			return aclNotImplemented("x-amz-grant-* headers")
		}
	}
	var policy accessControlPolicy
	hasBody, err := readOptionalDoc(r, &policy)
	if ae, ok := err.(*awsapi.Error); ok && ae.Code == "MalformedXML" {
		return awsapi.Errorf(http.StatusBadRequest, "MalformedACLError",
			"The XML you provided was not well-formed or did not validate against our published schema")
	} else if err != nil {
		return err
	}
	canned := r.Header.Get("X-Amz-Acl")
	switch {
	case canned != "" && hasBody:
		return awsapi.Errorf(http.StatusBadRequest, "UnexpectedContent", "This request does not support content")
	case canned == "private":
		return nil
	case canned != "":
		return aclNotImplemented("the canned ACL " + canned)
	case !hasBody:
		return awsapi.Errorf(http.StatusBadRequest, "MissingSecurityHeader",
			"Your request was missing a required header: x-amz-acl, or an AccessControlPolicy body")
	}
	if len(policy.Grants) == 0 {
		return aclNotImplemented("an ACL without the owner's FULL_CONTROL")
	}
	for _, g := range policy.Grants {
		if g.Permission != "FULL_CONTROL" || g.Grantee.ID != a.owner.ID || g.Grantee.URI != "" || g.Grantee.EmailAddress != "" {
			return aclNotImplemented("grants to anyone but the owner")
		}
	}
	return nil
}

func aclNotImplemented(what string) error {
	return awsapi.Errorf(http.StatusNotImplemented, "NotImplemented",
		"tarn does not implement ACLs (%s): access is granted to keys; every bucket and object is private to its owner, which a canned ACL private may confirm", what)
}
