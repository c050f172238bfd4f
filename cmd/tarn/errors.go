package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"syscall"

	"github.com/aws/smithy-go"
)

// The commands that talk to a running tarn say what failed, where, and
// what to do about it, in a sentence; never an SDK's "operation error
// Kinesis: ListShards, https response error StatusCode: 0, RequestID: ,
// request send failed, ...".

// remote is a tarn endpoint a command talks to, and how the user names it.
type remote struct {
	url  string
	flag string // "--endpoint (TARN_ENDPOINT)"
}

// explain rewrites err, met doing what ("read stream clicks") at r.
func (r remote) explain(what string, err error) error {
	if err == nil || errors.Is(err, context.Canceled) {
		return err
	}
	return fmt.Errorf("%s: %s", what, r.cause(err))
}

// cause says why a call to r failed, and the fix when there is one.
func (r remote) cause(err error) string {
	if code, msg, ok := apiErr(err); ok {
		return r.refused(code, msg)
	}
	var (
		status     interface{ HTTPStatusCode() int }
		unreadable *smithy.DeserializationError
		unknownCA  *x509.UnknownAuthorityError
		badHost    x509.HostnameError
		verify     *tls.CertificateVerificationError
		dns        *net.DNSError
		ne         net.Error
	)
	switch {
	case errors.Is(err, errHTTPSOnly):
		return fmt.Sprintf("tarn at %s serves https, not plain http: use %s in %s", r.url, r.withScheme("https"), r.flag)
	case strings.HasPrefix(r.url, "http:") && errors.As(err, &unreadable) && errors.As(err, &status) && status.HTTPStatusCode() == 400:
		// A TLS listener answers plain http with a text the SDKs cannot read.
		return fmt.Sprintf("tarn at %s gave an answer that is not an AWS API's (HTTP 400): if it serves https, use %s in %s",
			r.url, r.withScheme("https"), r.flag)
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Sprintf("nothing listens at %s: start tarn with `tarn serve`, or name where it runs with %s", r.url, r.flag)
	case strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return fmt.Sprintf("tarn at %s serves plain http, not https: use %s in %s", r.url, r.withScheme("http"), r.flag)
	case errors.As(err, &unknownCA), errors.As(err, &badHost), errors.As(err, &verify):
		return fmt.Sprintf("tarn at %s presents a certificate this machine does not trust (%v): point SSL_CERT_FILE at it "+
			"(DATA/tls/cert.pem for tarn serve --tls-self-signed)", r.url, innermost(err))
	case errors.As(err, &dns):
		return fmt.Sprintf("cannot find the host of %s (%v): check %s", r.url, dns, r.flag)
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return fmt.Sprintf("tarn at %s did not answer in time", r.url)
	}
	return fmt.Sprintf("cannot reach tarn at %s: %v", r.url, innermost(err))
}

// refused explains an error tarn answered.
func (r remote) refused(code, msg string) string {
	switch code {
	case "InvalidAccessKeyId", "SignatureDoesNotMatch", "UnrecognizedClientException", "InvalidSignatureException",
		"IncompleteSignature", "MissingAuthenticationToken", "MissingAuthenticationTokenException":
		return fmt.Sprintf("tarn at %s does not take this key (%s): use the root key that tarn serve printed "+
			"(saved in DATA/credentials, read with --data) or one from `tarn keys add`, "+
			"in TARN_ACCESS_KEY_ID and TARN_SECRET_ACCESS_KEY", r.url, msg)
	case "AccessDenied", "AccessDeniedException":
		return fmt.Sprintf("%s: the key is not granted this; use a key that is, or make one with "+
			"`tarn keys add NAME --write KIND:RESOURCE`", msg)
	case "SlowDown", "ThrottlingException":
		return fmt.Sprintf("tarn at %s is slowing this key down after failed logins (%s): wait a minute, "+
			"then retry with the right secret", r.url, msg)
	}
	return fmt.Sprintf("%s (%s)", strings.TrimSuffix(msg, "."), code)
}

// httpsOnlyAnswer is what a TLS listener answers a plain-http request
// with (net/http's words).
const httpsOnlyAnswer = "Client sent an HTTP request to an HTTPS server."

var errHTTPSOnly = errors.New("the endpoint speaks https: use https:// in the endpoint URL")

// httpsOnly returns errHTTPSOnly for that answer, else nil.
func httpsOnly(status int, body []byte) error {
	if status == 400 && strings.Contains(string(body), httpsOnlyAnswer) {
		return errHTTPSOnly
	}
	return nil
}

// withScheme is r's URL with another scheme.
func (r remote) withScheme(scheme string) string {
	u, err := url.Parse(r.url)
	if err != nil {
		return scheme + "://HOST:PORT"
	}
	u.Scheme = scheme
	return u.String()
}

// apiErr returns the code and message of an error tarn answered: the
// SDKs' and jsonClient's errors are smithy.APIErrors.
func apiErr(err error) (code, msg string, ok bool) {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode(), ae.ErrorMessage(), true
	}
	return "", "", false
}

// innermost is the part of a transport error worth showing: the network
// operation that failed, without the SDK's and net/http's wrapping.
func innermost(err error) error {
	var op *net.OpError
	if errors.As(err, &op) {
		return op
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// opErr is what failed in a network operation, without the operation and
// its address.
func opErr(err error) error {
	var op *net.OpError
	if errors.As(err, &op) {
		return op.Err
	}
	return err
}
