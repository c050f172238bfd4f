package laketest

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/tarnlake/tarn/internal/lake"
)

func concurrencyTests() []subtest {
	return []subtest{{"Writers", testConcurrentWriters}}
}

func closeTests() []subtest {
	return []subtest{{"Close", testClose}}
}

// concurrentWriters is how many goroutines write at once.
const concurrentWriters = 16

// testConcurrentWriters has writers put distinct keys and, all of them, one
// shared key, while readers read the shared key. Every read must see one
// whole version: a backend may not let a reader see a half-written object or
// the bytes of two writers mixed.
func testConcurrentWriters(t *testing.T, s lake.Store) {
	bucket := newBucket(t, s)
	// version returns writer w's data: big enough to span many writes.
	version := func(w int) []byte { return randomBytes(256<<10, byte(100+w)) }
	versions := make(map[string]int) // etag → writer
	for w := range concurrentWriters {
		versions[md5hex(version(w))] = w
	}

	var writers, readers sync.WaitGroup
	done := make(chan struct{})
	for w := range concurrentWriters {
		writers.Go(func() {
			data := version(w)
			for _, key := range []string{fmt.Sprintf("own/%02d", w), "shared", "shared"} {
				r := onlyReader{bytes.NewReader(data)}
				if _, err := s.Put(t.Context(), bucket, key, r, lake.PutOptions{Size: int64(len(data))}); err != nil {
					t.Errorf("writer %d: put %s: %v", w, key, err)
				}
			}
		})
	}
	for range 4 {
		readers.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				checkWhole(t, s, bucket, "shared", versions, true)
			}
		})
	}
	writers.Wait()
	close(done)
	readers.Wait()

	checkWhole(t, s, bucket, "shared", versions, false)
	for w := range concurrentWriters {
		data, _ := get(t, s, bucket, fmt.Sprintf("own/%02d", w), nil)
		if !bytes.Equal(data, version(w)) {
			t.Errorf("own/%02d: not writer %d's data", w, w)
		}
	}
}

// checkWhole reads key and checks that its bytes are one writer's version
// and match the ETag read with them. A missing key is fine while writing.
func checkWhole(t *testing.T, s lake.Store, bucket, key string, versions map[string]int, mayBeMissing bool) {
	data, info, err := tryGet(t.Context(), s, bucket, key, nil)
	if mayBeMissing && errors.Is(err, lake.ErrNoSuchKey) {
		return
	}
	if err != nil {
		t.Errorf("get %s: %v", key, err)
		return
	}
	sum := md5hex(data)
	if _, ok := versions[sum]; !ok {
		t.Errorf("get %s: %d bytes that no writer wrote", key, len(data))
		return
	}
	if sum != info.ETag {
		t.Errorf("get %s: data of version %s under etag %s", key, sum, info.ETag)
	}
}

func testClose(t *testing.T, s lake.Store) {
	// Not newBucket: its cleanup would run on the closed store.
	bucket := RandomBucket(t)
	if err := s.CreateBucket(t.Context(), bucket); err != nil {
		t.Fatalf("create bucket: %v", err)
	}
	put(t, s, bucket, "k", []byte("v"))
	if err := s.Delete(t.Context(), bucket, "k"); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if err := s.DeleteBucket(t.Context(), bucket); err != nil {
		t.Fatalf("delete bucket: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
}
