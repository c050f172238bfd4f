package awsapi

import (
	"encoding/base64"
	"strings"
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
