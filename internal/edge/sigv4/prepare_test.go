package sigv4

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"runtime"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// untouchable is a body that fails the test when read.
type untouchable struct{ t *testing.T }

func (u untouchable) Read([]byte) (int, error) {
	u.t.Error("Prepare read the body")
	return 0, io.ErrUnexpectedEOF
}
func (untouchable) Close() error { return nil }

// jsonRequest is a JSON 1.1 call as the SDKs sign it: the body's hash is
// signed, not sent.
func jsonRequest(t *testing.T, creds aws.Credentials, body []byte, at time.Time) *http.Request {
	t.Helper()
	r, _ := http.NewRequest(http.MethodPost, "http://"+sdkHost+"/", bytes.NewReader(body))
	r.Header.Set("X-Amz-Target", "Kinesis_20131202.PutRecord")
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, hex.EncodeToString(sum[:]), "kinesis", "us-east-1", at); err != nil {
		t.Fatal(err)
	}
	return onWireBody(t, r, body)
}

// onWireBody is onWire for a request whose body must stay readable.
func onWireBody(t *testing.T, r *http.Request, body []byte) *http.Request {
	t.Helper()
	w := onWire(t, r)
	w.Body = io.NopCloser(bytes.NewReader(body))
	return w
}

func TestPrepare(t *testing.T) {
	v := sdkVerifier(sdkTime)
	body := []byte(`{"StreamName":"s","Data":"eA==","PartitionKey":"p"}`)

	t.Run("json body is buffered", func(t *testing.T) {
		r := jsonRequest(t, sdkCreds(), body, sdkTime)
		plan, err := v.Prepare(r)
		if err != nil || plan.Buffer != int64(len(body)) || plan.AccessKeyID != sdkAKID {
			t.Fatalf("plan %+v, %v", plan, err)
		}
		if _, err := v.Verify(r); err != nil {
			t.Fatalf("Verify after Prepare: %v", err)
		}
	})
	t.Run("unknown length buffers the most", func(t *testing.T) {
		r := jsonRequest(t, sdkCreds(), body, sdkTime)
		r.ContentLength = -1
		if plan, err := v.Prepare(r); err != nil || plan.Buffer != maxBufferedBody {
			t.Fatalf("plan %+v, %v", plan, err)
		}
	})
	t.Run("signed payload hash needs no buffer", func(t *testing.T) {
		r := sdkRequest(t, http.MethodPut, "k", "", body)
		sum := sha256.Sum256(body)
		signS3(t, r, hex.EncodeToString(sum[:]))
		r.Body = untouchable{t}
		if plan, err := v.Prepare(r); err != nil || plan.Buffer != 0 {
			t.Fatalf("plan %+v, %v", plan, err)
		}
	})

	// What fails without the body fails before it is read.
	for _, c := range []struct {
		name, code string
		req        func() *http.Request
	}{
		{"unknown key", "InvalidAccessKeyId", func() *http.Request {
			return jsonRequest(t, aws.Credentials{AccessKeyID: "NOPE", SecretAccessKey: "x"}, body, sdkTime)
		}},
		{"skewed clock", "RequestTimeTooSkewed", func() *http.Request {
			return jsonRequest(t, sdkCreds(), body, sdkTime.Add(time.Hour))
		}},
		{"too large", "EntityTooLarge", func() *http.Request {
			r := jsonRequest(t, sdkCreds(), body, sdkTime)
			r.ContentLength = maxBufferedBody + 1
			return r
		}},
		{"bad query encoding", "InvalidArgument", func() *http.Request {
			r := jsonRequest(t, sdkCreds(), body, sdkTime)
			r.URL.RawQuery = "a=%zz"
			return r
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := c.req()
			r.Body = untouchable{t}
			_, err := v.Prepare(r)
			wantCode(t, err, c.code)
		})
	}
}

// A buffered body of known length is read into exactly that much memory.
func TestBufferedBodyExactAlloc(t *testing.T) {
	v := sdkVerifier(sdkTime)
	body := bytes.Repeat([]byte("x"), 1<<20)
	r := jsonRequest(t, sdkCreds(), body, sdkTime)
	allocs := testing.AllocsPerRun(1, func() {
		r.Body = io.NopCloser(bytes.NewReader(body))
		if _, err := v.Verify(r); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 20 {
		t.Errorf("%v allocations to buffer 1 MiB: grown, not sized", allocs)
	}
	r.Body = io.NopCloser(bytes.NewReader(body[:1000]))
	_, err := v.Verify(r)
	wantCode(t, err, "IncompleteBody")
}

// The memory a body is buffered in is given back when verification fails,
// or by Release, and reused: a run of bad signatures does not allocate a
// buffer each.
func TestBufferedBodyRecycled(t *testing.T) {
	v := sdkVerifier(sdkTime)
	body := bytes.Repeat([]byte("x"), 1<<20)
	r := jsonRequest(t, sdkCreds(), body, sdkTime)
	res, err := v.Verify(r)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := io.ReadAll(res.Body); !bytes.Equal(got, body) {
		t.Fatal("body changed")
	}
	res.Release()
	if n, _ := res.Body.Read(make([]byte, 10)); n != 0 {
		t.Fatal("a released body still reads")
	}

	bad := jsonRequest(t, aws.Credentials{AccessKeyID: "OTHER", SecretAccessKey: "wrong"}, body, sdkTime)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	const runs = 40
	for range runs {
		bad.Body = io.NopCloser(bytes.NewReader(body))
		_, err := v.Verify(bad)
		wantCode(t, err, "SignatureDoesNotMatch")
	}
	runtime.ReadMemStats(&after)
	// Without recycling: runs MiB. The race detector drops a quarter of
	// what is put back in a sync.Pool at random, so the bound is loose.
	if got := after.TotalAlloc - before.TotalAlloc; got > runs*3/4<<20 {
		t.Errorf("%d runs allocated %d KiB", runs, got>>10)
	}
}
