package prefix

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
)

// docTime is the instant the Firehose docs' example table uses.
var docTime = time.Date(2018, 8, 27, 10, 30, 5, 0, time.UTC)

// counter returns r1, r2, ... so random-string output is predictable.
func counter() func() string {
	n := 0
	return func() string { n++; return "r" + strconv.Itoa(n) }
}

func TestEval(t *testing.T) {
	tokyo := mustZone(t, "Asia/Tokyo")
	tests := []struct {
		name        string
		src         string
		errorPrefix bool
		in          Input
		want        string
	}{
		{name: "empty prefix is the default time", src: "", want: "2018/08/27/10/"},
		{name: "literal prefix gets time appended without a slash", src: "myPrefix", want: "myPrefix2018/08/27/10/"},
		{name: "literal folder", src: "myPrefix/", want: "myPrefix/2018/08/27/10/"},
		{
			name: "timestamp expressions replace the default",
			src:  "myPrefix/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/",
			want: "myPrefix/year=2018/month=08/day=27/hour=10/",
		},
		{
			name:        "quoted literals and error type",
			src:         "myErrorPrefix/!{timestamp:'year='yyyy'/month='MM'/day='dd'/hour='HH}/!{firehose:error-output-type}",
			errorPrefix: true,
			in:          Input{ErrorType: ProcessingFailed},
			want:        "myErrorPrefix/year=2018/month=08/day=27/hour=10/processing-failed",
		},
		{
			name:        "error type repeats the same value",
			src:         "!{firehose:error-output-type}/!{firehose:error-output-type}/",
			errorPrefix: true,
			in:          Input{ErrorType: FormatConversionFailed},
			want:        "format-conversion-failed/format-conversion-failed/",
		},
		{
			name: "random string with a timestamp",
			src:  "myFirehose/DeliveredYear=!{timestamp:yyyy}/anyMonth/rand=!{firehose:random-string}",
			in:   Input{Random: func() string { return "5abf82daaa5" }},
			want: "myFirehose/DeliveredYear=2018/anyMonth/rand=5abf82daaa5",
		},
		{
			name: "each random string is fresh and time is appended",
			src:  "!{firehose:random-string}/!{firehose:random-string}/",
			in:   Input{Random: counter()},
			want: "r1/r2/2018/08/27/10/",
		},
		{
			name: "partition keys from the query, no time appended",
			src:  "customer_id=!{partitionKeyFromQuery:customer_id}/device=!{partitionKeyFromQuery:device}/",
			in:   Input{QueryKeys: map[string]string{"customer_id": "1234567890", "device": "mobile"}},
			want: "customer_id=1234567890/device=mobile/",
		},
		{
			name: "query and lambda keys are separate namespaces",
			src:  "q=!{partitionKeyFromQuery:id}/l=!{partitionKeyFromLambda:id}/!{timestamp:yyyy}/",
			in: Input{
				QueryKeys:  map[string]string{"id": "fromjq"},
				LambdaKeys: map[string]string{"id": "fromlambda"},
			},
			want: "q=fromjq/l=fromlambda/2018/",
		},
		{
			name: "key values go in verbatim",
			src:  "k=!{partitionKeyFromLambda:k}/",
			in:   Input{LambdaKeys: map[string]string{"k": "a/b ../c%"}},
			want: "k=a/b ../c%/",
		},
		{
			name: "time zone moves timestamps",
			src:  "!{timestamp:yyyy-MM-dd HH}/",
			in:   Input{At: time.Date(2018, 8, 27, 20, 30, 0, 0, time.UTC), Loc: tokyo},
			want: "2018-08-28 05/",
		},
		{
			name: "time zone moves the default prefix",
			src:  "",
			in:   Input{At: time.Date(2018, 8, 27, 20, 30, 0, 0, time.UTC), Loc: tokyo},
			want: "2018/08/28/05/",
		},
		{
			name:        "literal error prefix gets type and time",
			src:         "errors/",
			errorPrefix: true,
			in:          Input{ErrorType: ProcessingFailed},
			want:        "errors/processing-failed/2018/08/27/10/",
		},
		{
			name:        "error prefix with expressions gets no time",
			src:         "myFirehoseFailures/!{firehose:error-output-type}/",
			errorPrefix: true,
			in:          Input{ErrorType: ProcessingFailed},
			want:        "myFirehoseFailures/processing-failed/",
		},
		{name: "lone braces and bangs are literal", src: "a}b!c{d/!{timestamp:yy}", want: "a}b!c{d/18"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tpl, err := Parse(tt.src, tt.errorPrefix)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if tt.in.At.IsZero() {
				tt.in.At = docTime
			}
			got, err := tpl.Eval(tt.in)
			if err != nil {
				t.Fatalf("Eval: %v", err)
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if tpl.String() != tt.src {
				t.Errorf("String() = %q, want %q", tpl.String(), tt.src)
			}
		})
	}
}

func TestEvalErrors(t *testing.T) {
	tests := []struct {
		name        string
		src         string
		errorPrefix bool
		in          Input
		want        error
	}{
		{
			name: "absent query key",
			src:  "c=!{partitionKeyFromQuery:customer_id}/",
			in:   Input{QueryKeys: map[string]string{"other": "x"}},
			want: ErrMissingPartitionKey,
		},
		{
			name: "empty lambda key",
			src:  "c=!{partitionKeyFromLambda:customer_id}/",
			in:   Input{LambdaKeys: map[string]string{"customer_id": ""}},
			want: ErrMissingPartitionKey,
		},
		{
			name: "query key does not fill a lambda expression",
			src:  "c=!{partitionKeyFromLambda:id}/",
			in:   Input{QueryKeys: map[string]string{"id": "x"}},
			want: ErrMissingPartitionKey,
		},
		{
			name:        "no error type given",
			src:         "e/!{firehose:error-output-type}/",
			errorPrefix: true,
			want:        ErrNoErrorType,
		},
		{
			name: "too long once evaluated",
			src:  "!{partitionKeyFromQuery:k}/",
			in:   Input{QueryKeys: map[string]string{"k": strings.Repeat("x", MaxEvaluatedLen)}},
			want: ErrTooLong,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tpl, err := Parse(tt.src, tt.errorPrefix)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			tt.in.At = docTime
			_, err = tpl.Eval(tt.in)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestKeyError(t *testing.T) {
	tpl, err := Parse("x=!{partitionKeyFromLambda:cust}/", false)
	if err != nil {
		t.Fatal(err)
	}
	_, err = tpl.Eval(Input{At: docTime})
	var ke *KeyError
	if !errors.As(err, &ke) || ke.Namespace != NamespaceLambda || ke.Key != "cust" {
		t.Fatalf("err = %#v, want KeyError for partitionKeyFromLambda:cust", err)
	}
	if want := "!{partitionKeyFromLambda:cust}: partition key missing"; err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
}

func TestEvalExactlyAtLimit(t *testing.T) {
	tpl, err := Parse("!{partitionKeyFromQuery:k}", false)
	if err != nil {
		t.Fatal(err)
	}
	v := strings.Repeat("x", MaxEvaluatedLen)
	got, err := tpl.Eval(Input{At: docTime, QueryKeys: map[string]string{"k": v}})
	if err != nil || got != v {
		t.Fatalf("Eval = %q, %v; want the %d-character value", got, err, MaxEvaluatedLen)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name        string
		src         string
		errorPrefix bool
		want        string
	}{
		{"unclosed", "abc/!{timestamp:yyyy", false, `Prefix: "!{" at offset 4 is not closed by "}"`},
		{"unclosed in error prefix", "!{firehose:error-output-type}/!{", true, `ErrorOutputPrefix: "!{" at offset 30`},
		{"nested opener", "!{timestamp:yy!{x}", false, `"!{" can only start`},
		{"no colon", "!{timestamp}", false, "not of the form !{namespace:value}"},
		{"empty namespace", "!{:yyyy}", false, `unknown namespace ""`},
		{"unknown namespace", "!{Timestamp:yyyy}", false, `unknown namespace "Timestamp"`},
		{"unknown firehose value", "!{firehose:stream-name}", false, "firehose namespace value must be"},
		{"error type in prefix", "p/!{firehose:error-output-type}/", false, "can only be used in ErrorOutputPrefix"},
		{"empty query key", "!{partitionKeyFromQuery:}", false, "empty partition key name"},
		{"empty lambda key", "!{partitionKeyFromLambda:}", true, "empty partition key name"},
		{"empty timestamp", "!{timestamp:}", false, "empty timestamp pattern"},
		{"bad timestamp letter", "!{timestamp:yyyy-ww}", false, "locale week rules"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.src, tt.errorPrefix)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestTemplateQueries(t *testing.T) {
	tpl, err := Parse("a=!{partitionKeyFromQuery:a}/b=!{partitionKeyFromLambda:b}/a=!{partitionKeyFromQuery:a}/c=!{partitionKeyFromQuery:c}/", false)
	if err != nil {
		t.Fatal(err)
	}
	q, l := tpl.PartitionKeys()
	if strings.Join(q, ",") != "a,c" || strings.Join(l, ",") != "b" {
		t.Errorf("PartitionKeys() = %v, %v; want [a c], [b]", q, l)
	}
	if !tpl.HasExpressions() || tpl.AppendsTime() {
		t.Errorf("HasExpressions, AppendsTime = %v, %v; want true, false", tpl.HasExpressions(), tpl.AppendsTime())
	}
	lit, _ := Parse("logs/", false)
	if lit.HasExpressions() || !lit.AppendsTime() {
		t.Errorf("literal: HasExpressions, AppendsTime = %v, %v; want false, true", lit.HasExpressions(), lit.AppendsTime())
	}
}

func BenchmarkEval(b *testing.B) {
	tpl, err := Parse("data/customer_id=!{partitionKeyFromQuery:customer_id}/dt=!{timestamp:yyyy-MM-dd}/hour=!{timestamp:HH}/", false)
	if err != nil {
		b.Fatal(err)
	}
	in := Input{At: docTime, QueryKeys: map[string]string{"customer_id": "1234567890"}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tpl.Eval(in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEvalDefault(b *testing.B) {
	tpl, err := Parse("logs/", false)
	if err != nil {
		b.Fatal(err)
	}
	in := Input{At: docTime}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tpl.Eval(in); err != nil {
			b.Fatal(err)
		}
	}
}
