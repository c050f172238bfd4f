// Package s3 is the lake backend for any S3-compatible object store (AWS S3,
// MinIO, Ceph, Garage, another tarn, ...), through aws-sdk-go-v2. It maps each
// method of the seam onto one S3 call, or a few, and S3's error codes onto
// the seam's sentinel errors.
package s3

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/tarnlake/tarn/internal/lake"
)

// Options say where the remote store is and how to reach it.
type Options struct {
	Endpoint        string // e.g. "http://127.0.0.1:9000"; empty: AWS
	Region          string // empty: "us-east-1"
	AccessKeyID     string // empty: the AWS default chain (environment, shared files, instance role)
	SecretAccessKey string
	PathStyle       bool         // bucket in the path, not the host name: true for most self-hosted stores
	HTTPClient      *http.Client // nil: the SDK's default client
	TempDir         string       // where bodies of unknown size are spooled; empty: os.TempDir()
}

// Store is a lake.Store on a remote S3-compatible store.
type Store struct {
	client  *awss3.Client
	region  string
	tempDir string
}

var _ lake.Store = (*Store)(nil)

// New returns a Store for the remote store that opts describe. It does not
// contact the store: a wrong address or key shows in the first call.
func New(opts Options) (*Store, error) {
	region := opts.Region
	if region == "" {
		region = "us-east-1"
	}
	creds, err := credentialsFor(opts, region)
	if err != nil {
		return nil, err
	}
	o := awss3.Options{
		Region:       region,
		Credentials:  creds,
		UsePathStyle: opts.PathStyle,
		// The SDK would otherwise add CRC checksums, as headers or aws-chunked
		// trailers, that not every S3-compatible store understands, and insist
		// on them in responses. S3's ETags and TCP already cover what the seam
		// needs.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	}
	if opts.Endpoint != "" {
		u, err := url.Parse(opts.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("s3: endpoint %q: want http:// or https:// and a host", opts.Endpoint)
		}
		o.BaseEndpoint = aws.String(opts.Endpoint)
	}
	if opts.HTTPClient != nil {
		o.HTTPClient = opts.HTTPClient
	}
	return &Store{client: awss3.New(o), region: region, tempDir: opts.TempDir}, nil
}

// credentialsFor returns static keys when given, else the AWS default chain.
func credentialsFor(opts Options, region string) (aws.CredentialsProvider, error) {
	if opts.AccessKeyID != "" {
		if opts.SecretAccessKey == "" {
			return nil, errors.New("s3: access key id without a secret access key")
		}
		return credentials.NewStaticCredentialsProvider(opts.AccessKeyID, opts.SecretAccessKey, ""), nil
	}
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithRegion(region))
	if err != nil {
		return nil, fmt.Errorf("s3: load aws config: %w", err)
	}
	return cfg.Credentials, nil
}

// Close releases nothing: the client holds only idle connections, which the
// HTTP client's owner manages. It is safe to call more than once.
func (s *Store) Close() error { return nil }
