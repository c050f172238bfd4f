package function

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/tarnlake/tarn/internal/access"
)

// ServiceOptions configure a Service.
type ServiceOptions struct {
	Region string
	// Endpoint is tarn's AWS endpoint, given to functions as
	// AWS_ENDPOINT_URL so that the AWS SDKs reach tarn.
	Endpoint string
	// Key finds the access key a role names: a function runs with the
	// grants of the key its role names (arn:aws:iam::…:role/NAME).
	Key func(name string) (access.Key, bool)
	Log *slog.Logger
	// RetryBase is the wait before an event's first retry (Lambda waits
	// about a minute; default 1s), doubled for the second.
	RetryBase time.Duration
	// OnFailure receives an event that failed every attempt, with the
	// destination the function's async configuration names.
	OnFailure func(ctx context.Context, destination string, record FailureRecord) error
}

// FailureRecord is what an asynchronous invocation's on-failure
// destination receives, in Lambda's shape.
type FailureRecord struct {
	Version         string         `json:"version"`
	Timestamp       string         `json:"timestamp"`
	RequestContext  map[string]any `json:"requestContext"`
	RequestPayload  any            `json:"requestPayload"`
	ResponseContext map[string]any `json:"responseContext"`
	ResponsePayload any            `json:"responsePayload,omitempty"`
}

// Service invokes the Registry's functions on a Runner.
type Service struct {
	reg  *Registry
	run  *Runner
	opts ServiceOptions
}

// NewService invokes reg's functions with run.
func NewService(reg *Registry, run *Runner, opts ServiceOptions) *Service {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.RetryBase <= 0 {
		opts.RetryBase = time.Second
	}
	opts.Log = opts.Log.With("component", "functions")
	return &Service{reg: reg, run: run, opts: opts}
}

// Registry is the service's registry.
func (s *Service) Registry() *Registry { return s.reg }

// Runner is the service's runner.
func (s *Service) Runner() *Runner { return s.run }

// RoleKey returns the key a role ARN names.
func (s *Service) RoleKey(role string) (access.Key, error) {
	name, ok := access.RoleName(role)
	if !ok {
		return access.Key{}, fmt.Errorf("%w: role %q is not a role ARN (arn:aws:iam::%s:role/KEY-NAME)", ErrInvalid, role, Account)
	}
	k, ok := s.opts.Key(name)
	if !ok {
		return access.Key{}, fmt.Errorf("%w: The role defined for the function cannot be assumed by Lambda: no tarn key is named %q (tarn keys add %s)", ErrInvalid, name, name)
	}
	return k, nil
}

// NameOf returns the function name in a name, a partial or a full ARN.
func NameOf(s string) string {
	if i := strings.Index(s, ":function:"); i >= 0 {
		s = s[i+len(":function:"):]
	} else if strings.HasPrefix(s, Account+":function:") {
		s = strings.TrimPrefix(s, Account+":function:")
	}
	name, _, _ := strings.Cut(s, ":") // a qualifier: $LATEST is the only version
	return name
}

// Exists reports whether an ARN names a function.
func (s *Service) Exists(ctx context.Context, arn string) (bool, error) {
	_, err := s.reg.Get(ctx, NameOf(arn))
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// Spec is what the function's configuration runs as.
func (s *Service) Spec(c Config) (Spec, error) {
	key, err := s.RoleKey(c.Role)
	if err != nil {
		return Spec{}, err
	}
	dir, err := s.reg.CodeDir(c)
	if err != nil {
		return Spec{}, err
	}
	return Spec{Name: c.Name, ARN: c.ARN(s.opts.Region), Version: "$LATEST", Runtime: c.Runtime, Handler: c.Handler,
		CodeDir: dir, CodeHash: c.CodeSHA256 + "/" + c.RevisionID, Timeout: time.Duration(c.Timeout) * time.Second,
		MemoryMB: c.MemorySize, Env: c.Env, Region: s.opts.Region, AccessKeyID: key.ID, SecretAccessKey: key.Secret,
		Endpoint: s.opts.Endpoint, RunAs: s.reg.User(c)}, nil
}

// Invoke runs a function once and waits for its result.
func (s *Service) Invoke(ctx context.Context, name string, payload []byte) (Result, error) {
	c, err := s.reg.Get(ctx, NameOf(name))
	if err != nil {
		return Result{}, err
	}
	spec, err := s.Spec(c)
	if err != nil {
		return Result{}, err
	}
	return s.run.Invoke(ctx, spec, payload)
}
