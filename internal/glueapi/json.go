package glueapi

import (
	"strings"
	"time"

	"github.com/tarnlake/tarn/internal/awsapi"
)

// badBody is Glue's error for a body that does not decode: Glue lists no
// SerializationException, so it is an InvalidInputException. Unknown
// members (CatalogId, TransactionId, AuditContext, ...) are not errors, as
// tarn has one catalog and no transactions.
func badBody(err error) error {
	msg := err.Error()
	return invalidInput("%s%s.", strings.ToUpper(msg[:1]), msg[1:])
}

// stamp is a pointer for omitempty members: nil for the zero time.
func stamp(t time.Time) *awsapi.Timestamp {
	if t.IsZero() {
		return nil
	}
	ts := awsapi.Timestamp(t)
	return &ts
}

// A NextToken carries the sort key of the last item returned, tagged with
// the kind of list, so a page resumes after it even when items come and
// go between calls, and a token of one list is refused by another.
func makeToken(kind, key string) string { return awsapi.MakeToken(kind, key) }

func readToken(kind string, token *string) (string, error) {
	key, ok := awsapi.ReadToken(kind, token)
	if !ok {
		return "", invalidInput("NextToken %q is not a token this operation returned.", *token)
	}
	return key, nil
}

// paginate returns the first limit items of a sorted list that come after
// the token's key, and the token for the next page ("" at the end). key
// gives an item's sort key; after says whether sort key k comes after last.
func paginate[T any](items []T, kind string, token *string, limit int, key func(T) string, after func(k, last string) bool) ([]T, string, error) {
	last, err := readToken(kind, token)
	if err != nil {
		return nil, "", err
	}
	start := 0
	if last != "" {
		for start < len(items) && !after(key(items[start]), last) {
			start++
		}
	}
	items = items[start:]
	if len(items) <= limit {
		return items, "", nil
	}
	items = items[:limit]
	return items, makeToken(kind, key(items[limit-1])), nil
}

// ascending is paginate's after for lists sorted by key.
func ascending(k, last string) bool { return k > last }

// nonNil makes nil slices marshal as [] where Glue always sends a list.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
