package prefix

import (
	"strings"
	"testing"
	"time"
)

func TestTimestampPatterns(t *testing.T) {
	tokyo := mustZone(t, "Asia/Tokyo")
	at := time.Date(2018, 8, 27, 10, 30, 5, 123456789, time.UTC) // a Monday
	jan := time.Date(2018, 1, 5, 0, 7, 9, 0, time.UTC)
	tests := []struct {
		pattern string
		at      time.Time
		want    string
	}{
		{"yyyy", at, "2018"},
		{"yy", at, "18"},
		{"y", at, "2018"},
		{"yyyyy", at, "02018"},
		{"uuuu", at, "2018"},
		{"MM", jan, "01"},
		{"M", jan, "1"},
		{"MMM", at, "Aug"},
		{"MMMM", at, "August"},
		{"MMMMM", at, "A"},
		{"LLL", at, "Aug"},
		{"dd", jan, "05"},
		{"d", jan, "5"},
		{"D", at, "239"},
		{"D", jan, "5"},
		{"DD", jan, "05"},
		{"DDD", jan, "005"},
		{"HH", jan, "00"},
		{"H", jan, "0"},
		{"hh", jan, "12"},
		{"h a", at, "10 AM"},
		{"K", jan, "0"},
		{"k", jan, "24"},
		{"mm", jan, "07"},
		{"m", jan, "7"},
		{"ss", jan, "09"},
		{"s", jan, "9"},
		{"S", at, "1"},
		{"SSS", at, "123"},
		{"SSSSSSSSS", at, "123456789"},
		{"SSS", jan, "000"},
		{"a", at.Add(3 * time.Hour), "PM"},
		{"E", at, "Mon"},
		{"EEE", at, "Mon"},
		{"EEEE", at, "Monday"},
		{"EEEEE", at, "M"},
		{"G", at, "AD"},
		{"GGGG", at, "Anno Domini"},
		{"Q", at, "3"},
		{"QQ", at, "03"},
		{"QQQ", at, "Q3"},
		{"QQQQ", at, "3rd quarter"},
		{"Z", at, "+0000"},
		{"Z", at.In(tokyo), "+0900"},
		{"ZZZZ", at, "GMT"},
		{"ZZZZ", at.In(tokyo), "GMT+09:00"},
		{"ZZZZZ", at, "Z"},
		{"ZZZZZ", at.In(tokyo), "+09:00"},
		{"X", at, "Z"},
		{"X", at.In(tokyo), "+09"},
		{"XX", at.In(tokyo), "+0900"},
		{"XXX", at.In(tokyo), "+09:00"},
		{"x", at, "+00"},
		{"xx", at, "+0000"},
		{"xxx", at, "+00:00"},
		{"VV", at.In(tokyo), "Asia/Tokyo"},
		{"VV", at, "UTC"},
		{"yyyy/MM/dd/HH/", at, "2018/08/27/10/"},
		{"yyyy-MM-dd'T'HH:mm:ss", at, "2018-08-27T10:30:05"},
		{"'year='yyyy'/month='MM'/day='dd'/hour='HH", at, "year=2018/month=08/day=27/hour=10"},
		{"''", at, "'"},
		{"'it''s' yy", at, "it's 18"},
		{"[yyyy]", at, "2018"},
		{"yyyy[-MM", at, "2018-08"},
		{"dd.MM_yyyy ~=", at, "27.08_2018 ~="},
	}
	for _, tt := range tests {
		t.Run(tt.pattern, func(t *testing.T) {
			items, err := compileTimestamp(tt.pattern)
			if err != nil {
				t.Fatalf("compile: %v", err)
			}
			if got := string(appendTimestamp(nil, items, tt.at)); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTimestampPatternErrors(t *testing.T) {
	tests := []struct{ pattern, want string }{
		{"", "empty timestamp pattern"},
		{"ww", "locale week rules"},
		{"YYYY", "locale week rules"},
		{"e", "locale week rules"},
		{"z", "CLDR"},
		{"b", `unknown pattern letter 'b'`},
		{strings.Repeat("y", 20), "too many pattern letters"},
		{"MMMMMM", "too many pattern letters: MMMMMM"},
		{"ddd", "too many pattern letters"},
		{"HHH", "too many pattern letters"},
		{"aa", "too many pattern letters"},
		{"SSSSSSSSSS", "too many pattern letters"},
		{"V", "count must be 2"},
		{"'open", "incomplete string literal"},
		{"yyyy]", "] without previous ["},
		{"#", "reserved"},
	}
	for _, tt := range tests {
		t.Run(tt.pattern, func(t *testing.T) {
			_, err := compileTimestamp(tt.pattern)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func mustZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := LoadZone(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
