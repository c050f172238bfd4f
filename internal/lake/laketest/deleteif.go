package laketest

import (
	"bytes"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/tarnlake/tarn/internal/lake"
)

func deleteIfTests() []subtest {
	return []subtest{
		{"Match", testDeleteIfMatch},
		{"Mismatch", testDeleteIfMismatch},
		{"Missing", testDeleteIfMissing},
		{"Any", testDeleteIfAny},
		{"Folder", testDeleteIfFolder},
		{"RacingPut", testDeleteIfRacingPut},
	}
}

// testDeleteIfMatch deletes with the object's ETag, bare and quoted.
func testDeleteIfMatch(t *testing.T, s lake.Store) {
	bucket := newBucket(t, s)
	for _, quoted := range []bool{false, true} {
		key := fmt.Sprintf("dir/k-%v", quoted)
		etag := put(t, s, bucket, key, []byte("to be moved")).ETag
		if quoted {
			etag = `"` + etag + `"`
		}
		if err := s.DeleteIf(t.Context(), bucket, key, etag); err != nil {
			t.Fatalf("delete %s if %s: %v", key, etag, err)
		}
		wantAbsent(t, s, bucket, key)
	}
	if keys := listAll(t.Context(), t, s, bucket, lake.ListOptions{}); len(keys) != 0 {
		t.Errorf("keys left after deleting all: %q", keys)
	}
}

// testDeleteIfMismatch names another version's ETag: nothing is removed.
func testDeleteIfMismatch(t *testing.T, s lake.Store) {
	bucket := newBucket(t, s)
	data := []byte("version B")
	put(t, s, bucket, "k", data)
	for _, etag := range []string{md5hex([]byte("version A")), `"` + md5hex([]byte("version A")) + `"`} {
		err := s.DeleteIf(t.Context(), bucket, "k", etag)
		wantErr(t, "delete if "+etag, err, lake.ErrPreconditionFailed)
	}
	if got, _ := get(t, s, bucket, "k", nil); !bytes.Equal(got, data) {
		t.Errorf("after a failed delete: %q, want %q", got, data)
	}
}

func testDeleteIfMissing(t *testing.T, s lake.Store) {
	bucket := newBucket(t, s)
	etag := md5hex([]byte("v"))
	wantErr(t, "delete never-was", s.DeleteIf(t.Context(), bucket, "never-was", etag), lake.ErrNoSuchKey)
	put(t, s, bucket, "k", []byte("v"))
	if err := s.DeleteIf(t.Context(), bucket, "k", etag); err != nil {
		t.Fatalf("delete k: %v", err)
	}
	wantErr(t, "delete k again", s.DeleteIf(t.Context(), bucket, "k", etag), lake.ErrNoSuchKey)
	wantErr(t, "delete in missing bucket", s.DeleteIf(t.Context(), RandomBucket(t), "k", etag), lake.ErrNoSuchBucket)
}

// testDeleteIfAny: "*" matches whatever version is there, as If-Match: *.
func testDeleteIfAny(t *testing.T, s lake.Store) {
	bucket := newBucket(t, s)
	put(t, s, bucket, "k", []byte("any"))
	if err := s.DeleteIf(t.Context(), bucket, "k", "*"); err != nil {
		t.Fatalf("delete k if any: %v", err)
	}
	wantAbsent(t, s, bucket, "k")
	wantErr(t, "delete missing if any", s.DeleteIf(t.Context(), bucket, "k", "*"), lake.ErrNoSuchKey)
}

// testDeleteIfFolder: "a" is no object when only "a/b" is, whatever a
// backend keeps for the prefix.
func testDeleteIfFolder(t *testing.T, s lake.Store) {
	bucket := newBucket(t, s)
	data := []byte("below")
	put(t, s, bucket, "a/b", data)
	wantErr(t, "delete prefix a", s.DeleteIf(t.Context(), bucket, "a", "*"), lake.ErrNoSuchKey)
	if got, _ := get(t, s, bucket, "a/b", nil); !bytes.Equal(got, data) {
		t.Errorf("a/b after deleting a: %q, want %q", got, data)
	}
}

// deleteIfRounds is how many times testDeleteIfRacingPut races.
const deleteIfRounds = 40

// testDeleteIfRacingPut races DeleteIf(A) against Put(B) on a key that
// holds A. Whichever goes first, B survives: if the delete came first it
// removed A and B landed after; if the put came first, the delete finds B
// and fails. A delete that removed B, a version it did not name, would
// lose an acknowledged write. Which of the two orders happened is not
// checked, so the test cannot flake on timing. The delete starts after a
// random fraction of one put's time, so that across the rounds it lands at
// every point of the put, the moment B replaces A included.
func testDeleteIfRacingPut(t *testing.T, s lake.Store) {
	bucket := newBucket(t, s)
	a, b := randomBytes(64<<10, 1), randomBytes(64<<10, 2)
	for round := range deleteIfRounds {
		key := fmt.Sprintf("k%02d", round%4)
		began := time.Now()
		etagA := put(t, s, bucket, key, a).ETag
		delay := time.Duration(mrand.Int64N(int64(time.Since(began)) + 1))
		start := make(chan struct{})
		var wg sync.WaitGroup
		var putErr, delErr error
		wg.Go(func() {
			<-start
			_, putErr = s.Put(t.Context(), bucket, key, bytes.NewReader(b), lake.PutOptions{Size: int64(len(b))})
		})
		wg.Go(func() {
			<-start
			time.Sleep(delay)
			delErr = s.DeleteIf(t.Context(), bucket, key, etagA)
		})
		close(start)
		wg.Wait()
		if putErr != nil {
			t.Fatalf("round %d: put B: %v", round, putErr)
		}
		if delErr != nil && !errors.Is(delErr, lake.ErrPreconditionFailed) {
			t.Fatalf("round %d: delete if A: %v, want success or %v", round, delErr, lake.ErrPreconditionFailed)
		}
		got, _, err := tryGet(t.Context(), s, bucket, key, nil)
		if err != nil || !bytes.Equal(got, b) {
			t.Fatalf("round %d: B lost (delete if A answered %v): got %d bytes, %v", round, delErr, len(got), err)
		}
	}
}
