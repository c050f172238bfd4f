package s3api

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tarnlake/tarn/internal/lake/localfs"
)

// testAPI serves a fresh local lake with bucket "bkt" in it.
type testAPI struct {
	t *testing.T
	h http.Handler
}

func newTestAPI(t *testing.T, opts Options) *testAPI {
	t.Helper()
	store, err := localfs.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	api := &testAPI{t: t, h: New(store, discard(), opts)}
	api.want("PUT", "/bkt", "", 200, "")
	return api
}

// do sends a request; headers come in name, value pairs.
func (a *testAPI) do(method, target, body string, headers ...string) *httptest.ResponseRecorder {
	a.t.Helper()
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	a.h.ServeHTTP(w, r)
	return w
}

// want sends a request and checks its status and, for an error, its code.
func (a *testAPI) want(method, target, body string, status int, code string, headers ...string) *httptest.ResponseRecorder {
	a.t.Helper()
	w := a.do(method, target, body, headers...)
	if w.Code != status || code != "" && !strings.Contains(w.Body.String(), "<Code>"+code+"</Code>") {
		a.t.Fatalf("%s %s: %d %s, want %d %s", method, target, w.Code, w.Body, status, code)
	}
	return w
}

func taggingBody(pairs ...string) string {
	var b strings.Builder
	b.WriteString(`<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet>`)
	for i := 0; i+1 < len(pairs); i += 2 {
		fmt.Fprintf(&b, "<Tag><Key>%s</Key><Value>%s</Value></Tag>", pairs[i], pairs[i+1])
	}
	b.WriteString("</TagSet></Tagging>")
	return b.String()
}

func wantBody(t *testing.T, w *httptest.ResponseRecorder, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(w.Body.String(), p) {
			t.Errorf("body %s lacks %s", w.Body, p)
		}
	}
}

func TestObjectTagging(t *testing.T) {
	a := newTestAPI(t, Options{})
	a.want("PUT", "/bkt/k", "data", 200, "", "X-Amz-Tagging", "a=1&b=two%20words")
	if got := a.want("HEAD", "/bkt/k", "", 200, "").Header().Get("X-Amz-Tagging-Count"); got != "2" {
		t.Errorf("x-amz-tagging-count %q, want 2", got)
	}
	wantBody(t, a.want("GET", "/bkt/k?tagging", "", 200, ""), "<Tag><Key>a</Key><Value>1</Value></Tag><Tag><Key>b</Key><Value>two words</Value></Tag>")
	a.want("PUT", "/bkt/k?tagging", taggingBody("c", "3"), 200, "")
	w := a.want("GET", "/bkt/k?tagging", "", 200, "")
	if strings.Contains(w.Body.String(), "<Key>a</Key>") {
		t.Errorf("PutObjectTagging merged instead of replacing: %s", w.Body)
	}
	a.want("DELETE", "/bkt/k?tagging", "", 204, "")
	if w := a.want("GET", "/bkt/k", "", 200, ""); w.Body.String() != "data" || w.Header().Get("X-Amz-Tagging-Count") != "" {
		t.Errorf("after DeleteObjectTagging: %q, tag count %q", w.Body, w.Header().Get("X-Amz-Tagging-Count"))
	}
	wantBody(t, a.want("GET", "/bkt/k?tagging", "", 200, ""), "<TagSet></TagSet>")
	a.want("DELETE", "/bkt/missing?tagging", "", 404, "NoSuchKey")
	a.want("PUT", "/bkt/missing?tagging", taggingBody("a", "b"), 404, "NoSuchKey")
	a.want("HEAD", "/bkt/missing", "", 404, "")
	a.want("GET", "/nobucket/k?tagging", "", 404, "NoSuchBucket")
}

func TestTagValidation(t *testing.T) {
	a := newTestAPI(t, Options{})
	a.want("PUT", "/bkt/k", "data", 200, "")
	many := func(n int) []string {
		var p []string
		for i := range n {
			p = append(p, fmt.Sprintf("k%d", i), "v")
		}
		return p
	}
	for _, c := range []struct {
		name, target, body string
		status             int
		code               string
	}{
		{"ten", "/bkt/k?tagging", taggingBody(many(10)...), 200, ""},
		{"eleven", "/bkt/k?tagging", taggingBody(many(11)...), 400, "BadRequest"},
		{"long key", "/bkt/k?tagging", taggingBody(strings.Repeat("é", 129), "v"), 400, "InvalidTag"},
		{"key of 128", "/bkt/k?tagging", taggingBody(strings.Repeat("é", 128), "v"), 200, ""},
		{"long value", "/bkt/k?tagging", taggingBody("k", strings.Repeat("v", 257)), 400, "InvalidTag"},
		{"empty key", "/bkt/k?tagging", taggingBody("", "v"), 400, "InvalidTag"},
		{"duplicate", "/bkt/k?tagging", taggingBody("k", "1", "k", "2"), 400, "InvalidTag"},
		{"aws prefix", "/bkt/k?tagging", taggingBody("aws:x", "1"), 400, "InvalidTag"},
		{"bad character", "/bkt/k?tagging", taggingBody("k", "a!b"), 400, "InvalidTag"},
		{"allowed characters", "/bkt/k?tagging", taggingBody("a b_c.d:e/f=g+h-i@j", "Ünï 42"), 200, ""},
		{"not XML", "/bkt/k?tagging", "<Tagging", 400, "MalformedXML"},
		{"bucket fifty", "/bkt?tagging", taggingBody(many(50)...), 204, ""},
		{"bucket fifty-one", "/bkt?tagging", taggingBody(many(51)...), 400, "BadRequest"},
	} {
		t.Run(c.name, func(t *testing.T) { a.want("PUT", c.target, c.body, c.status, c.code) })
	}
	a.want("PUT", "/bkt/h", "x", 400, "InvalidTag", "X-Amz-Tagging", "a=1&a=2")
	a.want("PUT", "/bkt/h", "x", 400, "InvalidArgument", "X-Amz-Tagging", "a=%zz")
	a.want("HEAD", "/bkt/h", "", 404, "")
}

func TestCopyTagging(t *testing.T) {
	a := newTestAPI(t, Options{})
	a.want("PUT", "/bkt/src", "data", 200, "", "X-Amz-Tagging", "from=src")
	a.want("PUT", "/bkt/copied", "", 200, "", "X-Amz-Copy-Source", "/bkt/src")
	wantBody(t, a.want("GET", "/bkt/copied?tagging", "", 200, ""), "<Key>from</Key><Value>src</Value>")
	a.want("PUT", "/bkt/replaced", "", 200, "", "X-Amz-Copy-Source", "/bkt/src", "X-Amz-Tagging-Directive", "REPLACE", "X-Amz-Tagging", "new=1")
	w := a.want("GET", "/bkt/replaced?tagging", "", 200, "")
	if wantBody(t, w, "<Key>new</Key>"); strings.Contains(w.Body.String(), "from") {
		t.Errorf("REPLACE kept the source's tags: %s", w.Body)
	}
	a.want("PUT", "/bkt/untagged", "", 200, "", "X-Amz-Copy-Source", "/bkt/src", "X-Amz-Tagging-Directive", "REPLACE")
	wantBody(t, a.want("GET", "/bkt/untagged?tagging", "", 200, ""), "<TagSet></TagSet>")
	a.want("PUT", "/bkt/bad", "", 400, "InvalidArgument", "X-Amz-Copy-Source", "/bkt/src", "X-Amz-Tagging-Directive", "MOVE")
}

func TestMultipartTagging(t *testing.T) {
	a := newTestAPI(t, Options{})
	w := a.want("POST", "/bkt/mp?uploads", "", 200, "", "X-Amz-Tagging", "via=multipart")
	_, rest, _ := strings.Cut(w.Body.String(), "<UploadId>")
	id, _, _ := strings.Cut(rest, "</UploadId>")
	etag := a.want("PUT", "/bkt/mp?partNumber=1&uploadId="+id, "part", 200, "").Header().Get("ETag")
	a.want("POST", "/bkt/mp?uploadId="+id, "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"+etag+"</ETag></Part></CompleteMultipartUpload>", 200, "")
	wantBody(t, a.want("GET", "/bkt/mp?tagging", "", 200, ""), "<Key>via</Key><Value>multipart</Value>")
}

func TestBucketTagging(t *testing.T) {
	a := newTestAPI(t, Options{})
	a.want("GET", "/bkt?tagging", "", 404, "NoSuchTagSet")
	a.want("PUT", "/bkt?tagging", taggingBody("env", "prod"), 204, "")
	wantBody(t, a.want("GET", "/bkt?tagging", "", 200, ""), "<Key>env</Key><Value>prod</Value>")
	a.want("DELETE", "/bkt?tagging", "", 204, "")
	a.want("GET", "/bkt?tagging", "", 404, "NoSuchTagSet")
	a.want("HEAD", "/bkt", "", 200, "")
	a.want("PUT", "/missing?tagging", taggingBody("a", "b"), 404, "NoSuchBucket")
	a.want("HEAD", "/missing", "", 404, "")
}

// TestUnconfigured checks S3's answers for the features a bucket never has,
// and that deleting them leaves the bucket alone.
func TestUnconfigured(t *testing.T) {
	a := newTestAPI(t, Options{})
	a.want("PUT", "/bkt/k", "data", 200, "")
	for _, c := range []struct {
		method, query string
		status        int
		code, body    string
	}{
		{"GET", "policy", 404, "NoSuchBucketPolicy", ""},
		{"GET", "policyStatus", 404, "NoSuchBucketPolicy", ""},
		{"GET", "cors", 404, "NoSuchCORSConfiguration", ""},
		{"GET", "lifecycle", 404, "NoSuchLifecycleConfiguration", ""},
		{"GET", "website", 404, "NoSuchWebsiteConfiguration", ""},
		{"GET", "replication", 404, "ReplicationConfigurationNotFoundError", ""},
		{"GET", "object-lock", 404, "ObjectLockConfigurationNotFoundError", ""},
		{"GET", "publicAccessBlock", 404, "NoSuchPublicAccessBlockConfiguration", ""},
		{"GET", "ownershipControls", 404, "OwnershipControlsNotFoundError", ""},
		{"GET", "versioning", 200, "", `<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></VersioningConfiguration>`},
		{"GET", "encryption", 200, "", "<Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault><BucketKeyEnabled>false</BucketKeyEnabled></Rule>"},
		{"GET", "logging", 200, "", `<BucketLoggingStatus xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></BucketLoggingStatus>`},
		{"GET", "notification", 200, "", `<NotificationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></NotificationConfiguration>`},
		{"GET", "accelerate", 200, "", `<AccelerateConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></AccelerateConfiguration>`},
		{"GET", "requestPayment", 200, "", "<Payer>BucketOwner</Payer>"},
		{"DELETE", "policy", 204, "", ""},
		{"DELETE", "cors", 204, "", ""},
		{"DELETE", "lifecycle", 204, "", ""},
		{"DELETE", "website", 204, "", ""},
		{"DELETE", "encryption", 204, "", ""},
		{"DELETE", "replication", 204, "", ""},
		{"DELETE", "publicAccessBlock", 204, "", ""},
		{"DELETE", "ownershipControls", 204, "", ""},
		{"PUT", "policy", 501, "NotImplemented", "PutBucketPolicy"},
		{"PUT", "cors", 501, "NotImplemented", "PutBucketCors"},
		{"PUT", "lifecycle", 501, "NotImplemented", "PutBucketLifecycleConfiguration"},
		{"PUT", "replication", 501, "NotImplemented", ""},
		{"PUT", "website", 501, "NotImplemented", ""},
		{"PUT", "object-lock", 501, "NotImplemented", ""},
		{"GET", "versions", 501, "NotImplemented", "ListObjectVersions"},
	} {
		t.Run(c.method+" "+c.query, func(t *testing.T) {
			wantBody(t, a.want(c.method, "/bkt?"+c.query, "<x/>", c.status, c.code), c.body)
			if c.method == "GET" || c.status == 501 {
				return
			}
			a.want("HEAD", "/bkt", "", 200, "")
			a.want("GET", "/bkt/k", "", 200, "")
			a.want(c.method, "/missing?"+c.query, "", 404, "NoSuchBucket")
		})
	}
	a.want("GET", "/missing?policy", "", 404, "NoSuchBucket")
	a.want("GET", "/missing?versioning", "", 404, "NoSuchBucket")
}

func TestPutBucketVersioning(t *testing.T) {
	a := newTestAPI(t, Options{})
	const doc = `<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>%s</Status></VersioningConfiguration>`
	a.want("PUT", "/bkt?versioning", fmt.Sprintf(doc, "Suspended"), 200, "")
	a.want("PUT", "/bkt?versioning", fmt.Sprintf(doc, "Enabled"), 501, "NotImplemented")
	a.want("PUT", "/bkt?versioning", fmt.Sprintf(doc, "Maybe"), 400, "MalformedXML")
	a.want("PUT", "/missing?versioning", fmt.Sprintf(doc, "Suspended"), 404, "NoSuchBucket")
	a.want("HEAD", "/missing", "", 404, "")
}

func TestACL(t *testing.T) {
	a := newTestAPI(t, Options{})
	a.want("PUT", "/bkt/k", "data", 200, "")
	for _, target := range []string{"/bkt?acl", "/bkt/k?acl"} {
		wantBody(t, a.want("GET", target, "", 200, ""),
			"<Owner><ID>tarn</ID><DisplayName>tarn</DisplayName></Owner>",
			`<Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>tarn</ID>`,
			"<Permission>FULL_CONTROL</Permission>")
		a.want("PUT", target, "", 200, "", "X-Amz-Acl", "private")
		a.want("PUT", target, "", 501, "NotImplemented", "X-Amz-Acl", "public-read")
		a.want("PUT", target, "", 501, "NotImplemented", "X-Amz-Grant-Read", `uri="http://acs.amazonaws.com/groups/global/AllUsers"`)
		own := a.do("GET", target, "").Body.String()
		a.want("PUT", target, own, 200, "")
		public := strings.Replace(own, "</AccessControlList>",
			`<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group"><URI>http://acs.amazonaws.com/groups/global/AllUsers</URI></Grantee><Permission>READ</Permission></Grant></AccessControlList>`, 1)
		a.want("PUT", target, public, 501, "NotImplemented")
	}
	a.want("GET", "/bkt/missing?acl", "", 404, "NoSuchKey")
	a.want("PUT", "/missing?acl", "", 404, "NoSuchBucket", "X-Amz-Acl", "private")
	a.want("HEAD", "/missing", "", 404, "")
}

func TestCreateBucketLocation(t *testing.T) {
	body := func(loc string) string {
		return `<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>` + loc + `</LocationConstraint></CreateBucketConfiguration>`
	}
	east := newTestAPI(t, Options{})
	east.want("PUT", "/cb1", body("us-east-1"), 400, "InvalidLocationConstraint")
	east.want("PUT", "/cb2", body("eu-west-1"), 400, "IllegalLocationConstraintException")
	east.want("HEAD", "/cb1", "", 404, "")
	east.want("HEAD", "/cb2", "", 404, "")
	east.want("PUT", "/cb3", body(""), 200, "")
	east.want("PUT", "/cb4", "<CreateBucketConfiguration/>", 200, "")
	east.want("PUT", "/cb5", "", 501, "NotImplemented", "X-Amz-Bucket-Object-Lock-Enabled", "true")
	east.want("HEAD", "/cb5", "", 404, "")

	west := newTestAPI(t, Options{Region: "eu-west-1"})
	west.want("PUT", "/cb1", body("eu-west-1"), 200, "")
	west.want("PUT", "/cb2", body("us-east-1"), 400, "InvalidLocationConstraint")
	west.want("PUT", "/cb3", body("ap-south-1"), 400, "IllegalLocationConstraintException")
	wantBody(t, west.want("GET", "/cb1?location", "", 200, ""), ">eu-west-1</LocationConstraint>")
}

func TestObjectAttributes(t *testing.T) {
	a := newTestAPI(t, Options{})
	a.want("PUT", "/bkt/k", "data", 200, "")
	w := a.want("GET", "/bkt/k?attributes", "", 200, "", "X-Amz-Object-Attributes", "ETag,ObjectSize, StorageClass,Checksum,ObjectParts")
	wantBody(t, w, "<ETag>8d777f385d3dfec8815d20f7496026dc</ETag>", "<StorageClass>STANDARD</StorageClass>", "<ObjectSize>4</ObjectSize>")
	if strings.Contains(w.Body.String(), "ObjectParts") || w.Header().Get("Last-Modified") == "" {
		t.Errorf("attributes of a single-part object: %s, Last-Modified %q", w.Body, w.Header().Get("Last-Modified"))
	}
	a.want("GET", "/bkt/k?attributes", "", 400, "InvalidArgument")
	a.want("GET", "/bkt/k?attributes", "", 400, "InvalidArgument", "X-Amz-Object-Attributes", "Colour")
	a.want("GET", "/bkt/missing?attributes", "", 404, "NoSuchKey", "X-Amz-Object-Attributes", "ETag")
}

func TestNotificationSeam(t *testing.T) {
	a := newTestAPI(t, Options{})
	a.want("PUT", "/bkt?notification", `<NotificationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"/>`, 200, "")
	a.want("PUT", "/bkt?notification", `<NotificationConfiguration><QueueConfiguration><Queue>arn:x</Queue><Event>s3:ObjectCreated:*</Event></QueueConfiguration></NotificationConfiguration>`, 501, "NotImplemented")
}
