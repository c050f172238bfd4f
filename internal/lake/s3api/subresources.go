package s3api

import (
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/awsapi"
)

// S3 names most operations by a query key, its subresource: DELETE
// /b/k?tagging deletes the object's tags, not the object. Routing therefore
// looks at the subresources first and at the method's plain meaning only when
// there are none. A request whose subresources no row names, or whose row
// tarn does not implement, answers NotImplemented: it never falls through to
// another operation, which could delete or create what the caller did not mean.

// level is what a request addresses.
type level int

const (
	serviceLevel level = iota // no bucket: ListBuckets
	bucketLevel
	objectLevel
)

func (l level) String() string {
	return [...]string{"the service", "a bucket", "an object"}[l]
}

// handlerFunc serves one operation; bucket and key come from the request's
// host and path.
type handlerFunc = func(a *API, w http.ResponseWriter, r *http.Request, bucket, key string) error

// operation is one row of the routing table: a request with this method, at
// this level, carrying exactly these subresources, is this S3 operation.
type operation struct {
	method string
	level  level
	sub    string // subresource keys, sorted and joined by "&"; "" for none
	name   string // S3's name for the operation
	action access.Action
	handle handlerFunc // nil: tarn does not implement it
}

// operations is the routing table. The answers for bucket features tarn
// does not have (policy, CORS, lifecycle, ...) are S3's for a bucket where
// the feature was never configured; see config.go.
var operations = []operation{
	{"GET", serviceLevel, "", "ListBuckets", access.Read, (*API).listBuckets},

	{"PUT", bucketLevel, "", "CreateBucket", access.Write, (*API).createBucket},
	{"HEAD", bucketLevel, "", "HeadBucket", access.Read, (*API).headBucket},
	{"DELETE", bucketLevel, "", "DeleteBucket", access.Write, (*API).deleteBucket},
	{"GET", bucketLevel, "", "ListObjects", access.Read, (*API).listObjectsV1},
	{"POST", bucketLevel, "", "PostObject", access.Write, nil},
	{"GET", bucketLevel, "list-type", "ListObjectsV2", access.Read, (*API).listObjectsV2},
	{"GET", bucketLevel, "versions", "ListObjectVersions", access.Read, nil},
	{"GET", bucketLevel, "uploads", "ListMultipartUploads", access.Read, (*API).listUploads},
	{"GET", bucketLevel, "location", "GetBucketLocation", access.Read, (*API).bucketLocation},
	{"POST", bucketLevel, "delete", "DeleteObjects", access.Write, (*API).deleteObjects},
	{"GET", bucketLevel, "tagging", "GetBucketTagging", access.Read, (*API).getBucketTagging},
	{"PUT", bucketLevel, "tagging", "PutBucketTagging", access.Write, (*API).putBucketTagging},
	{"DELETE", bucketLevel, "tagging", "DeleteBucketTagging", access.Write, (*API).deleteBucketTagging},
	{"GET", bucketLevel, "acl", "GetBucketAcl", access.Read, (*API).getACL},
	{"PUT", bucketLevel, "acl", "PutBucketAcl", access.Write, (*API).putACL},
	{"GET", bucketLevel, "policy", "GetBucketPolicy", access.Read, notConfigured("NoSuchBucketPolicy", "The bucket policy does not exist")},
	{"PUT", bucketLevel, "policy", "PutBucketPolicy", access.Write, nil},
	{"DELETE", bucketLevel, "policy", "DeleteBucketPolicy", access.Write, nothingToDelete},
	{"GET", bucketLevel, "policyStatus", "GetBucketPolicyStatus", access.Read, notConfigured("NoSuchBucketPolicy", "The bucket policy does not exist")},
	{"GET", bucketLevel, "cors", "GetBucketCors", access.Read, notConfigured("NoSuchCORSConfiguration", "The CORS configuration does not exist")},
	{"PUT", bucketLevel, "cors", "PutBucketCors", access.Write, nil},
	{"DELETE", bucketLevel, "cors", "DeleteBucketCors", access.Write, nothingToDelete},
	{"GET", bucketLevel, "lifecycle", "GetBucketLifecycleConfiguration", access.Read, notConfigured("NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist")},
	{"PUT", bucketLevel, "lifecycle", "PutBucketLifecycleConfiguration", access.Write, nil},
	{"DELETE", bucketLevel, "lifecycle", "DeleteBucketLifecycle", access.Write, nothingToDelete},
	{"GET", bucketLevel, "website", "GetBucketWebsite", access.Read, notConfigured("NoSuchWebsiteConfiguration", "The specified bucket does not have a website configuration")},
	{"PUT", bucketLevel, "website", "PutBucketWebsite", access.Write, nil},
	{"DELETE", bucketLevel, "website", "DeleteBucketWebsite", access.Write, nothingToDelete},
	{"GET", bucketLevel, "replication", "GetBucketReplication", access.Read, notConfigured("ReplicationConfigurationNotFoundError", "The replication configuration was not found")},
	{"PUT", bucketLevel, "replication", "PutBucketReplication", access.Write, nil},
	{"DELETE", bucketLevel, "replication", "DeleteBucketReplication", access.Write, nothingToDelete},
	{"GET", bucketLevel, "object-lock", "GetObjectLockConfiguration", access.Read, notConfigured("ObjectLockConfigurationNotFoundError", "Object Lock configuration does not exist for this bucket")},
	{"PUT", bucketLevel, "object-lock", "PutObjectLockConfiguration", access.Write, nil},
	{"GET", bucketLevel, "publicAccessBlock", "GetPublicAccessBlock", access.Read, notConfigured("NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found")},
	{"PUT", bucketLevel, "publicAccessBlock", "PutPublicAccessBlock", access.Write, nil},
	{"DELETE", bucketLevel, "publicAccessBlock", "DeletePublicAccessBlock", access.Write, nothingToDelete},
	{"GET", bucketLevel, "ownershipControls", "GetBucketOwnershipControls", access.Read, notConfigured("OwnershipControlsNotFoundError", "The bucket ownership controls were not found")},
	{"PUT", bucketLevel, "ownershipControls", "PutBucketOwnershipControls", access.Write, nil},
	{"DELETE", bucketLevel, "ownershipControls", "DeleteBucketOwnershipControls", access.Write, nothingToDelete},
	{"GET", bucketLevel, "versioning", "GetBucketVersioning", access.Read, answer(versioningConfig{NS: s3NS})},
	{"PUT", bucketLevel, "versioning", "PutBucketVersioning", access.Write, (*API).putBucketVersioning},
	{"GET", bucketLevel, "encryption", "GetBucketEncryption", access.Read, answer(defaultEncryption)},
	{"PUT", bucketLevel, "encryption", "PutBucketEncryption", access.Write, nil},
	{"DELETE", bucketLevel, "encryption", "DeleteBucketEncryption", access.Write, nothingToDelete},
	{"GET", bucketLevel, "logging", "GetBucketLogging", access.Read, answer(emptyConfig("BucketLoggingStatus"))},
	{"PUT", bucketLevel, "logging", "PutBucketLogging", access.Write, nil},
	{"GET", bucketLevel, "notification", "GetBucketNotificationConfiguration", access.Read, (*API).getBucketNotification},
	{"PUT", bucketLevel, "notification", "PutBucketNotificationConfiguration", access.Write, (*API).putBucketNotification},
	{"GET", bucketLevel, "accelerate", "GetBucketAccelerateConfiguration", access.Read, answer(emptyConfig("AccelerateConfiguration"))},
	{"PUT", bucketLevel, "accelerate", "PutBucketAccelerateConfiguration", access.Write, nil},
	{"GET", bucketLevel, "requestPayment", "GetBucketRequestPayment", access.Read, answer(requestPayment{NS: s3NS, Payer: "BucketOwner"})},
	{"PUT", bucketLevel, "requestPayment", "PutBucketRequestPayment", access.Write, nil},
	{"GET", bucketLevel, "analytics", "GetBucketAnalyticsConfiguration", access.Read, nil},
	{"PUT", bucketLevel, "analytics", "PutBucketAnalyticsConfiguration", access.Write, nil},
	{"DELETE", bucketLevel, "analytics", "DeleteBucketAnalyticsConfiguration", access.Write, nil},
	{"GET", bucketLevel, "inventory", "GetBucketInventoryConfiguration", access.Read, nil},
	{"PUT", bucketLevel, "inventory", "PutBucketInventoryConfiguration", access.Write, nil},
	{"DELETE", bucketLevel, "inventory", "DeleteBucketInventoryConfiguration", access.Write, nil},
	{"GET", bucketLevel, "metrics", "GetBucketMetricsConfiguration", access.Read, nil},
	{"PUT", bucketLevel, "metrics", "PutBucketMetricsConfiguration", access.Write, nil},
	{"DELETE", bucketLevel, "metrics", "DeleteBucketMetricsConfiguration", access.Write, nil},
	{"GET", bucketLevel, "intelligent-tiering", "GetBucketIntelligentTieringConfiguration", access.Read, nil},
	{"PUT", bucketLevel, "intelligent-tiering", "PutBucketIntelligentTieringConfiguration", access.Write, nil},
	{"DELETE", bucketLevel, "intelligent-tiering", "DeleteBucketIntelligentTieringConfiguration", access.Write, nil},
	{"GET", bucketLevel, "session", "CreateSession", access.Read, nil},

	{"PUT", objectLevel, "", "PutObject", access.Write, (*API).putObject},
	{"GET", objectLevel, "", "GetObject", access.Read, (*API).getObject},
	{"HEAD", objectLevel, "", "HeadObject", access.Read, (*API).getObject},
	{"DELETE", objectLevel, "", "DeleteObject", access.Write, (*API).deleteObject},
	{"POST", objectLevel, "uploads", "CreateMultipartUpload", access.Write, (*API).createUpload},
	{"PUT", objectLevel, "partNumber&uploadId", "UploadPart", access.Write, (*API).uploadPart},
	{"GET", objectLevel, "uploadId", "ListParts", access.Read, (*API).listParts},
	{"POST", objectLevel, "uploadId", "CompleteMultipartUpload", access.Write, (*API).completeUpload},
	{"DELETE", objectLevel, "uploadId", "AbortMultipartUpload", access.Write, (*API).abortUpload},
	{"GET", objectLevel, "partNumber", "GetObject", access.Read, nil}, // one part of a multipart object: tarn keeps no part boundaries
	{"HEAD", objectLevel, "partNumber", "HeadObject", access.Read, nil},
	{"GET", objectLevel, "tagging", "GetObjectTagging", access.Read, (*API).getObjectTagging},
	{"PUT", objectLevel, "tagging", "PutObjectTagging", access.Write, (*API).putObjectTagging},
	{"DELETE", objectLevel, "tagging", "DeleteObjectTagging", access.Write, (*API).deleteObjectTagging},
	{"GET", objectLevel, "acl", "GetObjectAcl", access.Read, (*API).getACL},
	{"PUT", objectLevel, "acl", "PutObjectAcl", access.Write, (*API).putACL},
	{"GET", objectLevel, "attributes", "GetObjectAttributes", access.Read, (*API).getObjectAttributes},
	{"GET", objectLevel, "retention", "GetObjectRetention", access.Read, nil},
	{"PUT", objectLevel, "retention", "PutObjectRetention", access.Write, nil},
	{"GET", objectLevel, "legal-hold", "GetObjectLegalHold", access.Read, nil},
	{"PUT", objectLevel, "legal-hold", "PutObjectLegalHold", access.Write, nil},
	{"POST", objectLevel, "restore", "RestoreObject", access.Write, nil},
	{"POST", objectLevel, "select", "SelectObjectContent", access.Read, nil},
	{"GET", objectLevel, "torrent", "GetObjectTorrent", access.Read, nil},
	{"PUT", objectLevel, "renameObject", "RenameObject", access.Write, nil},
	{"PUT", objectLevel, "encryption", "UpdateObjectEncryption", access.Write, nil},
}

// parameters are the query keys that qualify an operation rather than name
// one: listing options, response-* overrides, versionId, the SDKs' x-id and
// the signature of presigned URLs (X-Amz-*, matched without case).
var parameters = setOf(
	"versionId", "id", "x-id", "prefix", "delimiter", "marker", "max-keys", "encoding-type",
	"continuation-token", "start-after", "fetch-owner", "key-marker", "version-id-marker",
	"upload-id-marker", "max-uploads", "max-parts", "part-number-marker", "max-buckets",
	"max-directory-buckets", "bucket-region", "select-type",
	"response-cache-control", "response-content-disposition", "response-content-encoding",
	"response-content-language", "response-content-type", "response-expires",
	"AWSAccessKeyId", "Signature", "Expires",
)

type routeKey struct {
	method string
	level  level
	sub    string
}

var (
	routes       = indexRoutes(operations)
	subresources = subresourceKeys(operations)
)

func indexRoutes(ops []operation) map[routeKey]operation {
	m := make(map[routeKey]operation, len(ops))
	for _, op := range ops {
		k := routeKey{op.method, op.level, op.sub}
		if _, dup := m[k]; dup {
			panic("s3api: two operations for " + op.method + " " + op.level.String() + " ?" + op.sub)
		}
		m[k] = op
	}
	return m
}

func subresourceKeys(ops []operation) map[string]bool {
	m := map[string]bool{}
	for _, op := range ops {
		for _, k := range strings.Split(op.sub, "&") {
			if k != "" {
				m[k] = true
			}
		}
	}
	return m
}

func setOf(keys ...string) map[string]bool {
	m := make(map[string]bool, len(keys))
	for _, k := range keys {
		m[k] = true
	}
	return m
}

func isParameter(k string) bool {
	return parameters[k] || len(k) > 6 && strings.EqualFold(k[:6], "x-amz-")
}

// unknownOp names requests that no operation matches, in logs and metrics.
const unknownOp = "Unknown"

// route picks the operation for a request, or the error to answer: 405 for a
// method that means nothing at that level, 501 for any subresource or query
// key tarn does not serve.
func route(method string, lvl level, q url.Values) (operation, *awsapi.Error) {
	var subs []string
	for k := range q {
		switch {
		case subresources[k]:
			subs = append(subs, k)
		case isParameter(k) || k == "":
		default:
			return operation{name: unknownOp}, awsapi.Errorf(http.StatusNotImplemented, "NotImplemented",
				"tarn does not implement the query parameter %q (on %s %s); the request changed nothing", k, method, lvl)
		}
	}
	if v, ok := q["versionId"]; ok && lvl == objectLevel && (len(v) != 1 || v[0] != "null") {
		// tarn keeps one version of each object, whose id is "null" as on an
		// unversioned bucket; acting on the current one instead of the
		// version named would delete or return the wrong data.
		return operation{name: unknownOp}, awsapi.Errorf(http.StatusBadRequest, "InvalidArgument", "Invalid version id specified")
	}
	sort.Strings(subs)
	sub := strings.Join(subs, "&")
	op, ok := routes[routeKey{method, lvl, sub}]
	switch {
	case !ok && sub == "":
		return operation{name: unknownOp}, awsapi.Errorf(http.StatusMethodNotAllowed, "MethodNotAllowed",
			"The specified method is not allowed against this resource.")
	case !ok:
		return operation{name: unknownOp}, awsapi.Errorf(http.StatusNotImplemented, "NotImplemented",
			"tarn does not implement %s on %s with the ?%s subresource; the request changed nothing", method, lvl, sub)
	case op.handle == nil:
		return op, awsapi.Errorf(http.StatusNotImplemented, "NotImplemented",
			"tarn does not implement %s (the ?%s subresource of %s); the request changed nothing", op.name, op.sub, lvl)
	}
	return op, nil
}

// routeRequest finds r's target and operation, or the error to answer.
func (a *API) routeRequest(r *http.Request) (bucket, key string, op operation, fail *awsapi.Error) {
	bucket, key = a.target(r)
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		// Dropping the pair that does not parse could drop a subresource
		// and leave a plain write.
		return bucket, key, operation{name: unknownOp}, awsapi.Errorf(http.StatusBadRequest, "InvalidArgument",
			"The query string is malformed: %v", err)
	}
	lvl := objectLevel
	switch {
	case bucket == "":
		lvl = serviceLevel
	case key == "":
		lvl = bucketLevel
	}
	op, fail = route(r.Method, lvl, q)
	if fail == nil && r.Header.Get("X-Amz-Copy-Source") != "" {
		switch op.name { // same handlers, which see the header; S3's names
		case "PutObject":
			op.name = "CopyObject"
		case "UploadPart":
			op.name = "UploadPartCopy"
		}
	}
	return bucket, key, op, fail
}
