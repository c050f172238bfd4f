package s3api

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// plainOps are the operations a request reaches by its method alone, which
// a request naming any subresource must never reach: they write or remove
// whole objects and buckets.
var plainOps = map[string]bool{"PutObject": true, "DeleteObject": true, "CreateBucket": true, "DeleteBucket": true}

// queryFor builds the query that carries a row's subresources, with the
// values S3's clients send.
func queryFor(sub string) url.Values {
	q := url.Values{}
	for _, k := range strings.Split(sub, "&") {
		switch k {
		case "":
		case "partNumber":
			q.Set(k, "1")
		case "uploadId":
			q.Set(k, "u")
		case "list-type":
			q.Set(k, "2")
		default:
			q.Set(k, "")
		}
	}
	return q
}

func TestRouteTable(t *testing.T) {
	for _, row := range operations {
		t.Run(row.method+" "+row.level.String()+" ?"+row.sub, func(t *testing.T) {
			op, fail := route(row.method, row.level, queryFor(row.sub))
			if op.name != row.name {
				t.Errorf("routes to %s, want %s", op.name, row.name)
			}
			switch {
			case row.handle == nil && (fail == nil || fail.Code != "NotImplemented" || fail.Status != http.StatusNotImplemented):
				t.Errorf("unimplemented %s answers %v, want 501 NotImplemented", row.name, fail)
			case row.handle != nil && fail != nil:
				t.Errorf("%s answers %v", row.name, fail)
			}
			if row.sub != "" && plainOps[op.name] {
				t.Errorf("a subresource request routes to %s", op.name)
			}
		})
	}
}

// TestRouteNeverFallsThrough sends every subresource key, alone and with
// another, with every method to buckets and objects: none may reach a
// plain write or delete, and none without a row may answer anything but an
// error.
func TestRouteNeverFallsThrough(t *testing.T) {
	methods := []string{"GET", "HEAD", "PUT", "POST", "DELETE", "PATCH", "OPTIONS"}
	keys := []string{"unknown-subresource", "metadataTable", "abac"}
	for k := range subresources {
		keys = append(keys, k)
	}
	for _, lvl := range []level{bucketLevel, objectLevel} {
		for _, m := range methods {
			for _, k := range keys {
				for _, extra := range []string{"", "tagging", "uploadId", "x-id"} {
					q := url.Values{k: {"1"}}
					if extra != "" {
						q.Set(extra, "1")
					}
					op, fail := route(m, lvl, q)
					if plainOps[op.name] {
						t.Errorf("%s %s ?%s routes to %s", m, lvl, q.Encode(), op.name)
					}
					if fail == nil && op.handle == nil {
						t.Errorf("%s %s ?%s: no handler and no error", m, lvl, q.Encode())
					}
				}
			}
		}
	}
}

func TestRoute(t *testing.T) {
	a := New(nil, discard(), Options{Domains: []string{"localhost"}})
	for _, c := range []struct {
		method, target, op string
		status             int // 0: routed to a handler
	}{
		{"GET", "/", "ListBuckets", 0},
		{"GET", "/?x-id=ListBuckets", "ListBuckets", 0},
		{"PUT", "/b", "CreateBucket", 0},
		{"GET", "/b?list-type=2&prefix=x", "ListObjectsV2", 0},
		{"GET", "/b", "ListObjects", 0},
		{"GET", "/b?prefix=a&marker=b&max-keys=3&encoding-type=url", "ListObjects", 0},
		{"GET", "/b?uploads", "ListMultipartUploads", 0},
		{"GET", "/b?location", "GetBucketLocation", 0},
		{"POST", "/b?delete", "DeleteObjects", 0},
		{"POST", "/b?delete=", "DeleteObjects", 0},
		{"GET", "/b?versioning", "GetBucketVersioning", 0},
		{"PUT", "/b/k", "PutObject", 0},
		{"PUT", "/b/k?x-id=PutObject", "PutObject", 0},
		{"PUT", "/b/k?partNumber=1&uploadId=u", "UploadPart", 0},
		{"POST", "/b/k?uploads", "CreateMultipartUpload", 0},
		{"POST", "/b/k?uploadId=u", "CompleteMultipartUpload", 0},
		{"DELETE", "/b/k?uploadId=u", "AbortMultipartUpload", 0},
		{"GET", "/b/k?uploadId=u", "ListParts", 0},
		{"HEAD", "/b/k", "HeadObject", 0},
		{"GET", "/b/k?response-content-type=text/plain&X-Amz-Signature=abc&x-amz-date=x", "GetObject", 0},
		{"DELETE", "/b/k?versionId=null", "DeleteObject", 0},
		// What used to fall through and lose data.
		{"DELETE", "/b/k?tagging", "DeleteObjectTagging", 0},
		{"DELETE", "/b?cors", "DeleteBucketCors", 0},
		{"DELETE", "/b?policy", "DeleteBucketPolicy", 0},
		{"PUT", "/b?acl", "PutBucketAcl", 0},
		{"PUT", "/b?versioning", "PutBucketVersioning", 0},
		{"PUT", "/b/k?tagging", "PutObjectTagging", 0},
		{"PUT", "/b/k?renameObject", "RenameObject", 501},
		{"PUT", "/b/k?retention", "PutObjectRetention", 501},
		{"DELETE", "/b/k?versionId=3HL4kqtJvjVBH40Nrjfkd", "Unknown", 400},
		{"DELETE", "/b?lifecycle", "DeleteBucketLifecycle", 0},
		{"PUT", "/b?lifecycle", "PutBucketLifecycleConfiguration", 501},
		{"PUT", "/b?metadataTable", "Unknown", 501},
		{"PUT", "/b/k?some-new-thing", "Unknown", 501},
		{"DELETE", "/b/k?tagging&acl", "Unknown", 501},
		{"PUT", "/b?uploads", "Unknown", 501},
		{"PUT", "/b/k?tagging;x", "Unknown", 400},
		{"PUT", "/b/k?%zz", "Unknown", 400},
		{"PATCH", "/b/k", "Unknown", 405},
		{"POST", "/b/k", "Unknown", 405},
	} {
		t.Run(c.method+" "+c.target, func(t *testing.T) {
			path, raw, _ := strings.Cut(c.target, "?")
			r := &http.Request{Method: c.method, Host: "127.0.0.1:9800", URL: &url.URL{Path: path, RawQuery: raw}, Header: http.Header{}}
			_, _, op, fail := a.routeRequest(r)
			if op.name != c.op {
				t.Errorf("routes to %s, want %s", op.name, c.op)
			}
			if status := 0; fail != nil {
				if status = fail.Status; status != c.status {
					t.Errorf("answers %d %s (%s), want %d", status, fail.Code, fail.Message, c.status)
				}
			} else if c.status != 0 {
				t.Errorf("routed to a handler, want %d", c.status)
			}
		})
	}
}

func TestRouteCopyNames(t *testing.T) {
	a := New(nil, discard(), Options{})
	for _, c := range []struct{ raw, op string }{{"", "CopyObject"}, {"partNumber=2&uploadId=u", "UploadPartCopy"}} {
		r := &http.Request{Method: "PUT", URL: &url.URL{Path: "/b/k", RawQuery: c.raw}, Header: http.Header{"X-Amz-Copy-Source": {"/src/k"}}}
		if _, _, op, _ := a.routeRequest(r); op.name != c.op {
			t.Errorf("PUT ?%s with a copy source: %s, want %s", c.raw, op.name, c.op)
		}
	}
}

// FuzzRoute checks that no request panics the router, that a request it
// routes has a handler, and that the plain writes and deletes of objects and
// buckets are reached only by requests whose every query key is a parameter.
func FuzzRoute(f *testing.F) {
	a := New(nil, discard(), Options{Domains: []string{"localhost"}})
	f.Fuzz(func(t *testing.T, method, path, rawQuery string) {
		r := &http.Request{Method: method, Host: "127.0.0.1", URL: &url.URL{Path: path, RawQuery: rawQuery}, Header: http.Header{}}
		bucket, key, op, fail := a.routeRequest(r)
		if fail != nil {
			return
		}
		if op.handle == nil {
			t.Fatalf("%s %s?%s: %s without a handler and no error", method, path, rawQuery, op.name)
		}
		if op.method != method {
			t.Fatalf("%s %s?%s: routed to %s, a %s operation", method, path, rawQuery, op.name, op.method)
		}
		if !plainOps[op.name] {
			return
		}
		if (op.level == objectLevel) != (key != "") || bucket == "" {
			t.Fatalf("%s %s?%s: %s for bucket %q key %q", method, path, rawQuery, op.name, bucket, key)
		}
		for _, pair := range strings.Split(rawQuery, "&") {
			k, _, _ := strings.Cut(pair, "=")
			k, err := url.QueryUnescape(k)
			if err != nil {
				t.Fatalf("%s %s?%s: %s despite the undecodable key %q", method, path, rawQuery, op.name, pair)
			}
			if subresources[k] || k != "" && !isParameter(k) {
				t.Fatalf("%s %s?%s: %s despite the query key %q", method, path, rawQuery, op.name, k)
			}
		}
	})
}
