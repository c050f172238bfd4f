package sigv4

import (
	"crypto/sha256"
	"sync"
)

const (
	hmacBlock = 64 // SHA-256 block size, the HMAC pad length
	// maxCachedKeys bounds the signing-key cache; past it the cache starts over,
	// which is cheap (a key is four HMACs) and keeps memory fixed.
	maxCachedKeys = 256
	// stackMsg is how long an HMAC message may be before hmacSHA256 falls back
	// to the heap; strings to sign are well under it.
	stackMsg = 448
)

// hmacSHA256 is HMAC-SHA256 (RFC 2104) done on stack buffers: crypto/hmac
// allocates two digests per call, and verification runs on every request.
func hmacSHA256(key, msg []byte) [sha256.Size]byte { return hmacOf(key, msg, "") }

// hmacString is hmacSHA256 of a string message, without converting it.
func hmacString(key []byte, msg string) [sha256.Size]byte { return hmacOf(key, nil, msg) }

// hmacOf MACs the message mb followed by ms.
func hmacOf(key, mb []byte, ms string) [sha256.Size]byte {
	if len(key) > hmacBlock {
		k := sha256.Sum256(key)
		key = k[:]
	}
	n := len(mb) + len(ms)
	var inner [hmacBlock + stackMsg]byte
	var b []byte
	if n <= stackMsg {
		b = inner[:hmacBlock+n]
	} else {
		b = make([]byte, hmacBlock+n)
	}
	var outer [hmacBlock + sha256.Size]byte
	for i := range hmacBlock {
		var k byte
		if i < len(key) {
			k = key[i]
		}
		b[i] = k ^ 0x36
		outer[i] = k ^ 0x5c
	}
	copy(b[hmacBlock+copy(b[hmacBlock:], mb):], ms)
	sum := sha256.Sum256(b)
	copy(outer[hmacBlock:], sum[:])
	return sha256.Sum256(outer[:])
}

// deriveKey is the SigV4 signing key: "AWS4"+secret HMAC-chained through the
// credential scope.
func deriveKey(secret, date, region, service string) [sha256.Size]byte {
	var kb [4 + 124]byte
	var k []byte
	if len(secret) <= 124 {
		k = append(append(kb[:0], "AWS4"...), secret...)
	} else {
		k = []byte("AWS4" + secret)
	}
	d := hmacString(k, date)
	r := hmacString(d[:], region)
	s := hmacString(r[:], service)
	return hmacString(s[:], "aws4_request")
}

// keyCache remembers derived signing keys; they change once a day per
// secret, region and service, so almost every request hits.
type keyCache struct {
	mu sync.Mutex
	m  map[string][sha256.Size]byte
}

func (c *keyCache) get(secret, date, region, service string) [sha256.Size]byte {
	var kb [256]byte
	k := append(kb[:0], secret...)
	k = append(k, 0)
	k = append(k, date...)
	k = append(k, 0)
	k = append(k, region...)
	k = append(k, 0)
	k = append(k, service...)

	c.mu.Lock()
	key, ok := c.m[string(k)] // no allocation for a lookup by converted bytes
	c.mu.Unlock()
	if ok {
		return key
	}
	key = deriveKey(secret, date, region, service)
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxCachedKeys {
		c.m = make(map[string][sha256.Size]byte)
	}
	c.m[string(k)] = key
	c.mu.Unlock()
	return key
}
