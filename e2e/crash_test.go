package e2e

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// Crash content: every body starts with the 8-byte seed it was generated
// from, so any stored object can be checked against the generator whatever
// key it sits under. Seeds with mpuSeed set are multipart objects.
const (
	mpuSeed     = uint64(1) << 63
	mpuPartSize = 5 << 20
)

func crashContent(seed uint64) []byte {
	var size int
	if seed&mpuSeed != 0 {
		size = 2*mpuPartSize + int(seed%997)*1024 // two full parts and a tail
	} else {
		r := rand.New(rand.NewPCG(seed, 0x7a72))
		size = int(math.Exp(r.Float64()*math.Log(8192))) << 10 // 1 KiB .. 8 MiB, log-uniform
	}
	b := genBytes(seed, size)
	binary.BigEndian.PutUint64(b, seed)
	return b
}

// checkWhole reports whether b is exactly what the generator makes for the
// seed it starts with, and that seed.
func checkWhole(b []byte) (uint64, bool) {
	if len(b) < 8 {
		return 0, false
	}
	seed := binary.BigEndian.Uint64(b)
	return seed, bytes.Equal(b, crashContent(seed))
}

// crashRecord is what the uploaders did, for checking after a restart.
type crashRecord struct {
	mu      sync.Mutex
	tried   map[string][]uint64 // key -> seeds sent for it (acknowledged or not)
	acked   map[string][]uint64 // key -> seeds answered 200
	uploads []*mpuRecord
	killed  atomic.Bool
	early   []error // failures before the kill
}

type mpuRecord struct {
	key       string
	seed      uint64
	id        string           // set once CreateMultipartUpload was answered
	parts     map[int32]string // acknowledged parts: number -> ETag
	completed bool             // CompleteMultipartUpload answered 200
	sizes     map[int32]int64  // expected size of each part
}

func (r *crashRecord) try(key string, seed uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.tried[key] = append(r.tried[key], seed)
}

func (r *crashRecord) ack(key string, seed uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.acked[key] = append(r.acked[key], seed)
}

// failed notes an error; before the kill no request may fail.
func (r *crashRecord) failed(err error) {
	if r.killed.Load() {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.early = append(r.early, err)
}

func (r *crashRecord) ackedCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, s := range r.acked {
		n += len(s)
	}
	return n
}

func TestCrashDuringUploads(t *testing.T) {
	const (
		bucket    = "crash"
		uploaders = 16
		cycles    = 3
		shared    = 4 // keys every uploader overwrites now and then
	)
	srv := startServer(t)
	if _, err := srv.root().CreateBucket(ctx(t), &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	rec := &crashRecord{tried: map[string][]uint64{}, acked: map[string][]uint64{}}
	var nextSeed atomic.Uint64

	for cycle := range cycles {
		t.Run(fmt.Sprintf("cycle %d", cycle), func(t *testing.T) {
			c, cx := srv.client(rootID, rootSecret, func(o *s3.Options) { o.RetryMaxAttempts = 1 }), ctx(t)
			rec.killed.Store(false)
			ackedBefore := rec.ackedCount()
			var stop atomic.Bool
			var wg sync.WaitGroup
			var mpuParts atomic.Int64 // parts acknowledged this cycle
			for u := range uploaders {
				wg.Go(func() {
					if u == 0 {
						multipartUploader(cx, c, bucket, cycle, rec, &stop, &nextSeed, &mpuParts)
						return
					}
					r := rand.New(rand.NewPCG(uint64(cycle), uint64(u)))
					for i := 0; !stop.Load(); i++ {
						key := fmt.Sprintf("c%d/u%02d/%04d", cycle, u, i)
						if r.IntN(8) == 0 {
							key = fmt.Sprintf("shared/%d", r.IntN(shared))
						}
						seed := nextSeed.Add(1)
						body := crashContent(seed)
						rec.try(key, seed)
						_, err := c.PutObject(cx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(body)})
						if err != nil {
							rec.failed(fmt.Errorf("put %s: %w", key, err))
							continue
						}
						rec.ack(key, seed)
					}
				})
			}

			// Let uploads run for a second or more, until a fair number were
			// acknowledged and a multipart upload is under way, then kill
			// the server while the others are in flight.
			start := time.Now()
			deadline := start.Add(3 * time.Minute)
			for time.Since(start) < time.Second || rec.ackedCount()-ackedBefore < 24 || mpuParts.Load() < 1 {
				if time.Now().After(deadline) {
					stop.Store(true)
					wg.Wait()
					t.Fatalf("uploads too slow: %d acknowledged, %d parts; errors: %v", rec.ackedCount()-ackedBefore, mpuParts.Load(), rec.early)
				}
				time.Sleep(20 * time.Millisecond) // polling the uploaders' progress
			}
			stop.Store(true)
			rec.killed.Store(true)
			srv.kill()
			wg.Wait()
			if len(rec.early) > 0 {
				t.Fatalf("uploads failed before the kill: %v", rec.early)
			}
			srv.restart()
			checkAfterCrash(t, srv, bucket, rec, cycle)
		})
	}
}

// multipartUploader runs multipart uploads one after another until stop.
func multipartUploader(cx context.Context, c *s3.Client, bucket string, cycle int, rec *crashRecord, stop *atomic.Bool, nextSeed *atomic.Uint64, parts *atomic.Int64) {
	for i := 0; !stop.Load(); i++ {
		m := &mpuRecord{key: fmt.Sprintf("mpu/c%d/%d", cycle, i), seed: nextSeed.Add(1) | mpuSeed, parts: map[int32]string{}, sizes: map[int32]int64{}}
		body := crashContent(m.seed)
		rec.try(m.key, m.seed)
		rec.mu.Lock()
		rec.uploads = append(rec.uploads, m)
		rec.mu.Unlock()
		up, err := c.CreateMultipartUpload(cx, &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(m.key)})
		if err != nil {
			rec.failed(fmt.Errorf("create upload %s: %w", m.key, err))
			continue
		}
		rec.mu.Lock()
		m.id = aws.ToString(up.UploadId)
		rec.mu.Unlock()
		var done []types.CompletedPart
		for n, off := int32(1), 0; off < len(body); n, off = n+1, off+mpuPartSize {
			part := body[off:min(off+mpuPartSize, len(body))]
			rec.mu.Lock()
			m.sizes[n] = int64(len(part))
			rec.mu.Unlock()
			res, err := c.UploadPart(cx, &s3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String(m.key), UploadId: up.UploadId,
				PartNumber: aws.Int32(n), Body: bytes.NewReader(part)})
			if err != nil {
				rec.failed(fmt.Errorf("upload part %d of %s: %w", n, m.key, err))
				break
			}
			rec.mu.Lock()
			m.parts[n] = aws.ToString(res.ETag)
			rec.mu.Unlock()
			parts.Add(1)
			done = append(done, types.CompletedPart{PartNumber: aws.Int32(n), ETag: res.ETag})
		}
		if len(done) != len(m.sizes) {
			continue
		}
		if _, err := c.CompleteMultipartUpload(cx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(m.key), UploadId: up.UploadId,
			MultipartUpload: &types.CompletedMultipartUpload{Parts: done}}); err != nil {
			rec.failed(fmt.Errorf("complete %s: %w", m.key, err))
			continue
		}
		rec.mu.Lock()
		m.completed = true
		rec.mu.Unlock()
		rec.ack(m.key, m.seed)
	}
}

// checkAfterCrash checks the restarted server against what the uploaders did.
func checkAfterCrash(t *testing.T, srv *server, bucket string, rec *crashRecord, cycle int) {
	t.Helper()
	c, cx := srv.root(), ctx(t)
	waitNoTempFiles(t, srv)

	// Every object listed is whole and is a version some uploader sent for
	// its key: no leftovers, no torn or mixed writes.
	listed := map[string]uint64{} // key -> seed of the stored content
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	for p.HasMorePages() {
		page, err := p.NextPage(cx)
		if err != nil {
			t.Fatalf("list after restart: %v", err)
		}
		for _, o := range page.Contents {
			key := aws.ToString(o.Key)
			if _, ok := rec.tried[key]; !ok {
				t.Errorf("listing shows %q, which no uploader wrote", key)
				continue
			}
			get, err := c.GetObject(cx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
			if err != nil {
				t.Errorf("get listed %q: %v", key, err)
				continue
			}
			b, err := io.ReadAll(get.Body)
			get.Body.Close()
			if err != nil {
				t.Errorf("read listed %q: %v", key, err)
				continue
			}
			seed, whole := checkWhole(b)
			switch {
			case !whole:
				t.Errorf("%q holds %d bytes that are no whole upload (listed size %d)", key, len(b), aws.ToInt64(o.Size))
			case !slices.Contains(rec.tried[key], seed):
				t.Errorf("%q holds the content of seed %d, which was never sent for it", key, seed)
			case int64(len(b)) != aws.ToInt64(o.Size):
				t.Errorf("%q: listed size %d, content %d bytes", key, aws.ToInt64(o.Size), len(b))
			default:
				listed[key] = seed
			}
		}
	}

	// Every acknowledged object survived; a key written once holds exactly
	// what was acknowledged for it.
	acked, inFlight, found := 0, 0, 0
	prefix := fmt.Sprintf("c%d/", cycle)
	for key, seeds := range rec.acked {
		seed, ok := listed[key]
		if !ok {
			t.Errorf("acknowledged %q is gone after the crash", key)
			continue
		}
		if len(rec.tried[key]) == 1 && seed != seeds[0] {
			t.Errorf("%q holds seed %d, acknowledged %d", key, seed, seeds[0])
		}
	}
	for key, seeds := range rec.tried {
		if len(key) < len(prefix) || key[:len(prefix)] != prefix {
			continue
		}
		acked += len(rec.acked[key])
		inFlight += len(seeds) - len(rec.acked[key])
		if _, ok := listed[key]; ok {
			found++
		}
	}

	// Multipart uploads in flight at the kill are still listed with the
	// parts they were told were stored, or were completed whole; never a
	// partial object.
	ups := map[string]string{} // upload id -> key
	up := s3.NewListMultipartUploadsPaginator(c, &s3.ListMultipartUploadsInput{Bucket: aws.String(bucket)})
	for up.HasMorePages() {
		page, err := up.NextPage(cx)
		if err != nil {
			t.Fatalf("list uploads after restart: %v", err)
		}
		for _, u := range page.Uploads {
			ups[aws.ToString(u.UploadId)] = aws.ToString(u.Key)
		}
	}
	mpuListed, mpuCompleted := 0, 0
	for _, m := range rec.uploads {
		if m.completed || m.id == "" {
			continue // checked above / nothing was promised
		}
		key, isListed := ups[m.id]
		_, isObject := listed[m.key]
		switch {
		case isListed && key != m.key:
			t.Errorf("upload %s listed for %q, created for %q", m.id, key, m.key)
		case isListed:
			mpuListed++
			checkParts(t, c, bucket, m)
		case isObject:
			mpuCompleted++ // the completion was in flight and took effect
		default:
			t.Errorf("upload %s of %q (acknowledged, %d parts acknowledged) vanished in the crash", m.id, m.key, len(m.parts))
		}
	}
	rec.uploads = nil // checked; the ones still open are aborted next
	for id, key := range ups {
		if _, ok := rec.tried[key]; !ok {
			t.Errorf("upload %s listed for %q, which no uploader wrote", id, key)
		}
		if _, err := c.AbortMultipartUpload(cx, &s3.AbortMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(key), UploadId: aws.String(id)}); err != nil {
			t.Errorf("abort %s after restart: %v", id, err)
		}
	}
	t.Logf("cycle %d: %d uploads acknowledged, %d in flight at the kill, %d of this cycle's keys found; %d objects in all; "+
		"multipart: %d open uploads still listed, %d completed by an unanswered request",
		cycle, acked, inFlight, found, len(listed), mpuListed, mpuCompleted)
}

// checkParts checks that an upload listed after a crash holds every part it
// acknowledged, each whole.
func checkParts(t *testing.T, c *s3.Client, bucket string, m *mpuRecord) {
	t.Helper()
	res, err := c.ListParts(ctx(t), &s3.ListPartsInput{Bucket: aws.String(bucket), Key: aws.String(m.key), UploadId: aws.String(m.id)})
	if err != nil {
		t.Errorf("list parts of %s: %v", m.id, err)
		return
	}
	got := map[int32]types.Part{}
	for _, p := range res.Parts {
		n := aws.ToInt32(p.PartNumber)
		got[n] = p
		if want, ok := m.sizes[n]; !ok || aws.ToInt64(p.Size) != want {
			t.Errorf("upload %s lists part %d of %d bytes, want %d", m.id, n, aws.ToInt64(p.Size), want)
		}
	}
	for n, etag := range m.parts {
		if p, ok := got[n]; !ok || aws.ToString(p.ETag) != etag {
			t.Errorf("upload %s lost acknowledged part %d (ETag %s): listed %+v", m.id, n, etag, res.Parts)
		}
	}
}
