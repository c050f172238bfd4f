package s3

import (
	"fmt"
	"net/netip"
	"strings"
	"unicode/utf8"

	"github.com/tarnlake/tarn/internal/lake"
)

// The checks below repeat S3's on the client, so that every backend refuses
// the same names with the same sentinel errors, whatever the remote store
// would have said (some accept names S3 does not).

// checkBucket applies S3's rules for bucket names: 3 to 63 characters of
// lower-case letters, digits, dots and hyphens, starting and ending with a
// letter or digit, no "..", and not shaped like an IP address.
func checkBucket(name string) error {
	if !validBucket(name) {
		return fmt.Errorf("s3: bucket %q: %w", name, lake.ErrInvalidBucket)
	}
	return nil
}

func validBucket(name string) bool {
	if len(name) < 3 || len(name) > 63 || strings.Contains(name, "..") {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		alnum := 'a' <= c && c <= 'z' || '0' <= c && c <= '9'
		edge := i == 0 || i == len(name)-1
		if !alnum && (edge || c != '-' && c != '.') {
			return false
		}
	}
	_, err := netip.ParseAddr(name)
	return err != nil
}

// checkKey refuses keys S3 would: empty, not UTF-8, or over 1024 bytes.
func checkKey(key string) error {
	switch {
	case key == "":
		return fmt.Errorf("s3: empty key: %w", lake.ErrInvalidKey)
	case len(key) > lake.MaxKeyLen:
		return fmt.Errorf("s3: key of %d bytes: %w", len(key), lake.ErrKeyTooLong)
	case !utf8.ValidString(key):
		return fmt.Errorf("s3: key %q: %w", key, lake.ErrInvalidKey)
	}
	return nil
}

// checkObject checks a bucket name and a key.
func checkObject(bucket, key string) error {
	if err := checkBucket(bucket); err != nil {
		return err
	}
	return checkKey(key)
}
