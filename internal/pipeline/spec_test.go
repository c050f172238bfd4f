package pipeline

import (
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestValidateNamesLineAndField(t *testing.T) {
	const conf = `buckets:
  - landing
  - Bad_Bucket
streams:
  - name: clicks
    shards: 2
  - name: clicks
    shards: 900
databases:
  - name: analytics
crawlers:
  - name: raw
    database: nowhere
    targets: [s3://lake/raw/, "http://x"]
    schedule: hourly
    recrawl: sometimes
`
	var s Spec
	if err := yaml.Unmarshal([]byte(conf), &s); err != nil {
		t.Fatal(err)
	}
	err := s.Validate("tarn.yaml")
	if err == nil {
		t.Fatal("no problems found")
	}
	for _, want := range []string{
		`tarn.yaml:3: buckets[1]: "Bad_Bucket" is not a bucket name`,
		`tarn.yaml:7: streams[1].shards: 900 shards: want 1 to 500`,
		`tarn.yaml:7: streams[1]: stream "clicks" is declared twice (first on line 5)`,
		`tarn.yaml:12: crawlers[0].database: database "nowhere" is not declared under databases`,
		`tarn.yaml:12: crawlers[0].targets[0]: bucket "lake" is not declared under buckets`,
		`tarn.yaml:12: crawlers[0].targets[1]: "http://x" is not an s3://bucket/prefix/ path`,
		`tarn.yaml:12: crawlers[0].schedule: "hourly" is not a cron expression`,
		`tarn.yaml:12: crawlers[0].recrawl: "sometimes" is not one of everything, new_folders, events`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
}

func TestUnknownFieldNamesItsLine(t *testing.T) {
	var s Spec
	err := yaml.Unmarshal([]byte("streams:\n  - name: clicks\n    shard: 2\n"), &s)
	if err == nil || !strings.Contains(err.Error(), `line 3: unknown field "shard"`) {
		t.Fatalf("got %v", err)
	}
}

func TestRoundTrip(t *testing.T) {
	s := Spec{Buckets: []Bucket{{Name: "lake"}}, Streams: []Stream{{Name: "clicks", Shards: 2, RetentionHours: 24}},
		Databases: []Database{{Name: "analytics"}}, Crawlers: []Crawler{{Name: "raw", Database: "analytics", Targets: []string{"s3://lake/raw/"}, Recrawl: "events"}}}
	b, err := yaml.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var back Spec
	if err := yaml.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if err := back.Validate("x"); err != nil {
		t.Fatal(err)
	}
	b2, _ := yaml.Marshal(back)
	if string(b) != string(b2) {
		t.Fatalf("%s\nbecame\n%s", b, b2)
	}
}

func TestValidateKeys(t *testing.T) {
	const conf = `keys:
  - name: partner
    write: [s3:landing, "nosuch:x"]
    ssh_keys: ["ssh-ed25519 not-base64"]
  - name: root
    read: [s3:lake]
  - name: empty
  - name: envy
    read: [s3:lake]
    secret_env: TARN_TEST_UNSET_SECRET
`
	var s Spec
	if err := yaml.Unmarshal([]byte(conf), &s); err != nil {
		t.Fatal(err)
	}
	err := s.Validate("k.yaml")
	for _, want := range []string{
		`k.yaml:2: keys[0].write[1]: grant "nosuch:x": unknown kind "nosuch"`,
		`k.yaml:2: keys[0].ssh_keys[0]: not an SSH public key`,
		`k.yaml:5: keys[1].name: a key needs a name other than root`,
		`k.yaml:7: keys[2]: key "empty" has no grants`,
		`k.yaml:8: keys[3].secret_env: environment variable TARN_TEST_UNSET_SECRET is not set`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
}
