package trigger

import (
	"errors"
	"strings"
	"testing"
)

func notification(configs ...string) []byte {
	return []byte(`<NotificationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` + strings.Join(configs, "") + `</NotificationConfiguration>`)
}

func lambdaConfig(id, arn, prefix, suffix string, events ...string) string {
	s := "<CloudFunctionConfiguration><Id>" + id + "</Id><CloudFunction>" + arn + "</CloudFunction>"
	for _, e := range events {
		s += "<Event>" + e + "</Event>"
	}
	s += "<Filter><S3Key>"
	if prefix != "" {
		s += "<FilterRule><Name>Prefix</Name><Value>" + prefix + "</Value></FilterRule>"
	}
	if suffix != "" {
		s += "<FilterRule><Name>suffix</Name><Value>" + suffix + "</Value></FilterRule>"
	}
	return s + "</S3Key></Filter></CloudFunctionConfiguration>"
}

const fnA = "arn:aws:lambda:us-east-1:000000000000:function:a"

func known(arn string) (bool, error) { return arn == fnA, nil }

func TestParseNotification(t *testing.T) {
	rules, err := ParseNotification(notification(
		lambdaConfig("csv", fnA, "in/", ".csv", "s3:ObjectCreated:*"),
		lambdaConfig("json", fnA, "in/", ".json", "s3:ObjectCreated:Put"),
		lambdaConfig("gone", fnA, "in/", "", "s3:ObjectRemoved:*"),
	), known)
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) != 3 || rules[0].Prefix != "in/" || rules[0].Suffix != ".csv" {
		t.Fatalf("rules: %+v", rules)
	}
	for _, c := range []struct {
		rule       int
		event, key string
		want       bool
	}{
		{0, "ObjectCreated:Put", "in/a.csv", true},
		{0, "ObjectCreated:CompleteMultipartUpload", "in/a.csv", true},
		{0, "ObjectCreated:Put", "out/a.csv", false},
		{0, "ObjectRemoved:Delete", "in/a.csv", false},
		{1, "ObjectCreated:Copy", "in/a.json", false},
		{2, "ObjectRemoved:Delete", "in/x", true},
	} {
		if got := rules[c.rule].Matches(c.event, c.key); got != c.want {
			t.Errorf("rule %d, %s %s: %v", c.rule, c.event, c.key, got)
		}
	}
	back, err := NotificationXML(rules)
	if err != nil {
		t.Fatal(err)
	}
	again, err := ParseNotification(back, known)
	if err != nil || len(again) != 3 || again[2].ID != "gone" || again[0].Suffix != ".csv" {
		t.Fatalf("round trip: %v %+v\n%s", err, again, back)
	}
}

func TestParseNotificationRefuses(t *testing.T) {
	for name, c := range map[string]struct {
		doc  []byte
		code string
		msg  string
	}{
		"overlap": {notification(lambdaConfig("1", fnA, "in/", "", "s3:ObjectCreated:*"), lambdaConfig("2", fnA, "in/sub/", "", "s3:ObjectCreated:Put")),
			"InvalidArgument", "Configurations overlap"},
		"unknown function": {notification(lambdaConfig("1", "arn:aws:lambda:us-east-1:000000000000:function:nope", "", "", "s3:ObjectCreated:*")),
			"InvalidArgument", "Unable to validate the following destination configurations"},
		"bad event": {notification(lambdaConfig("1", fnA, "", "", "s3:ObjectCreated:Bogus")), "InvalidArgument", "not supported"},
		"two prefixes": {notification(strings.Replace(lambdaConfig("1", fnA, "a", "", "s3:ObjectCreated:*"), "<S3Key>", "<S3Key><FilterRule><Name>prefix</Name><Value>b</Value></FilterRule>", 1)),
			"InvalidArgument", "more than one prefix"},
		"queue":     {notification("<QueueConfiguration><Queue>arn:aws:sqs:x</Queue><Event>s3:ObjectCreated:*</Event></QueueConfiguration>"), "NotImplemented", "functions only"},
		"malformed": {[]byte("<NotificationConfiguration>"), "MalformedXML", "not well-formed"},
		"same id":   {notification(lambdaConfig("1", fnA, "a/", "", "s3:ObjectCreated:*"), lambdaConfig("1", fnA, "b/", "", "s3:ObjectCreated:*")), "InvalidArgument", "Same ID"},
	} {
		_, err := ParseNotification(c.doc, known)
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Code != c.code || !strings.Contains(ce.Message, c.msg) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// Disjoint prefixes or suffixes do not overlap.
	if _, err := ParseNotification(notification(lambdaConfig("1", fnA, "a/", "", "s3:ObjectCreated:*"), lambdaConfig("2", fnA, "b/", "", "s3:ObjectCreated:*"),
		lambdaConfig("3", fnA, "", ".csv", "s3:ObjectRemoved:*"), lambdaConfig("4", fnA, "", ".json", "s3:ObjectRemoved:*")), known); err != nil {
		t.Error(err)
	}
}

func TestEncodeKey(t *testing.T) {
	for key, want := range map[string]string{
		"a b/c+d.csv":        "a+b/c%2Bd.csv",
		"dt=2026-12-06/x.gz": "dt%3D2026-12-06/x.gz",
		"é/ü":                "%C3%A9/%C3%BC",
	} {
		if got := EncodeKey(key); got != want {
			t.Errorf("%q: %q, want %q", key, got, want)
		}
		if back, err := DecodeKey(want); err != nil || back != key {
			t.Errorf("decode %q: %q %v", want, back, err)
		}
	}
}
