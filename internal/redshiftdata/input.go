package redshiftdata

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tarnlake/tarn/internal/awsapi"
)

// Limits of the Data API's members.
const (
	maxSQL           = 100 << 10 // a statement's text, as the Data API's quota
	maxBatch         = 40
	maxStatementName = 500
	maxToken         = 64
	maxKeepAlive     = 86400
	maxListPage      = 100  // ListStatements
	maxMetaPage      = 1000 // ListSchemas, ListTables, DescribeTable, ListDatabases
	maxNameArg       = 1024 // schema, table and pattern members
)

// The Data API's patterns for its members.
var (
	clusterPattern   = regexp.MustCompile(`^[a-z]([a-z0-9]|-[a-z0-9])*$`)
	workgroupPattern = regexp.MustCompile(`^(([a-z0-9-]+)|(arn:(aws(-[a-z]+)*):redshift-serverless:[a-z]{2}(-gov)?-[a-z]+-\d{1}:\d{12}:workgroup/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}))$`)
	paramPattern     = regexp.MustCompile(`^[0-9a-zA-Z_]+$`)
	idPattern        = regexp.MustCompile(`^[a-z0-9]{8}(-[a-z0-9]{4}){3}-[a-z0-9]{12}(:\d+)?$`)
)

// stamp is a pointer for omitempty members: nil for the zero time.
func stamp(t time.Time) *awsapi.Timestamp {
	if t.IsZero() {
		return nil
	}
	ts := awsapi.Timestamp(t)
	return &ts
}

// text checks a string member: minLen to max bytes of valid UTF-8 without
// NUL, which neither the engine nor the catalog store can keep.
func text(field, s string, minLen, max int) (string, error) {
	switch {
	case len(s) < minLen && minLen == 1:
		return "", invalid("%s must not be empty.", field)
	case len(s) < minLen:
		return "", invalid("%s must be at least %d characters long.", field, minLen)
	case len(s) > max:
		return "", invalid("%s is %d bytes long; at most %d are allowed.", field, len(s), max)
	case !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0:
		return "", invalid("%s is not valid UTF-8 text.", field)
	}
	return s, nil
}

// required is text for a member that must be present.
func required(field string, s *string, minLen, max int) (string, error) {
	if s == nil {
		return "", invalid("%s is required.", field)
	}
	return text(field, *s, minLen, max)
}

// optional is text for a member that may be absent ("").
func optional(field string, s *string, minLen, max int) (string, error) {
	if s == nil {
		return "", nil
	}
	return text(field, *s, minLen, max)
}

// matching is optional with a pattern the value must match.
func matching(field string, s *string, minLen, max int, re *regexp.Regexp) (string, error) {
	v, err := optional(field, s, minLen, max)
	if err != nil || s == nil {
		return v, err
	}
	if !re.MatchString(v) {
		return "", invalid("%s %q is not valid: it must match %s.", field, v, re)
	}
	return v, nil
}

// statementID checks an Id member: a UUID, with ":n" naming the nth SQL
// statement of a batch.
func statementID(s *string) (string, error) {
	id, err := required("Id", s, 1, 64)
	if err != nil {
		return "", err
	}
	if !idPattern.MatchString(id) {
		return "", invalid("Id %q is not a statement id: it is a lower-case UUID, with :n for the nth statement of a batch.", id)
	}
	return id, nil
}

// splitID parts an id into the statement's UUID and the 1-based number of
// the SQL statement it names, 0 for the whole statement.
func splitID(id string) (uuid string, n int, ok bool) {
	uuid, num, found := strings.Cut(id, ":")
	if !found {
		return uuid, 0, true
	}
	n, err := strconv.Atoi(num)
	return uuid, n, err == nil && n >= 1 && n <= maxBatch
}

// pageSize checks MaxResults (0 to max; 0 is max, the Data API's default).
func pageSize(n int32, max int) (int, error) {
	if n < 0 || int(n) > max {
		return 0, invalid("MaxResults is %d; it must be between 0 and %d.", n, max)
	}
	if n == 0 {
		return max, nil
	}
	return int(n), nil
}

// readToken returns the key a NextToken of list kind goes on after, ""
// for none.
func readToken(kind string, token *string) (string, error) {
	key, ok := awsapi.ReadToken(kind, token)
	if !ok {
		return "", invalid("NextToken %q is not a token this operation returned.", *token)
	}
	return key, nil
}

// readOffset is readToken for lists paged by position.
func readOffset(kind string, token *string) (int, error) {
	key, err := readToken(kind, token)
	if err != nil || key == "" {
		return 0, err
	}
	n, err := strconv.Atoi(key)
	if err != nil || n < 0 {
		return 0, invalid("NextToken %q is not a token this operation returned.", *token)
	}
	return n, nil
}

// pageOf cuts the page at offset from (from readOffset) out of n items:
// [from, to) and the token for the rest, nil at the end.
func pageOf(kind string, from, n, limit int) (int, int, *string) {
	from = min(from, n)
	to := min(n, from+limit)
	if to < n {
		t := awsapi.MakeToken(kind, strconv.Itoa(to))
		return from, to, &t
	}
	return from, to, nil
}
