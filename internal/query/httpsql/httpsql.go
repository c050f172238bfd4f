// Package httpsql serves SQL over HTTP: POST /v1/sql with a JSON body
// {"sql": "...", "args": [...]} (or the statement as a text/plain body)
// answers with the result streamed as JSON, newline-delimited JSON, CSV,
// an Arrow IPC stream or a Parquet file
// (?format=json|ndjson|csv|arrow|parquet). The query stops when the
// client goes away.
//
// A statement that fails before any byte of the answer went out gets a
// JSON error with its SQLSTATE. One that fails midway ends JSON, NDJSON
// and CSV answers with the error; Arrow and Parquet have no place for it,
// so the connection is cut instead and the client sees a truncated body.
package httpsql

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/tarnlake/tarn/internal/query"
)

// maxBody bounds a request: statements, not data.
const maxBody = 1 << 20

// defaultBodyTimeout is Handler.BodyTimeout's default.
const defaultBodyTimeout = 30 * time.Second

// Handler serves /v1/sql. User names the authenticated caller of a request
// (the front end authenticates before calling it).
type Handler struct {
	Engine query.Engine
	User   func(*http.Request) string
	Log    *slog.Logger
	// BodyTimeout bounds the time to receive a statement (default 30s).
	BodyTimeout time.Duration
}

type request struct {
	SQL  string `json:"sql"`
	Args []any  `json:"args"`
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		fail(w, http.StatusMethodNotAllowed, &query.Error{Code: query.CodeFeature, Message: "use POST with the statement in the body"})
		return
	}
	// A statement that stops arriving ends the request. The deadline is
	// lifted once all of it is in, as the answer may take long; it stays
	// on a body cut short, for what net/http reads of the rest.
	timeout := h.BodyTimeout
	if timeout <= 0 {
		timeout = defaultBodyTimeout
	}
	rc := http.NewResponseController(w)
	rc.SetReadDeadline(time.Now().Add(timeout))
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return
	}
	if len(body) > maxBody {
		fail(w, http.StatusRequestEntityTooLarge, &query.Error{Code: "54000", Message: fmt.Sprintf("the request is over %d bytes", maxBody)})
		return
	}
	rc.SetReadDeadline(time.Time{})
	var req request
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		d := json.NewDecoder(strings.NewReader(string(body)))
		d.UseNumber()
		if err := d.Decode(&req); err != nil {
			fail(w, http.StatusBadRequest, &query.Error{Code: "22P02", Message: "the body is not JSON {\"sql\": ..., \"args\": [...]}: " + err.Error()})
			return
		}
		for i, a := range req.Args {
			if n, ok := a.(json.Number); ok {
				if v, err := n.Int64(); err == nil {
					req.Args[i] = v
				} else if f, err := n.Float64(); err == nil {
					req.Args[i] = f
				}
			}
		}
	} else {
		req.SQL = string(body)
	}
	if strings.TrimSpace(req.SQL) == "" {
		fail(w, http.StatusBadRequest, &query.Error{Code: query.CodeSyntax, Message: "no statement"})
		return
	}
	f := r.URL.Query().Get("format")
	enc, ok := encoders[f]
	if !ok {
		fail(w, http.StatusBadRequest, &query.Error{Code: "22023", Message: fmt.Sprintf("format %q is not json, ndjson, csv, arrow or parquet", f)})
		return
	}
	ctx := r.Context()
	s, err := h.Engine.Session(ctx, h.User(r))
	if err != nil {
		h.refused(r, err)
		fail(w, http.StatusForbidden, err)
		return
	}
	defer s.Close()
	start := time.Now()
	res, err := s.Query(ctx, req.SQL, req.Args...)
	if err != nil {
		status := http.StatusBadRequest
		if qe := (*query.Error)(nil); errors.As(err, &qe) && qe.Code == codePermissionDenied {
			status = http.StatusForbidden
			h.refused(r, err)
		}
		fail(w, status, err)
		return
	}
	defer res.Rows.Close()
	n, err := enc(w, res)
	h.Log.Info("sql", "user", h.User(r), "rows", n, "seconds", time.Since(start).Seconds(), "err", err)
	if errors.Is(err, errCutShort) {
		// The server closes the connection without ending the body.
		panic(http.ErrAbortHandler)
	}
}

// codePermissionDenied is SQLSTATE insufficient_privilege: answered 403.
const codePermissionDenied = "42501"

// refused logs a statement refused for its caller's rights (the front end
// logs those refused for their credentials).
func (h *Handler) refused(r *http.Request, err error) {
	code := query.CodeInternal
	if qe := (*query.Error)(nil); errors.As(err, &qe) {
		code = qe.Code
	}
	h.Log.Info("request refused", "key", h.User(r), "op", "sql", "remote", r.RemoteAddr, "status", http.StatusForbidden,
		"code", code, "err", err)
}

// fail answers an error before any row was sent.
func fail(w http.ResponseWriter, status int, err error) {
	var qe *query.Error
	if !errors.As(err, &qe) {
		qe = &query.Error{Code: query.CodeInternal, Message: err.Error()}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": errorJSON(qe)})
}

func errorJSON(e *query.Error) map[string]any {
	m := map[string]any{"code": e.Code, "message": e.Message}
	if e.Position > 0 {
		m["position"] = e.Position
	}
	return m
}

// jsonValue makes a row value JSON-friendly: big numbers and decimals as
// strings (exact), bytes as base64, times in RFC 3339.
func jsonValue(v any) any {
	switch x := v.(type) {
	case *big.Int:
		return x.String()
	case query.Decimal:
		return x.String()
	case query.Interval:
		return fmt.Sprintf("%d months %d days %d microseconds", x.Months, x.Days, x.Micros)
	case [16]byte:
		return uuid.UUID(x).String()
	case []byte:
		return base64.StdEncoding.EncodeToString(x)
	case time.Time:
		return x.Format(time.RFC3339Nano)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsonValue(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = jsonValue(e)
		}
		return out
	case query.Map:
		out := make([]any, len(x.Keys))
		for i := range x.Keys {
			out[i] = map[string]any{"key": jsonValue(x.Keys[i]), "value": jsonValue(x.Values[i])}
		}
		return out
	}
	return v
}

// textValue is a value as CSV shows it.
func textValue(v any) string {
	switch x := jsonValue(v).(type) {
	case nil:
		return ""
	case string:
		return x
	case []any, map[string]any:
		b, _ := json.Marshal(x)
		return string(b)
	default:
		return fmt.Sprint(x)
	}
}
