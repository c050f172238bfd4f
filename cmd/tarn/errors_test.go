package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
)

// closedAddr is an address nothing listens on.
func closedAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	return ln.Addr().String()
}

func testAWSConfig(endpoint string) aws.Config {
	return aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(endpoint), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("TKTESTKEY", "secret", "")}
}

// What goes wrong between a command and tarn is said in a sentence with
// the fix, whoever made the request: an SDK, jsonClient or net/http.
func TestExplainTransport(t *testing.T) {
	plain := httptest.NewServer(http.NotFoundHandler())
	defer plain.Close()
	tlsSrv := httptest.NewTLSServer(http.NotFoundHandler())
	defer tlsSrv.Close()
	get := func(url string) error {
		resp, err := http.Get(url)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return httpsOnly(resp.StatusCode, b)
	}
	refused := "http://" + closedAddr(t)
	httpsToPlain := strings.Replace(plain.URL, "http:", "https:", 1)
	plainToTLS := strings.Replace(tlsSrv.URL, "https:", "http:", 1)
	for _, c := range []struct {
		name, url string
		err       error
		want      string
	}{
		{"refused", refused, get(refused), "nothing listens at " + refused + ": start tarn with `tarn serve`, or name where it runs with --endpoint"},
		{"https to plain http", httpsToPlain, get(httpsToPlain), "serves plain http, not https: use " + plain.URL + " in --endpoint"},
		{"plain http to https", plainToTLS, get(plainToTLS), "serves https, not plain http: use " + tlsSrv.URL + " in --endpoint"},
		{"untrusted certificate", tlsSrv.URL, get(tlsSrv.URL), "presents a certificate this machine does not trust"},
		{"unknown key", plain.URL, &apiError{Code: "InvalidAccessKeyId", Message: "no such key"}, "does not take this key (no such key): use the root key"},
		{"not granted", plain.URL, &apiError{Code: "AccessDeniedException", Message: "not for you"}, "not for you: the key is not granted this"},
		{"other", plain.URL, fmt.Errorf("wrapped: %w", &apiError{Code: "InvalidArgumentException", Message: "Bad shard count."}), "Bad shard count (InvalidArgumentException)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.err == nil {
				t.Fatal("no error to explain")
			}
			got := remote{c.url, "--endpoint (TARN_ENDPOINT)"}.explain("read stream x", c.err).Error()
			if !strings.HasPrefix(got, "read stream x: ") || !strings.Contains(got, c.want) {
				t.Errorf("got %q, want it to say %q", got, c.want)
			}
		})
	}
}

// The SDK's errors lose their wrapping: "operation error Kinesis: ...,
// https response error StatusCode: 0, ..." never reaches the user.
func TestExplainSDKErrors(t *testing.T) {
	for _, c := range []struct {
		name    string
		handler http.HandlerFunc
		want    string
	}{
		{"refused", nil, "nothing listens at"},
		{"stream not found", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			w.WriteHeader(400)
			w.Write([]byte(`{"__type":"ResourceNotFoundException","message":"Stream clicks under account 000000000000 not found."}`))
		}, "stream clicks does not exist at URL: create it with `aws kinesis create-stream --stream-name clicks --shard-count 1 --endpoint-url URL`"},
		{"bad secret", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			w.WriteHeader(400)
			w.Write([]byte(`{"__type":"SignatureDoesNotMatch","message":"The request signature we calculated does not match."}`))
		}, "tarn at URL does not take this key"},
	} {
		t.Run(c.name, func(t *testing.T) {
			url := "http://" + closedAddr(t)
			if c.handler != nil {
				srv := httptest.NewServer(c.handler)
				defer srv.Close()
				url = srv.URL
			}
			s := kinesisStream{c: kinesis.NewFromConfig(testAWSConfig(url)), name: "clicks", at: remote{url, "--endpoint"}}
			err := s.tail(context.Background(), "TRIM_HORIZON", false, false, io.Discard)
			want := strings.ReplaceAll(c.want, "URL", url)
			if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "operation error") || strings.Contains(err.Error(), "response error") {
				t.Errorf("got %v, want it to say %q and no SDK wrapping", err, want)
			}
		})
	}
}

// A request that never got an answer is not an API error.
func TestAPIErr(t *testing.T) {
	if _, _, ok := apiErr(errors.New("dial tcp: refused")); ok {
		t.Fatal("a transport error taken for an API error")
	}
	if code, msg, ok := apiErr(fmt.Errorf("x: %w", &apiError{Code: "EntityNotFoundException", Message: "m"})); !ok || code != "EntityNotFoundException" || msg != "m" {
		t.Fatalf("jsonClient error: %q %q %v", code, msg, ok)
	}
}
