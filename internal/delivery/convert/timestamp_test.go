package convert

import (
	"testing"
	"time"
)

func TestJoda(t *testing.T) {
	for _, tc := range []struct {
		pattern, in, want string // want "" means no match
	}{
		{"yyyy-MM-dd'T'HH:mm:ss", "2020-01-02T03:04:05", "2020-01-02T03:04:05Z"},
		{"yyyyMMddHHmmss", "20200102030405", "2020-01-02T03:04:05Z"},
		{"dd MMM yyyy hh:mm a", "02 Jan 2020 03:04 PM", "2020-01-02T15:04:00Z"},
		{"dd MMMM yyyy hh:mm a", "02 january 2020 12:04 am", "2020-01-02T00:04:00Z"},
		{"EEE, dd MMM yyyy HH:mm:ss Z", "Thu, 02 Jan 2020 03:04:05 +0130", "2020-01-02T01:34:05Z"},
		{"yyyy-MM-dd HH:mm:ss.SSSZZ", "2020-01-02 03:04:05.5-01:00", "2020-01-02T04:04:05.5Z"},
		{"yy/M/d", "99/1/2", "1999-01-02T00:00:00Z"},
		{"yy/M/d", "20/1/2", "2020-01-02T00:00:00Z"},
		{"'at' HH 'o''clock' yyyy-MM-dd", "at 07 o'clock 2020-01-02", "2020-01-02T07:00:00Z"},
		{"yyyy-MM-dd", "2020-02-30", ""},
		{"yyyy-MM-dd", "2020-01-02 extra", ""},
		{"HH:mm", "25:00", ""},
	} {
		f, err := compileJoda(tc.pattern)
		if err != nil {
			t.Fatalf("%s: %v", tc.pattern, err)
		}
		us, ok := parseJoda(f, []byte(tc.in))
		got := ""
		if ok {
			got = time.UnixMicro(us).UTC().Format(time.RFC3339Nano)
		}
		if got != tc.want {
			t.Errorf("%s on %q: got %q, want %q", tc.pattern, tc.in, got, tc.want)
		}
	}
}

func TestEpoch(t *testing.T) {
	for in, want := range map[string]int64{
		"0":               0,
		"-1":              -1_000_000,
		"-1.5":            -1_500_000,
		"1518033528":      1518033528_000_000,
		"0001518033528":   1518033528_000, // 13 digits with leading zeros: millis
		"1518033528.5":    1518033528_500_000,
		"1518033528123":   1518033528123_000,
		"1.0000000001":    0, // more than nine fraction digits
		"15180335281234.": 0,
		"1e9":             0,
	} {
		got, ok := parseEpoch([]byte(in))
		if want == 0 && in != "0" {
			if ok {
				t.Errorf("%s: got %d, want no match", in, got)
			}
			continue
		}
		if !ok || got != want {
			t.Errorf("%s: got %d %v, want %d", in, got, ok, want)
		}
	}
}

func TestDaysFromCivil(t *testing.T) {
	for _, d := range []time.Time{
		time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1600, 2, 29, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC),
		time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC),
	} {
		if got, want := daysFromCivil(d.Year(), int(d.Month()), d.Day()), int(d.Unix()/86400); got != want {
			t.Errorf("%s: %d, want %d", d.Format(time.DateOnly), got, want)
		}
	}
}
