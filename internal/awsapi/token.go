package awsapi

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"

	"github.com/tarnlake/tarn/internal/query"
)

// A NextToken carries the list it belongs to and where the next page
// starts, so that a token of one list is refused by another.

// MakeToken returns the NextToken of list kind that goes on after key.
func MakeToken(kind, key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(kind + "\x00" + key))
}

// ReadToken returns the key a NextToken of list kind goes on after: ""
// with ok for no token, ok false for a token not made by MakeToken(kind, …).
func ReadToken(kind string, token *string) (key string, ok bool) {
	if token == nil || *token == "" {
		return "", true
	}
	b, err := base64.RawURLEncoding.DecodeString(*token)
	key, ok = strings.CutPrefix(string(b), kind+"\x00")
	return key, err == nil && ok && key != ""
}

// NewUUID makes a random (version 4) UUID in its 8-4-4-4-12 hex form, the
// form of Athena's and the Data API's ids.
func NewUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return string(query.AppendUUID(nil, b))
}

// Hash sums a request's members, for idempotency tokens.
func Hash(v any) string {
	b, _ := json.Marshal(v)
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
