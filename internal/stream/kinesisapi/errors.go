package kinesisapi

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/tarnlake/tarn/internal/awsapi"
	"github.com/tarnlake/tarn/internal/stream"
)

// account is the AWS account id tarn's ARNs and messages carry.
const account = "000000000000"

// All Kinesis client errors are status 400; the code tells them apart.
func clientErr(code, format string, args ...any) *awsapi.Error {
	return awsapi.Errorf(http.StatusBadRequest, code, format, args...)
}

func invalidArg(format string, args ...any) *awsapi.Error {
	return clientErr("InvalidArgumentException", format, args...)
}

func serialization(format string, args ...any) *awsapi.Error {
	return clientErr("SerializationException", format, args...)
}

func streamNotFound(name string) *awsapi.Error {
	return clientErr("ResourceNotFoundException", "Stream %s under account %s not found.", name, account)
}

func shardNotFound(name, shard string) *awsapi.Error {
	return clientErr("ResourceNotFoundException", "Shard %s in stream %s under account %s does not exist", shard, name, account)
}

func inUse(format string, args ...any) *awsapi.Error {
	return clientErr("ResourceInUseException", format, args...)
}

// storeErr turns each of the seam's errors about stream name into its
// Kinesis error and passes anything else on, to be logged as an internal
// failure.
func storeErr(err error, name string) error {
	var ae *awsapi.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ae):
		return ae
	case errors.Is(err, stream.ErrNotFound):
		return streamNotFound(name)
	case errors.Is(err, stream.ErrExists):
		return inUse("Stream %s under account %s already exists.", name, account)
	case errors.Is(err, stream.ErrNoSuchShard):
		return clientErr("ResourceNotFoundException", "A shard of stream %s under account %s does not exist.", name, account)
	case errors.Is(err, stream.ErrNoSuchConsumer):
		return clientErr("ResourceNotFoundException", "A consumer of stream %s under account %s does not exist.", name, account)
	case errors.Is(err, stream.ErrInvalid):
		return invalidArg("Stream %s under account %s: %v.", name, account, err)
	}
	return fmt.Errorf("stream %s: %w", name, err)
}

// validation collects constraint violations and reports them the way
// Kinesis does: "2 validation errors detected: Value 'x' at 'streamName'
// failed to satisfy constraint: Member must ...; ...".
type validation struct {
	errs []string
}

// fail records that value (nil for a missing one) at field breaks rule.
func (v *validation) fail(field string, value any, rule string) {
	if len(v.errs) == 10 { // Kinesis stops at ten
		return
	}
	shown := "null"
	switch x := value.(type) {
	case nil:
	case *string:
		if x != nil {
			shown = "'" + *x + "'"
		}
	case *int64:
		if x != nil {
			shown = fmt.Sprintf("'%d'", *x)
		}
	default:
		shown = fmt.Sprintf("'%v'", x)
	}
	v.errs = append(v.errs, fmt.Sprintf("Value %s at '%s' failed to satisfy constraint: %s", shown, field, rule))
}

func (v *validation) err() error {
	switch len(v.errs) {
	case 0:
		return nil
	case 1:
		return clientErr("ValidationException", "1 validation error detected: %s", v.errs[0])
	}
	return clientErr("ValidationException", "%d validation errors detected: %s", len(v.errs), strings.Join(v.errs, "; "))
}

// required notes a missing member.
func (v *validation) required(field string, present bool) bool {
	if !present {
		v.fail(field, nil, "Member must not be null")
	}
	return present
}

// name checks a stream name, shard id or similar: 1-128 of [a-zA-Z0-9_.-].
func (v *validation) name(field string, s *string, required bool) {
	if s == nil {
		if required {
			v.required(field, false)
		}
		return
	}
	v.length(field, s, 1, 128)
	if !validName(*s) {
		v.fail(field, s, "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")
	}
}

func (v *validation) length(field string, s *string, min, max int) {
	n := len([]rune(*s))
	if n < min {
		v.fail(field, s, fmt.Sprintf("Member must have length greater than or equal to %d", min))
	}
	if n > max {
		v.fail(field, s, fmt.Sprintf("Member must have length less than or equal to %d", max))
	}
}

func (v *validation) between(field string, n *int64, min, max int64) {
	if n == nil {
		return
	}
	if *n < min {
		v.fail(field, n, fmt.Sprintf("Member must have value greater than or equal to %d", min))
	}
	if *n > max {
		v.fail(field, n, fmt.Sprintf("Member must have value less than or equal to %d", max))
	}
}

func (v *validation) enum(field string, s *string, values ...string) {
	if s == nil {
		return
	}
	for _, x := range values {
		if *s == x {
			return
		}
	}
	v.fail(field, s, "Member must satisfy enum value set: ["+strings.Join(values, ", ")+"]")
}

func validName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		ok := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '.' || c == '-'
		if !ok {
			return false
		}
	}
	return true
}
