package prefix

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParse checks that Parse never panics and that what it accepts
// evaluates deterministically. Firehose writes prefixes literally, so there
// is no path-safety invariant to hold; instead: the source round-trips, a
// literal Prefix evaluates to itself plus the default time, and Eval fails
// only with its documented errors.
func FuzzParse(f *testing.F) {
	seeds := []string{
		"", "logs/", "!{timestamp:yyyy/MM/dd/HH}/", "!{timestamp:'y='yyyy'/m='MM}/",
		"!{firehose:random-string}/", "e/!{firehose:error-output-type}/",
		"c=!{partitionKeyFromQuery:c}/d=!{partitionKeyFromLambda:d}/",
		"!{", "!{}", "!{timestamp:", "a}b!{timestamp:[yyyy]}", "!{timestamp:''''}",
		"!{timestamp:GGGG QQQQ EEEE MMMM ZZZZ XXX VV SSSSSSSSS a}",
	}
	for _, s := range seeds {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, errorPrefix bool) {
		_ = Validate(s, s, errorPrefix) // must not panic either
		tpl, err := Parse(s, errorPrefix)
		if err != nil {
			return
		}
		if tpl.String() != s {
			t.Fatalf("String() = %q, want %q", tpl.String(), s)
		}
		q, l := tpl.PartitionKeys()
		in := Input{At: docTime, ErrorType: ProcessingFailed, QueryKeys: fill(q), LambdaKeys: fill(l)}
		in.Random = counter()
		got, err := tpl.Eval(in)
		in.Random = counter()
		again, err2 := tpl.Eval(in)
		if got != again || (err == nil) != (err2 == nil) {
			t.Fatalf("Eval not deterministic: %q, %v then %q, %v", got, err, again, err2)
		}
		if err != nil {
			if !errors.Is(err, ErrTooLong) {
				t.Fatalf("Eval: unexpected error %v", err)
			}
			return
		}
		if len(got) > MaxEvaluatedLen {
			t.Fatalf("Eval returned %d characters", len(got))
		}
		if tpl.AppendsTime() && !strings.HasSuffix(got, "2018/08/27/10/") {
			t.Fatalf("%q lacks the default time", got)
		}
		if !errorPrefix && !tpl.HasExpressions() && got != s+"2018/08/27/10/" {
			t.Fatalf("literal %q evaluated to %q", s, got)
		}
	})
}

func fill(keys []string) map[string]string {
	m := make(map[string]string, len(keys))
	for _, k := range keys {
		m[k] = "v"
	}
	return m
}
