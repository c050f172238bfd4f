package main

import (
	"crypto/tls"
	"net/http"
)

// httpProtocols are what the HTTP listeners (the AWS API and the HTTP one)
// speak: HTTP/1.1, HTTP/2 over TLS (ALPN "h2") and, on a plain listener,
// HTTP/2 with prior knowledge (h2c). The AWS SDK for JavaScript v3's
// Kinesis client speaks HTTP/2 only, h2c on an http:// endpoint.
func httpProtocols() *http.Protocols {
	p := new(http.Protocols)
	p.SetHTTP1(true)
	p.SetHTTP2(true)
	p.SetUnencryptedHTTP2(true)
	return p
}

// httpTLS is cfg for an HTTP listener: it offers h2 and http/1.1 through
// ALPN. The PostgreSQL listener keeps cfg without them: libpq offers ALPN
// "postgresql", which a server that lists only HTTP protocols refuses.
func httpTLS(cfg *tls.Config) *tls.Config {
	if cfg == nil {
		return nil
	}
	c := cfg.Clone()
	c.NextProtos = []string{"h2", "http/1.1"}
	return c
}
