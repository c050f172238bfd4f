package trigger

import (
	"errors"
	"testing"
	"time"
)

// FuzzParseNotification: any document is taken or refused with a
// ConfigError, and what is taken renders back to rules that parse alike.
func FuzzParseNotification(f *testing.F) {
	f.Add(notification(lambdaConfig("a", fnA, "in/", ".csv", "s3:ObjectCreated:*")))
	f.Add(notification(lambdaConfig("a", fnA, "", "", "s3:ObjectRemoved:Delete"), lambdaConfig("b", fnA, "x", "", "s3:ObjectCreated:Put")))
	f.Add([]byte("<NotificationConfiguration><QueueConfiguration/></NotificationConfiguration>"))
	f.Add([]byte("<"))
	f.Fuzz(func(t *testing.T, doc []byte) {
		rules, err := ParseNotification(doc, known)
		if err != nil {
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Code == "" || ce.Message == "" {
				t.Fatalf("error %T %v", err, err)
			}
			return
		}
		back, err := NotificationXML(rules)
		if err != nil {
			t.Fatal(err)
		}
		again, err := ParseNotification(back, known)
		if err != nil || len(again) != len(rules) {
			t.Fatalf("rendered rules do not parse alike: %v\n%s", err, back)
		}
	})
}

// FuzzTemplate: a template CheckTemplate takes renders to a key inside
// the bucket for any object key.
func FuzzTemplate(f *testing.F) {
	f.Add("raw/{rel}", "in/a/b.csv", "in/")
	f.Add("{yyyy}/{mm}/{dd}/{name}", "../../x", "")
	f.Add("{dir}/{key}", "/", "")
	f.Fuzz(func(t *testing.T, tmpl, key, prefix string) {
		if CheckTemplate(tmpl) != nil {
			return
		}
		out := render(tmpl, key, prefix, time.Unix(0, 0))
		if len(out) > 0 && out[0] == '/' || out == ".." || len(out) >= 3 && out[:3] == "../" {
			t.Fatalf("%q with %q renders to %q", tmpl, key, out)
		}
	})
}
