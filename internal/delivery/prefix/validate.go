package prefix

import "fmt"

// MaxConfigLen is the API's length limit on Prefix and ErrorOutputPrefix.
const MaxConfigLen = 1024

// constraint is how Firehose words a prefix rule it refuses; "Ths" is its
// spelling, kept so clients matching on the text see what AWS sends.
const constraint = "Ths supplied prefix(es) do not satisfy the following constraint: "

// Constraint texts. The first is verbatim from Firehose; the rest follow
// the documented rules in the same style.
const (
	ruleErrorPrefixRequired = "ErrorOutputPrefix cannot be null or empty when Prefix contains expressions"
	ruleErrorTypeRequired   = "ErrorOutputPrefix must contain !{firehose:error-output-type} when it contains expressions"
	ruleDPPrefixRequired    = "Prefix must contain at least one !{partitionKeyFromQuery:keyID} or !{partitionKeyFromLambda:keyID} expression when dynamic partitioning is enabled"
	ruleDPErrorRequired     = "ErrorOutputPrefix cannot be null or empty when dynamic partitioning is enabled"
	ruleKeysNeedDP          = "Prefix can contain partitionKeyFromQuery and partitionKeyFromLambda expressions only when dynamic partitioning is enabled"
	ruleNoKeysInError       = "ErrorOutputPrefix cannot contain partitionKeyFromQuery or partitionKeyFromLambda expressions"
)

// Layout is a destination's checked pair of templates: where delivered
// objects go and where failed records go.
type Layout struct {
	Prefix *Template
	Error  *Template
}

// Validate checks a destination's Prefix and ErrorOutputPrefix the way
// CreateDeliveryStream and UpdateDestination do. The error is a
// *ConfigError.
func Validate(prefix, errorOutputPrefix string, dynamicPartitioning bool) error {
	_, err := Compile(prefix, errorOutputPrefix, dynamicPartitioning)
	return err
}

// Compile validates like Validate and returns the templates to evaluate.
// With no ErrorOutputPrefix, failed records go to
// <Prefix><error-output-type>/yyyy/MM/dd/HH/, as Firehose derives it.
func Compile(prefix, errorOutputPrefix string, dynamicPartitioning bool) (Layout, error) {
	if err := checkLen("prefix", prefix); err != nil {
		return Layout{}, err
	}
	if err := checkLen("errorOutputPrefix", errorOutputPrefix); err != nil {
		return Layout{}, err
	}
	p, err := Parse(prefix, false)
	if err != nil {
		return Layout{}, invalid("Prefix", err.Error(), err)
	}
	var e *Template
	if errorOutputPrefix != "" {
		if e, err = Parse(errorOutputPrefix, true); err != nil {
			return Layout{}, invalid("ErrorOutputPrefix", err.Error(), err)
		}
	}
	pq, pl := p.PartitionKeys()
	pKeys := len(pq)+len(pl) > 0
	switch {
	case p.HasExpressions() && e == nil:
		return Layout{}, invalid("ErrorOutputPrefix", constraint+ruleErrorPrefixRequired, nil)
	case dynamicPartitioning && e == nil:
		return Layout{}, invalid("ErrorOutputPrefix", constraint+ruleDPErrorRequired, nil)
	case e != nil && e.HasExpressions() && !e.has(segErrorType):
		return Layout{}, invalid("ErrorOutputPrefix", constraint+ruleErrorTypeRequired, nil)
	case pKeys && !dynamicPartitioning:
		return Layout{}, invalid("Prefix", constraint+ruleKeysNeedDP, nil)
	case dynamicPartitioning && !pKeys:
		return Layout{}, invalid("Prefix", constraint+ruleDPPrefixRequired, nil)
	}
	if e != nil {
		// A record that failed key extraction has no keys to fill these with.
		if q, l := e.PartitionKeys(); len(q)+len(l) > 0 {
			return Layout{}, invalid("ErrorOutputPrefix", constraint+ruleNoKeysInError, nil)
		}
	} else {
		// Only reached for a literal Prefix, so this cannot fail.
		if e, err = Parse(prefix, true); err != nil {
			return Layout{}, invalid("ErrorOutputPrefix", err.Error(), err)
		}
	}
	return Layout{Prefix: p, Error: e}, nil
}

func checkLen(member, v string) error {
	if len(v) <= MaxConfigLen {
		return nil
	}
	return &ConfigError{
		Code:  CodeValidation,
		Field: fieldFor(member),
		Message: fmt.Sprintf("1 validation error detected: Value at '%s' failed to satisfy constraint: "+
			"Member must have length less than or equal to %d", member, MaxConfigLen),
	}
}

func fieldFor(member string) string {
	if member == "prefix" {
		return "Prefix"
	}
	return "ErrorOutputPrefix"
}

func invalid(field, msg string, err error) *ConfigError {
	return &ConfigError{Code: CodeInvalidArgument, Field: field, Message: msg, Err: err}
}
