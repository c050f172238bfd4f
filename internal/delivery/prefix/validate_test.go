package prefix

import (
	"errors"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	const withType = "err/!{firehose:error-output-type}/"
	long := strings.Repeat("a", MaxConfigLen+1)
	tests := []struct {
		name       string
		prefix     string
		errPrefix  string
		dp         bool
		code       string // "" when valid
		field      string
		msgContain string
	}{
		{name: "all defaults", prefix: "", errPrefix: ""},
		{name: "literal prefix alone", prefix: "logs/"},
		{name: "literal error prefix", prefix: "logs/", errPrefix: "errors/"},
		{name: "error prefix without prefix", errPrefix: withType},
		{name: "expressions in both", prefix: "!{timestamp:yyyy}/", errPrefix: withType + "!{timestamp:yyyy}/"},
		{name: "random string in both", prefix: "!{firehose:random-string}/", errPrefix: withType + "!{firehose:random-string}"},
		{
			name: "expressions need an error prefix", prefix: "!{timestamp:yyyy/MM/dd}",
			code: CodeInvalidArgument, field: "ErrorOutputPrefix",
			msgContain: "Ths supplied prefix(es) do not satisfy the following constraint: ErrorOutputPrefix cannot be null or empty when Prefix contains expressions",
		},
		{
			name: "error prefix expressions need the error type", prefix: "!{timestamp:yyyy}/", errPrefix: "err/!{timestamp:yyyy}/",
			code: CodeInvalidArgument, field: "ErrorOutputPrefix", msgContain: ruleErrorTypeRequired,
		},
		{
			name: "random string alone in error prefix still needs the type", errPrefix: "err/!{firehose:random-string}/",
			code: CodeInvalidArgument, field: "ErrorOutputPrefix", msgContain: ruleErrorTypeRequired,
		},
		{
			name: "error type not allowed in prefix", prefix: "p/!{firehose:error-output-type}/", errPrefix: withType,
			code: CodeInvalidArgument, field: "Prefix", msgContain: "can only be used in ErrorOutputPrefix",
		},
		{
			name: "prefix syntax", prefix: "p/!{timestamp:yyyy", errPrefix: withType,
			code: CodeInvalidArgument, field: "Prefix", msgContain: "is not closed",
		},
		{
			name: "error prefix syntax", prefix: "p/", errPrefix: "e/!{nope:x}",
			code: CodeInvalidArgument, field: "ErrorOutputPrefix", msgContain: `unknown namespace "nope"`,
		},
		{
			name: "keys need dynamic partitioning", prefix: "c=!{partitionKeyFromQuery:c}/", errPrefix: withType,
			code: CodeInvalidArgument, field: "Prefix", msgContain: ruleKeysNeedDP,
		},
		{name: "dynamic partitioning with query keys", prefix: "c=!{partitionKeyFromQuery:c}/", errPrefix: withType, dp: true},
		{name: "dynamic partitioning with lambda keys", prefix: "c=!{partitionKeyFromLambda:c}/!{timestamp:yyyy}/", errPrefix: withType, dp: true},
		{
			name: "dynamic partitioning needs a key in prefix", prefix: "!{timestamp:yyyy}/", errPrefix: withType, dp: true,
			code: CodeInvalidArgument, field: "Prefix", msgContain: ruleDPPrefixRequired,
		},
		{
			name: "dynamic partitioning needs a prefix", errPrefix: withType, dp: true,
			code: CodeInvalidArgument, field: "Prefix", msgContain: ruleDPPrefixRequired,
		},
		{
			name: "dynamic partitioning needs an error prefix", dp: true,
			code: CodeInvalidArgument, field: "ErrorOutputPrefix", msgContain: ruleDPErrorRequired,
		},
		{
			name: "no keys in error prefix", prefix: "c=!{partitionKeyFromQuery:c}/", errPrefix: withType + "!{partitionKeyFromQuery:c}/", dp: true,
			code: CodeInvalidArgument, field: "ErrorOutputPrefix", msgContain: ruleNoKeysInError,
		},
		{
			name: "prefix too long", prefix: long,
			code: CodeValidation, field: "Prefix", msgContain: "Member must have length less than or equal to 1024",
		},
		{
			name: "error prefix too long", prefix: "p/", errPrefix: long,
			code: CodeValidation, field: "ErrorOutputPrefix", msgContain: "at 'errorOutputPrefix'",
		},
		{name: "prefix at the limit", prefix: long[:MaxConfigLen]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate(tt.prefix, tt.errPrefix, tt.dp)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a *ConfigError", err)
			}
			if ce.Code != tt.code || ce.Field != tt.field || !strings.Contains(ce.Message, tt.msgContain) {
				t.Errorf("got %s/%s %q; want %s/%s containing %q", ce.Code, ce.Field, ce.Message, tt.code, tt.field, tt.msgContain)
			}
		})
	}
}

func TestCompileDerivedErrorPrefix(t *testing.T) {
	tests := []struct{ prefix, want string }{
		{"myFirehosePrefix/", "myFirehosePrefix/processing-failed/2018/08/27/10/"},
		{"myFirehosePrefix", "myFirehosePrefix" + "processing-failed/2018/08/27/10/"},
		{"", "processing-failed/2018/08/27/10/"},
	}
	for _, tt := range tests {
		t.Run(tt.prefix, func(t *testing.T) {
			l, err := Compile(tt.prefix, "", false)
			if err != nil {
				t.Fatal(err)
			}
			got, err := l.Error.Eval(Input{At: docTime, ErrorType: ProcessingFailed})
			if err != nil || got != tt.want {
				t.Fatalf("error prefix = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestCompileKeepsGivenErrorPrefix(t *testing.T) {
	l, err := Compile("d/!{timestamp:yyyy}/", "f/!{firehose:error-output-type}/", false)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := l.Prefix.Eval(Input{At: docTime})
	e, _ := l.Error.Eval(Input{At: docTime, ErrorType: SplunkFailed})
	if p != "d/2018/" || e != "f/splunk-failed/" {
		t.Errorf("got %q and %q", p, e)
	}
}
