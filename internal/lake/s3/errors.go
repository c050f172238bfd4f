package s3

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/aws/smithy-go"

	"github.com/tarnlake/tarn/internal/lake"
)

// sentinelFor returns the seam's error for an S3 error code, or nil.
func sentinelFor(code string) error {
	switch code {
	case "NoSuchBucket":
		return lake.ErrNoSuchBucket
	case "NoSuchKey":
		return lake.ErrNoSuchKey
	case "BucketAlreadyOwnedByYou", "BucketAlreadyExists":
		return lake.ErrBucketExists
	case "BucketNotEmpty":
		return lake.ErrBucketNotEmpty
	case "InvalidBucketName":
		return lake.ErrInvalidBucket
	case "KeyTooLongError":
		return lake.ErrKeyTooLong
	case "NoSuchUpload":
		return lake.ErrNoSuchUpload
	case "InvalidPart":
		return lake.ErrInvalidPart
	case "InvalidPartOrder":
		return lake.ErrInvalidPartOrder
	case "EntityTooSmall":
		return lake.ErrEntityTooSmall
	case "InvalidRange":
		return lake.ErrInvalidRange
	case "IncompleteBody":
		return lake.ErrIncompleteBody
	case "BadDigest", "InvalidDigest":
		return lake.ErrBadDigest
	case "MetadataTooLarge":
		return lake.ErrMetadataTooLarge
	case "PreconditionFailed":
		return lake.ErrPreconditionFailed
	case "KeyConflict":
		// Not S3's: tarn's own, when the remote store is a tarn on a folder.
		return lake.ErrKeyConflict
	}
	return nil
}

// translate turns an SDK error into the seam's sentinel when there is one.
// A response without an error code (HEAD has no body, so HeadObject and
// HeadBucket fail with a bare 404) maps by status: 404 to notFound, which
// the caller picks for what it looked up, 412 to ErrPreconditionFailed and
// 416 to ErrInvalidRange.
// Errors with no sentinel (access denied, network, context) pass unchanged.
func translate(err error, notFound error) error {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		if s := sentinelFor(apiErr.ErrorCode()); s != nil {
			return s
		}
	}
	switch httpStatus(err) {
	case http.StatusNotFound:
		if notFound != nil {
			return notFound
		}
	case http.StatusRequestedRangeNotSatisfiable:
		return lake.ErrInvalidRange
	case http.StatusPreconditionFailed:
		return lake.ErrPreconditionFailed
	}
	return err
}

// httpStatus returns the status of the response that err came from, or 0.
func httpStatus(err error) int {
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// fail wraps err, translated, with the operation and what it was on.
func fail(op, what string, err, notFound error) error {
	return fmt.Errorf("s3: %s %s: %w", op, what, translate(err, notFound))
}
