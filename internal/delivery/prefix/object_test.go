package prefix

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestObjectName(t *testing.T) {
	at := time.Date(2019, 8, 9, 23, 55, 9, 0, time.UTC)
	got := ObjectName("customer_id=1234567890/", "my-delivery-stream", 1, at, "a9fa96af-e4e4-409f-bac3-1f804714faaa", ".gz")
	want := "customer_id=1234567890/my-delivery-stream-1-2019-08-09-23-55-09-a9fa96af-e4e4-409f-bac3-1f804714faaa.gz"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	tokyo := mustZone(t, "Asia/Tokyo")
	got = ObjectName("", "s", 12, at.In(tokyo), "id", "")
	if want := "s-12-2019-08-10-08-55-09-id"; got != want {
		t.Errorf("in Tokyo: got %q, want %q", got, want)
	}
}

func TestExtension(t *testing.T) {
	tests := []struct {
		compression string
		converted   bool
		override    string
		want        string
	}{
		{"", false, "", ""},
		{"UNCOMPRESSED", false, "", ""},
		{"GZIP", false, "", ".gz"},
		{"ZIP", false, "", ".zip"},
		{"Snappy", false, "", ".snappy"},
		{"HADOOP_SNAPPY", false, "", ".snappy"},
		{"UNCOMPRESSED", true, "", ""},
		{"UNCOMPRESSED", true, ".parquet", ".parquet"},
		{"GZIP", false, ".json.gz", ".json.gz"},
	}
	for _, tt := range tests {
		got, err := Extension(tt.compression, tt.converted, tt.override)
		if err != nil || got != tt.want {
			t.Errorf("Extension(%q, %v, %q) = %q, %v; want %q", tt.compression, tt.converted, tt.override, got, err, tt.want)
		}
	}
	if _, err := Extension("gzip", false, ""); err == nil {
		t.Error("lower-case gzip accepted; the API enum is case-sensitive")
	}
}

func TestValidateFileExtension(t *testing.T) {
	good := []string{"", ".gz", ".parquet", ".json.gz", ".a-b_c!*'()", "." + strings.Repeat("a", 127)}
	for _, ext := range good {
		if err := ValidateFileExtension(ext); err != nil {
			t.Errorf("%q: %v", ext, err)
		}
	}
	bad := []string{"gz", ".", ".GZ", ".a b", ".a/b", "." + strings.Repeat("a", 128), ".é"}
	for _, ext := range bad {
		var ce *ConfigError
		if err := ValidateFileExtension(ext); !errors.As(err, &ce) || ce.Code != CodeValidation {
			t.Errorf("%q: err = %v, want a ValidationException", ext, err)
		}
	}
}

func TestLoadZone(t *testing.T) {
	loc, err := LoadZone("")
	if err != nil || loc != time.UTC {
		t.Fatalf("empty zone = %v, %v; want UTC", loc, err)
	}
	for _, name := range []string{"UTC", "Asia/Tokyo", "America/New_York", "America/Argentina/Buenos_Aires"} {
		loc, err := LoadZone(name)
		if err != nil || loc.String() != name {
			t.Errorf("%s: %v, %v", name, loc, err)
		}
	}
	tests := []struct{ name, code string }{
		{"Etc/GMT+9", CodeValidation},
		{"America/Port-au-Prince", CodeValidation},
		{strings.Repeat("A", 51), CodeValidation},
		{"Local", CodeInvalidArgument},
		{"Mars/Olympus_Mons", CodeInvalidArgument},
	}
	for _, tt := range tests {
		var ce *ConfigError
		if _, err := LoadZone(tt.name); !errors.As(err, &ce) || ce.Code != tt.code || ce.Field != "CustomTimeZone" {
			t.Errorf("%s: err = %v, want %s", tt.name, err, tt.code)
		}
	}
}

func TestRandomString(t *testing.T) {
	shape := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{2}$`)
	a, b := RandomString(), RandomString()
	if !shape.MatchString(a) || len(a) != 11 {
		t.Errorf("%q is not 11 characters like 046b6c7f-0b", a)
	}
	if a == b {
		t.Errorf("two draws gave %q", a)
	}
}
