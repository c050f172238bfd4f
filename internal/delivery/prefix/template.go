package prefix

import (
	"fmt"
	"strings"
	"time"
)

// Expression namespaces and firehose-namespace values, as spelled in
// !{namespace:value}.
const (
	NamespaceTimestamp = "timestamp"
	NamespaceFirehose  = "firehose"
	NamespaceQuery     = "partitionKeyFromQuery"
	NamespaceLambda    = "partitionKeyFromLambda"

	valueErrorOutputType = "error-output-type"
	valueRandomString    = "random-string"
)

// MaxEvaluatedLen is the longest an evaluated Prefix or ErrorOutputPrefix
// may be ("Neither Prefix nor ErrorOutputPrefix can be greater than 512
// characters after they're evaluated").
const MaxEvaluatedLen = 512

// defaultTime is what Firehose appends when a Prefix has no timestamp
// expression: !{timestamp:yyyy/MM/dd/HH/}. Go's layout gives the same text
// for four-digit years.
const defaultTime = "2006/01/02/15/"

type segKind uint8

const (
	segLiteral segKind = iota
	segTimestamp
	segErrorType
	segRandom
	segQueryKey
	segLambdaKey
)

type segment struct {
	kind segKind
	text string   // literal text, or the partition key ID
	ts   []tsItem // compiled timestamp pattern
}

// Template is a parsed Prefix or ErrorOutputPrefix, ready to evaluate for
// each object. It is immutable and safe for concurrent use.
type Template struct {
	src         string
	errorPrefix bool
	segs        []segment
	// appendTime is set when Firehose adds the yyyy/MM/dd/HH/ time prefix
	// after the evaluated text.
	appendTime bool
}

// Input is what one object's prefix depends on.
type Input struct {
	// At is the approximate arrival time of the oldest record in the object;
	// every timestamp expression evaluates to this one instant.
	At time.Time
	// Loc is the CustomTimeZone; nil means UTC.
	Loc *time.Location
	// QueryKeys and LambdaKeys are the record's partition keys from the jq
	// metadata extraction and from the Lambda's metadata.partitionKeys.
	QueryKeys  map[string]string
	LambdaKeys map[string]string
	// ErrorType fills !{firehose:error-output-type}, e.g. ProcessingFailed.
	ErrorType string
	// Random returns a fresh value for each !{firehose:random-string}
	// (Firehose draws a new one per occurrence); nil uses RandomString.
	Random func() string
}

// Parse parses a Prefix (errorPrefix false) or an ErrorOutputPrefix. It
// checks the syntax and the rules that concern one field alone; Validate
// checks a destination's pair.
func Parse(s string, errorPrefix bool) (*Template, error) {
	t := &Template{src: s, errorPrefix: errorPrefix}
	rest, off := s, 0
	for rest != "" {
		i := strings.Index(rest, "!{")
		if i < 0 {
			t.segs = append(t.segs, segment{kind: segLiteral, text: rest})
			break
		}
		if i > 0 {
			t.segs = append(t.segs, segment{kind: segLiteral, text: rest[:i]})
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			return nil, fmt.Errorf("%s: \"!{\" at offset %d is not closed by \"}\"", fieldName(errorPrefix), off+i)
		}
		expr := rest[i : i+j+1]
		seg, err := parseExpr(expr, errorPrefix)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", fieldName(errorPrefix), err)
		}
		t.segs = append(t.segs, seg)
		rest, off = rest[i+j+1:], off+i+j+1
	}
	switch {
	case errorPrefix && !t.HasExpressions():
		// A literal error prefix behaves like the one Firehose derives from a
		// literal Prefix: <text><error-output-type>/yyyy/MM/dd/HH/.
		t.segs = append(t.segs, segment{kind: segErrorType}, segment{kind: segLiteral, text: "/"})
		t.appendTime = true
	case !errorPrefix:
		t.appendTime = !t.has(segTimestamp) && !t.has(segQueryKey) && !t.has(segLambdaKey)
	}
	return t, nil
}

// parseExpr parses one "!{namespace:value}".
func parseExpr(expr string, errorPrefix bool) (segment, error) {
	body := expr[2 : len(expr)-1]
	if strings.Contains(body, "!{") {
		return segment{}, fmt.Errorf("the sequence \"!{\" can only start a !{namespace:value} expression, found in %s", expr)
	}
	ns, val, ok := strings.Cut(body, ":")
	if !ok {
		return segment{}, fmt.Errorf("expression %s is not of the form !{namespace:value}", expr)
	}
	switch ns {
	case NamespaceTimestamp:
		items, err := compileTimestamp(val)
		if err != nil {
			return segment{}, fmt.Errorf("expression %s: %w", expr, err)
		}
		return segment{kind: segTimestamp, ts: items}, nil
	case NamespaceFirehose:
		switch val {
		case valueRandomString:
			return segment{kind: segRandom}, nil
		case valueErrorOutputType:
			if !errorPrefix {
				return segment{}, fmt.Errorf("!{firehose:error-output-type} can only be used in ErrorOutputPrefix")
			}
			return segment{kind: segErrorType}, nil
		}
		return segment{}, fmt.Errorf("expression %s: firehose namespace value must be %s or %s", expr, valueErrorOutputType, valueRandomString)
	case NamespaceQuery, NamespaceLambda:
		if val == "" {
			return segment{}, fmt.Errorf("expression %s: empty partition key name", expr)
		}
		kind := segQueryKey
		if ns == NamespaceLambda {
			kind = segLambdaKey
		}
		return segment{kind: kind, text: val}, nil
	}
	return segment{}, fmt.Errorf("expression %s: unknown namespace %q (want %s, %s, %s or %s)",
		expr, ns, NamespaceTimestamp, NamespaceFirehose, NamespaceQuery, NamespaceLambda)
}

func fieldName(errorPrefix bool) string {
	if errorPrefix {
		return "ErrorOutputPrefix"
	}
	return "Prefix"
}

func (t *Template) has(k segKind) bool {
	for _, s := range t.segs {
		if s.kind == k {
			return true
		}
	}
	return false
}

// String returns the text the template was parsed from.
func (t *Template) String() string { return t.src }

// HasExpressions reports whether the source holds any !{...} expression.
func (t *Template) HasExpressions() bool { return strings.Contains(t.src, "!{") }

// AppendsTime reports whether Firehose adds yyyy/MM/dd/HH/ after the
// evaluated text: a Prefix with no timestamp or partition key expression,
// or an ErrorOutputPrefix with no expression at all.
func (t *Template) AppendsTime() bool { return t.appendTime }

// PartitionKeys lists the key IDs the template reads, so the caller knows
// what to extract; each list is in order of first use, without repeats.
func (t *Template) PartitionKeys() (query, lambda []string) {
	for _, s := range t.segs {
		switch {
		case s.kind == segQueryKey && !contains(query, s.text):
			query = append(query, s.text)
		case s.kind == segLambdaKey && !contains(lambda, s.text):
			lambda = append(lambda, s.text)
		}
	}
	return query, lambda
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Eval evaluates the template for one object. Errors are *KeyError
// (errors.Is ErrMissingPartitionKey) when a partition key is absent or
// empty, ErrTooLong when the result exceeds MaxEvaluatedLen, and
// ErrNoErrorType when the template needs an error type and in has none;
// Firehose sends such records to the error output, so the caller should too.
func (t *Template) Eval(in Input) (string, error) {
	loc := in.Loc
	if loc == nil {
		loc = time.UTC
	}
	at := in.At.In(loc)
	b := make([]byte, 0, len(t.src)+32)
	for _, s := range t.segs {
		switch s.kind {
		case segLiteral:
			b = append(b, s.text...)
		case segTimestamp:
			b = appendTimestamp(b, s.ts, at)
		case segErrorType:
			if in.ErrorType == "" {
				return "", ErrNoErrorType
			}
			b = append(b, in.ErrorType...)
		case segRandom:
			if in.Random != nil {
				b = append(b, in.Random()...)
			} else {
				b = append(b, RandomString()...)
			}
		case segQueryKey, segLambdaKey:
			keys, ns := in.QueryKeys, NamespaceQuery
			if s.kind == segLambdaKey {
				keys, ns = in.LambdaKeys, NamespaceLambda
			}
			// Values go in verbatim: Firehose does not escape them, so "/"
			// in a value adds a level to the key.
			v := keys[s.text]
			if v == "" {
				return "", &KeyError{Namespace: ns, Key: s.text}
			}
			b = append(b, v...)
		}
	}
	if t.appendTime {
		b = at.AppendFormat(b, defaultTime)
	}
	if len(b) > MaxEvaluatedLen {
		return "", fmt.Errorf("%s %q: %w", fieldName(t.errorPrefix), t.src, ErrTooLong)
	}
	return string(b), nil
}
