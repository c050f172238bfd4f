package athenaapi

import (
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tarnlake/tarn/internal/awsapi"
)

// stamp is a pointer for omitempty members: nil for the zero time.
func stamp(t time.Time) *awsapi.Timestamp {
	if t.IsZero() {
		return nil
	}
	ts := awsapi.Timestamp(t)
	return &ts
}

// text checks a required string member: present, 1 to max bytes of
// valid UTF-8 without NUL.
func text(field string, s *string, max int) (string, error) {
	if s == nil {
		return "", invalid("%s is required.", field)
	}
	return optText(field, *s, 1, max)
}

// optional checks an optional string member as optText does; "" when it
// is absent.
func optional(field string, s *string, minLen, max int) (string, error) {
	if s == nil {
		return "", nil
	}
	return optText(field, *s, minLen, max)
}

func optText(field, s string, minLen, max int) (string, error) {
	switch {
	case len(s) < minLen:
		return "", invalid("%s must be at least %d characters long.", field, minLen)
	case len(s) > max:
		return "", invalid("%s is %d bytes long; at most %d are allowed.", field, len(s), max)
	case !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0:
		return "", invalid("%s is not valid UTF-8 text.", field)
	}
	return s, nil
}

// name checks a workgroup name: Athena allows [a-zA-Z0-9._-]{1,128}.
func name(field string, s *string, def string) (string, error) {
	if s == nil || *s == "" && def != "" {
		return def, nil
	}
	n := *s
	if n == "" || len(n) > 128 || strings.IndexFunc(n, func(r rune) bool {
		return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '.' || r == '_' || r == '-')
	}) >= 0 {
		return "", invalid("%s %q is not a valid name: 1 to 128 letters, digits, '.', '_' and '-'.", field, n)
	}
	return n, nil
}

// requiredName is name for a member with no default.
func requiredName(field string, s *string) (string, error) {
	if s == nil {
		return "", invalid("%s is required.", field)
	}
	return name(field, s, "")
}

// maxResults checks MaxResults (1 to max) and applies its default, max.
func maxResults(n *int32, max int) (int, error) {
	if n == nil {
		return max, nil
	}
	if *n < 1 || int(*n) > max {
		return 0, invalid("MaxResults is %d; it must be between 1 and %d.", *n, max)
	}
	return int(*n), nil
}

func makeToken(kind, key string) string { return awsapi.MakeToken(kind, key) }

func readToken(kind string, token *string) (string, error) {
	key, ok := awsapi.ReadToken(kind, token)
	if !ok {
		return "", invalid("NextToken %q is not a token this operation returned.", *token)
	}
	return key, nil
}

// page returns up to limit of the sorted keys after the token's key, and
// the token for the rest ("" at the end).
func page(keys []string, kind string, token *string, limit int) ([]string, string, error) {
	last, err := readToken(kind, token)
	if err != nil {
		return nil, "", err
	}
	for len(keys) > 0 && last != "" && keys[0] <= last {
		keys = keys[1:]
	}
	if len(keys) <= limit {
		return keys, "", nil
	}
	return keys[:limit], makeToken(kind, keys[limit-1]), nil
}

// listIDs reads a List request within a workgroup (ListQueryExecutions,
// ListNamedQueries) and returns a page of the keys keys lists for the
// workgroup, sorted, and the token for the next page.
func (a *API) listIDs(c *call, kind string, keys func(wg string) ([]string, error)) ([]string, string, error) {
	var req struct {
		WorkGroup  *string
		MaxResults *int32
		NextToken  *string
	}
	if err := c.Decode(&req); err != nil {
		return nil, "", err
	}
	limit, err := maxResults(req.MaxResults, 50)
	if err != nil {
		return nil, "", err
	}
	wg, err := name("WorkGroup", req.WorkGroup, primary)
	if err != nil {
		return nil, "", err
	}
	if _, err := a.loadWorkGroup(c.Ctx, wg); err != nil {
		return nil, "", err
	}
	all, err := keys(wg)
	if err != nil {
		return nil, "", err
	}
	return page(all, kind, req.NextToken, limit)
}

// batchGet loads the 1 to 50 ids of a BatchGet request (field names
// them). An id the client got wrong goes to missed, made by unprocessed
// with the reason; any other error fails the request.
func batchGet[T, U any](field string, ids []string, load func(id string) (T, error), unprocessed func(id, msg string) U) (found []T, missed []U, err error) {
	if n := len(ids); n < 1 || n > 50 {
		return nil, nil, invalid("%s holds %d ids; it must hold 1 to 50.", field, n)
	}
	found, missed = []T{}, []U{} // [] rather than null in the answer
	for _, id := range ids {
		v, err := load(id)
		var ae *awsapi.Error
		switch {
		case errors.As(err, &ae) && ae.Members != nil:
			missed = append(missed, unprocessed(id, ae.Message))
		case err != nil:
			return nil, nil, err
		default:
			found = append(found, v)
		}
	}
	return found, missed, nil
}

// outputFolder checks an OutputLocation (s3://bucket/prefix) and returns
// it as the folder results go into, ending in "/".
func outputFolder(field, loc string) (string, error) {
	bucket, prefix, ok := splitS3(loc)
	badBucket := len(bucket) < 3 || len(bucket) > 63 || strings.IndexFunc(bucket, func(r rune) bool {
		return !('a' <= r && r <= 'z' || '0' <= r && r <= '9' || r == '.' || r == '-')
	}) >= 0
	if !ok || badBucket || strings.HasPrefix(prefix, "/") || len(loc) > 1024 || !utf8.ValidString(loc) || strings.ContainsAny(loc, "\x00\r\n") {
		return "", invalid("%s %q is not a valid S3 location: it must look like s3://bucket/prefix/.", field, loc)
	}
	if !strings.HasSuffix(loc, "/") {
		loc += "/"
	}
	return loc, nil
}
