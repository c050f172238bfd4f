package laketest

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"slices"
	"testing"

	"github.com/tarnlake/tarn/internal/lake"
)

func multipartTests() []subtest {
	return []subtest{
		{"Complete", testMultipartComplete},
		{"EntityTooSmall", testEntityTooSmall},
		{"InvalidPartOrder", testInvalidPartOrder},
		{"InvalidPart", testInvalidPart},
		{"NoSuchUpload", testNoSuchUpload},
		{"Abort", testAbortUpload},
		{"ListUploads", testListUploads},
		{"ReplacePart", testReplacePart},
		{"FailingPart", testFailingPart},
		{"PartNumberRange", testPartNumberRange},
	}
}

// multipartETag is S3's ETag of a completed upload: the MD5 of the parts'
// binary MD5s, then "-" and the number of parts.
func multipartETag(parts ...[]byte) string {
	h := md5.New()
	for _, p := range parts {
		sum := md5.Sum(p)
		h.Write(sum[:])
	}
	return fmt.Sprintf("%s-%d", hex.EncodeToString(h.Sum(nil)), len(parts))
}

func createUpload(t *testing.T, s lake.Store, bucket, key string, opts lake.PutOptions) string {
	t.Helper()
	id, err := s.CreateUpload(t.Context(), bucket, key, opts)
	if err != nil {
		t.Fatalf("create upload %s: %v", key, err)
	}
	if id == "" {
		t.Fatalf("create upload %s: empty upload id", key)
	}
	return id
}

// uploadPart uploads data as part n through a reader that hides Seek.
func uploadPart(t *testing.T, s lake.Store, bucket, key, id string, n int, data []byte) lake.Part {
	t.Helper()
	p, err := s.UploadPart(t.Context(), bucket, key, id, n, onlyReader{bytes.NewReader(data)}, int64(len(data)))
	if err != nil {
		t.Fatalf("upload part %d: %v", n, err)
	}
	if p.Number != n || p.ETag != md5hex(data) || p.Size != int64(len(data)) {
		t.Errorf("upload part %d: got number %d etag %q size %d, want etag %q size %d",
			n, p.Number, p.ETag, p.Size, md5hex(data), len(data))
	}
	return p
}

func listParts(t *testing.T, s lake.Store, bucket, key, id string) []lake.Part {
	t.Helper()
	parts, err := s.ListParts(t.Context(), bucket, key, id)
	if err != nil {
		t.Fatalf("list parts: %v", err)
	}
	return parts
}

func testMultipartComplete(t *testing.T, s lake.Store) {
	bucket := newBucket(t, s)
	opts := lake.PutOptions{Size: -1, ContentType: "application/x-tarn", Headers: storedHeaders(), Metadata: map[string]string{"kind": "multi"}}
	id := createUpload(t, s, bucket, "big", opts)
	data := [][]byte{randomBytes(lake.MinPartSize, 5), randomBytes(lake.MinPartSize, 6), {'!'}}
	// Out of order: any part may arrive first.
	for _, n := range []int{3, 1, 2} {
		uploadPart(t, s, bucket, "big", id, n, data[n-1])
	}

	parts := listParts(t, s, bucket, "big", id)
	if len(parts) != 3 {
		t.Fatalf("list parts: %d parts, want 3", len(parts))
	}
	for i, p := range parts {
		d := data[i]
		if p.Number != i+1 || p.ETag != md5hex(d) || p.Size != int64(len(d)) || !recent(p.LastModified) {
			t.Errorf("list parts[%d]: %+v, want number %d etag %q size %d", i, p, i+1, md5hex(d), len(d))
		}
	}

	info, err := s.CompleteUpload(t.Context(), bucket, "big", id, parts)
	if err != nil {
		t.Fatalf("complete: %v", err)
	}
	whole := bytes.Join(data, nil)
	want := multipartETag(data...)
	if info.ETag != want || info.Size != int64(len(whole)) {
		t.Errorf("complete: etag %q size %d, want %q %d", info.ETag, info.Size, want, len(whole))
	}
	got, ginfo := get(t, s, bucket, "big", nil)
	if !bytes.Equal(got, whole) {
		t.Errorf("get: %d bytes (md5 %s), want %d (md5 %s)", len(got), md5hex(got), len(whole), md5hex(whole))
	}
	if ginfo.ETag != want || ginfo.Size != int64(len(whole)) || ginfo.ContentType != opts.ContentType || ginfo.Metadata["kind"] != "multi" {
		t.Errorf("get: %+v, want etag %q size %d and the upload's content type and metadata", ginfo, want, len(whole))
	}
	for name, v := range opts.Headers {
		if ginfo.Headers[name] != v {
			t.Errorf("get: header %s %q, want %q", name, ginfo.Headers[name], v)
		}
	}

	_, err = s.ListParts(t.Context(), bucket, "big", id)
	wantErr(t, "list parts after complete", err, lake.ErrNoSuchUpload)
	if ids := uploadIDs(t, s, bucket, ""); len(ids) > 0 {
		t.Errorf("list uploads after complete: %q, want none", ids)
	}
}

// twoParts uploads two parts of size n1 and n2 and returns them.
func twoParts(t *testing.T, s lake.Store, bucket, key string, n1, n2 int) (string, []lake.Part) {
	t.Helper()
	id := createUpload(t, s, bucket, key, lake.PutOptions{Size: -1})
	p1 := uploadPart(t, s, bucket, key, id, 1, randomBytes(n1, 7))
	p2 := uploadPart(t, s, bucket, key, id, 2, randomBytes(n2, 8))
	return id, []lake.Part{p1, p2}
}

func testEntityTooSmall(t *testing.T, s lake.Store) {
	bucket := newBucket(t, s)
	id, parts := twoParts(t, s, bucket, "k", lake.MinPartSize-1, 10)
	_, err := s.CompleteUpload(t.Context(), bucket, "k", id, parts)
	wantErr(t, "complete with a small first part", err, lake.ErrEntityTooSmall)
	wantAbsent(t, s, bucket, "k")
}

func testInvalidPartOrder(t *testing.T, s lake.Store) {
	bucket := newBucket(t, s)
	id, parts := twoParts(t, s, bucket, "k", lake.MinPartSize, lake.MinPartSize)
	for _, order := range [][]lake.Part{{parts[1], parts[0]}, {parts[0], parts[0], parts[1]}} {
		_, err := s.CompleteUpload(t.Context(), bucket, "k", id, order)
		wantErr(t, fmt.Sprintf("complete with parts %d", partNumbers(order)), err, lake.ErrInvalidPartOrder)
	}
	wantAbsent(t, s, bucket, "k")
	// A failed complete leaves the upload open for a correct one.
	if _, err := s.CompleteUpload(t.Context(), bucket, "k", id, parts); err != nil {
		t.Errorf("complete in order after failures: %v", err)
	}
}

func testInvalidPart(t *testing.T, s lake.Store) {
	bucket := newBucket(t, s)
	id, parts := twoParts(t, s, bucket, "k", lake.MinPartSize, 10)
	wrongETag := []lake.Part{parts[0], {Number: 2, ETag: md5hex([]byte("something else"))}}
	_, err := s.CompleteUpload(t.Context(), bucket, "k", id, wrongETag)
	wantErr(t, "complete with a wrong etag", err, lake.ErrInvalidPart)
	neverUploaded := []lake.Part{parts[0], parts[1], {Number: 3, ETag: parts[1].ETag}}
	_, err = s.CompleteUpload(t.Context(), bucket, "k", id, neverUploaded)
	wantErr(t, "complete with a part never uploaded", err, lake.ErrInvalidPart)
	wantAbsent(t, s, bucket, "k")
}

func testNoSuchUpload(t *testing.T, s lake.Store) {
	bucket := newBucket(t, s)
	const id = "no-such-upload"
	ctx := t.Context()
	_, err := s.UploadPart(ctx, bucket, "k", id, 1, bytes.NewReader([]byte("x")), 1)
	wantErr(t, "upload part", err, lake.ErrNoSuchUpload)
	_, err = s.ListParts(ctx, bucket, "k", id)
	wantErr(t, "list parts", err, lake.ErrNoSuchUpload)
	_, err = s.CompleteUpload(ctx, bucket, "k", id, []lake.Part{{Number: 1, ETag: md5hex([]byte("x"))}})
	wantErr(t, "complete", err, lake.ErrNoSuchUpload)
	wantErr(t, "abort", s.AbortUpload(ctx, bucket, "k", id), lake.ErrNoSuchUpload)

	// An upload's id is bound to its key.
	id2 := createUpload(t, s, bucket, "real", lake.PutOptions{Size: -1})
	_, err = s.ListParts(ctx, bucket, "other", id2)
	wantErr(t, "list parts under another key", err, lake.ErrNoSuchUpload)
}

func testAbortUpload(t *testing.T, s lake.Store) {
	bucket := newBucket(t, s)
	id := createUpload(t, s, bucket, "k", lake.PutOptions{Size: -1})
	uploadPart(t, s, bucket, "k", id, 1, []byte("part"))
	if err := s.AbortUpload(t.Context(), bucket, "k", id); err != nil {
		t.Fatalf("abort: %v", err)
	}
	_, err := s.ListParts(t.Context(), bucket, "k", id)
	wantErr(t, "list parts after abort", err, lake.ErrNoSuchUpload)
	if ids := uploadIDs(t, s, bucket, ""); len(ids) > 0 {
		t.Errorf("list uploads after abort: %q, want none", ids)
	}
	wantAbsent(t, s, bucket, "k")
}

// uploadIDs lists the uploads under prefix as "key id" strings.
func uploadIDs(t *testing.T, s lake.Store, bucket, prefix string) []string {
	t.Helper()
	uploads, err := s.ListUploads(t.Context(), bucket, prefix)
	if err != nil {
		t.Fatalf("list uploads %q: %v", prefix, err)
	}
	var ids []string
	for _, u := range uploads {
		if !recent(u.Initiated) {
			t.Errorf("upload %s initiated %v, want about now", u.Key, u.Initiated)
		}
		ids = append(ids, u.Key+" "+u.ID)
	}
	return ids
}

func testListUploads(t *testing.T, s lake.Store) {
	bucket := newBucket(t, s)
	var logs, all []string
	for _, key := range []string{"logs/2", "data/1", "logs/1"} {
		id := createUpload(t, s, bucket, key, lake.PutOptions{Size: -1})
		all = append(all, key+" "+id)
		if key[:5] == "logs/" {
			logs = append(logs, key+" "+id)
		}
	}
	// Sorted by key; each key has one upload, so the ids do not matter.
	slices.Sort(logs)
	slices.Sort(all)
	wantStrings(t, "uploads under logs/", uploadIDs(t, s, bucket, "logs/"), logs)
	wantStrings(t, "all uploads", uploadIDs(t, s, bucket, ""), all)
	wantStrings(t, "uploads under zz", uploadIDs(t, s, bucket, "zz"), nil)
}

func testReplacePart(t *testing.T, s lake.Store) {
	bucket := newBucket(t, s)
	id := createUpload(t, s, bucket, "k", lake.PutOptions{Size: -1})
	uploadPart(t, s, bucket, "k", id, 1, []byte("first try"))
	final := []byte("second")
	p := uploadPart(t, s, bucket, "k", id, 1, final)
	parts := listParts(t, s, bucket, "k", id)
	if len(parts) != 1 || parts[0].ETag != p.ETag || parts[0].Size != int64(len(final)) {
		t.Fatalf("list parts after replacing part 1: %+v, want one part %+v", parts, p)
	}
	info, err := s.CompleteUpload(t.Context(), bucket, "k", id, parts)
	if err != nil {
		t.Fatalf("complete: %v", err)
	}
	if want := multipartETag(final); info.ETag != want {
		t.Errorf("complete: etag %q, want %q", info.ETag, want)
	}
	if got, _ := get(t, s, bucket, "k", nil); !bytes.Equal(got, final) {
		t.Errorf("get: %q, want %q", got, final)
	}
}

func testFailingPart(t *testing.T, s lake.Store) {
	bucket := newBucket(t, s)
	id := createUpload(t, s, bucket, "k", lake.PutOptions{Size: -1})
	good := uploadPart(t, s, bucket, "k", id, 1, []byte("good part"))
	data := randomBytes(2<<20, 9)
	for n, size := range map[int]int64{1: int64(len(data)), 2: int64(len(data)), 3: -1} {
		r := &failingReader{bytes.NewReader(data), 1 << 20}
		if _, err := s.UploadPart(t.Context(), bucket, "k", id, n, r, size); err == nil {
			t.Errorf("upload part %d (size %d) from a failing reader: no error", n, size)
		}
	}
	parts := listParts(t, s, bucket, "k", id)
	if len(parts) != 1 || parts[0].Number != 1 || parts[0].ETag != good.ETag {
		t.Errorf("list parts after failed uploads: %+v, want only %+v", parts, good)
	}
}

func testPartNumberRange(t *testing.T, s lake.Store) {
	bucket := newBucket(t, s)
	id := createUpload(t, s, bucket, "k", lake.PutOptions{Size: -1})
	for _, n := range []int{0, -1, 10001} {
		if _, err := s.UploadPart(t.Context(), bucket, "k", id, n, bytes.NewReader([]byte("x")), 1); err == nil {
			t.Errorf("upload part %d: no error", n)
		}
	}
	uploadPart(t, s, bucket, "k", id, 10000, []byte("last"))
}

func partNumbers(parts []lake.Part) []int {
	ns := make([]int, len(parts))
	for i, p := range parts {
		ns[i] = p.Number
	}
	return ns
}
