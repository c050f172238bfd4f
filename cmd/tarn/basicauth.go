package main

import (
	"crypto/subtle"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/authlimit"
)

// basicAuth returns a guard for handlers that take an access key id and
// secret as user and password, which Prometheus's scrape config sends as
// basic_auth. Failures count against (key, address) in throttle: past its
// allowance an address is answered 429 for that key without the secret
// being checked. Every refusal is logged, but a run of 429s only once.
func basicAuth(keys *access.Keyring, throttle *authlimit.Limiter, log *slog.Logger) func(http.Handler) http.Handler {
	log = log.With("component", "http")
	refuse := func(w http.ResponseWriter, r *http.Request, level slog.Level, id string, status int, msg string) {
		log.Log(r.Context(), level, "request refused", "key", clipKey(id), "op", r.Method+" "+r.URL.Path,
			"remote", r.RemoteAddr, "status", status, "code", http.StatusText(status))
		w.Header().Set("WWW-Authenticate", `Basic realm="tarn"`)
		http.Error(w, msg, status)
	}
	return func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			id, secret, ok := r.BasicAuth()
			if !ok {
				refuse(w, r, slog.LevelInfo, "", http.StatusUnauthorized, "unauthorized: use an access key id and secret")
				return
			}
			source := authlimit.Source(r.RemoteAddr)
			if d := throttle.Allow(id, source); !d.OK {
				level := slog.LevelInfo
				if d.Refused > 1 {
					level = slog.LevelDebug
				}
				w.Header().Set("Retry-After", strconv.Itoa(int(d.Wait/time.Second)+1))
				refuse(w, r, level, id, http.StatusTooManyRequests, "too many failed attempts for this key from your address; retry in "+d.Wait.Round(time.Second).String())
				return
			}
			k, found := keys.Lookup(id)
			if !found || subtle.ConstantTimeCompare([]byte(k.Secret), []byte(secret)) != 1 {
				throttle.Fail(id, source) // before the client hears and tries again
				refuse(w, r, slog.LevelInfo, id, http.StatusUnauthorized, "unauthorized: use an access key id and secret")
				return
			}
			throttle.Succeed(id, source)
			h.ServeHTTP(w, r)
		})
	}
}

func clipKey(id string) string {
	if len(id) > 128 {
		return id[:128] + "..."
	}
	return id
}
