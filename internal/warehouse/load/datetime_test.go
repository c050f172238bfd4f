package load

import (
	"testing"
	"time"
)

func TestDatesDefault(t *testing.T) {
	d, ts, tz := dateCol("d"), tsCol("t"), tstzCol("z")
	runValues(t, []valueCase{
		{name: "date", col: d, in: "2020-01-02", want: day(2020, 1, 2)},
		{name: "date slashes", col: d, in: "2020/01/02", want: day(2020, 1, 2)},
		{name: "date with a time", col: d, in: "2020-01-02 10:11:12", want: day(2020, 1, 2)},
		{name: "leap day", col: d, in: "2024-02-29", want: day(2024, 2, 29)},
		{name: "date blank is null", col: d, in: "   ", want: nil},
		{name: "short date", col: d, in: "2020-1-2", code: 1205, reason: "Invalid Date Format - length must be 10 or more"},
		{name: "no leap day", col: d, in: "2023-02-29", code: 1205, reason: "Date value did not match format specified [YYYY-MM-DD]"},
		{name: "letters", col: d, in: "abcdefghij", code: 1205},
		{name: "month 13", col: d, in: "2020-13-01", code: 1205},
		{name: "timestamp", col: ts, in: "2020-01-02 03:04:05", want: at(2020, 1, 2, 3, 4, 5, 0)},
		{name: "timestamp fraction", col: ts, in: "2020-01-02 03:04:05.123456", want: at(2020, 1, 2, 3, 4, 5, 123456)},
		{name: "fraction kept to microseconds", col: ts, in: "2020-01-02 03:04:05.1234569", want: at(2020, 1, 2, 3, 4, 5, 123456)},
		{name: "timestamp T", col: ts, in: "2020-01-02T03:04:05", want: at(2020, 1, 2, 3, 4, 5, 0)},
		{name: "timestamp no seconds", col: ts, in: "2020-01-02 03:04", want: at(2020, 1, 2, 3, 4, 0, 0)},
		{name: "timestamp of a date", col: ts, in: "2020-01-02", want: at(2020, 1, 2, 0, 0, 0, 0)},
		{name: "timestamp ignores an offset", col: ts, in: "2020-01-02 03:04:05+02", want: at(2020, 1, 2, 3, 4, 5, 0)},
		{name: "timestamptz offset", col: tz, in: "2020-01-02 03:04:05+02", want: at(2020, 1, 2, 1, 4, 5, 0)},
		{name: "timestamptz -8:00", col: tz, in: "2020-01-02 03:04:05-8:00", want: at(2020, 1, 2, 11, 4, 5, 0)},
		{name: "timestamptz +0530", col: tz, in: "2020-01-02 03:04:05+0530", want: at(2020, 1, 1, 21, 34, 5, 0)},
		{name: "timestamptz Z", col: tz, in: "2020-01-02T03:04:05.5Z", want: at(2020, 1, 2, 3, 4, 5, 500000)},
		{name: "timestamptz without offset is UTC", col: tz, in: "2020-01-02 03:04:05", want: at(2020, 1, 2, 3, 4, 5, 0)},
		{name: "hour 25", col: ts, in: "2020-01-02 25:00:00", code: 1206, reason: "Invalid timestamp format or value [YYYY-MM-DD HH24:MI:SS]"},
		{name: "trailing text", col: ts, in: "2020-01-02 03:04:05 x", code: 1206},
		{name: "bad offset", col: tz, in: "2020-01-02 03:04:05+99", code: 1206},
	})
}

func TestDateFormats(t *testing.T) {
	d, ts, tz := dateCol("d"), tsCol("t"), tstzCol("z")
	df := func(f string) Options { return Options{DateFormat: f} }
	tf := func(f string) Options { return Options{TimeFormat: f} }
	runValues(t, []valueCase{
		{name: "MM/DD/YYYY", col: d, in: "03/31/2003", opts: df("MM/DD/YYYY"), want: day(2003, 3, 31)},
		{name: "one-digit month", col: d, in: "3/31/2003", opts: df("MM/DD/YYYY"), want: day(2003, 3, 31)},
		{name: "MON DD, YYYY full name", col: d, in: "March 31, 2003", opts: df("MON DD, YYYY"), want: day(2003, 3, 31)},
		{name: "MON DD, YYYY short name", col: d, in: "mar 31, 2003", opts: df("MON DD, YYYY"), want: day(2003, 3, 31)},
		{name: "MON-DD-YYYY", col: d, in: "Jan-01-1999", opts: df("MON-DD-YYYY"), want: day(1999, 1, 1)},
		{name: "YYYYMMDD", col: d, in: "20030331", opts: df("YYYYMMDD"), want: day(2003, 3, 31)},
		{name: "lower-case format", col: d, in: "31.03.2003", opts: df("dd.mm.yyyy"), want: day(2003, 3, 31)},
		{name: "YY 03", col: d, in: "31-mar-03", opts: df("DD-MON-YY"), want: day(2003, 3, 31)},
		{name: "YY 99", col: d, in: "99-12-31", opts: df("YY-MM-DD"), want: day(1999, 12, 31)},
		{name: "date mismatch", col: d, in: "2003-03-31", opts: df("MM/DD/YYYY"), code: 1205, reason: "Date value did not match format specified [MM/DD/YYYY]"},
		{name: "short date fine with a format", col: d, in: "3/1/2003", opts: df("MM/DD/YYYY"), want: day(2003, 3, 1)},
		{name: "timeformat", col: ts, in: "03.31.2003 18:45:05", opts: tf("MM.DD.YYYY HH:MI:SS"), want: at(2003, 3, 31, 18, 45, 5, 0)},
		{name: "timeformat fraction", col: ts, in: "03.31.2003 18:45:05.123456", opts: tf("MM.DD.YYYY HH:MI:SS"), want: at(2003, 3, 31, 18, 45, 5, 123456)},
		{name: "SS.US", col: ts, in: "2003-03-31 18:45:05.5", opts: tf("YYYY-MM-DD HH24:MI:SS.US"), want: at(2003, 3, 31, 18, 45, 5, 500000)},
		{name: "HH12 PM", col: ts, in: "2003-03-31 06:45:05 PM", opts: tf("YYYY-MM-DD HH12:MI:SS AM"), want: at(2003, 3, 31, 18, 45, 5, 0)},
		{name: "HH12 AM midnight", col: ts, in: "2003-03-31 12:00:00 a.m.", opts: tf("YYYY-MM-DD HH12:MI:SS AM"), want: at(2003, 3, 31, 0, 0, 0, 0)},
		{name: "HH12 13 PM", col: ts, in: "2003-03-31 13:00:00 PM", opts: tf("YYYY-MM-DD HH12:MI:SS PM"), code: 1206},
		{name: "blanks match blanks", col: ts, in: "2003-03-31    18:45", opts: tf("YYYY-MM-DD HH24:MI"), want: at(2003, 3, 31, 18, 45, 0, 0)},
		{name: "timestamptz with a format and offset", col: tz, in: "2003-03-31 18:45:05 -05", opts: tf("YYYY-MM-DD HH:MI:SS"), want: at(2003, 3, 31, 23, 45, 5, 0)},
		{name: "timeformat mismatch", col: ts, in: "2003-03-31", opts: tf("MM.DD.YYYY HH:MI:SS"), code: 1206, reason: "Invalid timestamp format or value [MM.DD.YYYY HH:MI:SS]"},
		{name: "epochsecs", col: ts, in: "1700000000", opts: tf("epochsecs"), want: at(2023, 11, 14, 22, 13, 20, 0)},
		{name: "epochsecs fraction", col: tz, in: "1700000000.25", opts: tf("epochsecs"), want: at(2023, 11, 14, 22, 13, 20, 250000)},
		{name: "epochsecs negative", col: ts, in: "-1", opts: tf("epochsecs"), want: at(1969, 12, 31, 23, 59, 59, 0)},
		{name: "epochmillisecs", col: ts, in: "1700000000123", opts: tf("epochmillisecs"), want: at(2023, 11, 14, 22, 13, 20, 123000)},
		{name: "epoch bad", col: ts, in: "17e8", opts: tf("epochsecs"), code: 1206, reason: "Invalid timestamp format or value [epochsecs]"},
		{name: "epoch millis takes no fraction", col: ts, in: "1.5", opts: tf("epochmillisecs"), code: 1206},
		{name: "acceptanydate date", col: d, in: "00/00/00", opts: Options{DateFormat: "MM/DD/YY", AcceptAnyDate: true}, want: nil},
		{name: "acceptanydate short date", col: d, in: "x", opts: Options{AcceptAnyDate: true}, want: nil},
		{name: "acceptanydate timestamp", col: ts, in: "00/00/00 00:00:00", opts: Options{AcceptAnyDate: true}, want: nil},
		{name: "acceptanydate keeps good dates", col: d, in: "2020-01-02", opts: Options{AcceptAnyDate: true}, want: day(2020, 1, 2)},
	})
}

func TestDateAuto(t *testing.T) {
	d, ts, tz := dateCol("d"), tsCol("t"), tstzCol("z")
	auto := Options{DateFormat: "auto", TimeFormat: "auto"}
	runValues(t, []valueCase{
		{name: "ISO 8601", col: tz, in: "2019-02-11T05:09:12.195Z", opts: auto, want: at(2019, 2, 11, 5, 9, 12, 195000)},
		{name: "julian", col: d, in: "J2451187", opts: auto, want: day(1999, 1, 8)},
		{name: "julian with time", col: ts, in: "J2345678 04:05:06.789", opts: auto, want: at(1710, 2, 23, 4, 5, 6, 789000)},
		{name: "BC", col: d, in: "Jan-08-95 BC", opts: auto, want: day(-94, 1, 8)},
		{name: "YYYYMMDD HHMISS", col: ts, in: "19960108 040809", opts: auto, want: at(1996, 1, 8, 4, 8, 9, 0)},
		{name: "YYMMDD HHMISS", col: ts, in: "960108 040809", opts: auto, want: at(1996, 1, 8, 4, 8, 9, 0)},
		{name: "YYYY.DDD", col: d, in: "1996.008", opts: auto, want: day(1996, 1, 8)},
		{name: "YYYY.DDD late", col: d, in: "2024.366", opts: auto, want: day(2024, 12, 31)},
		{name: "YYYY.DDD too late", col: d, in: "2023.366", opts: auto, code: 1205, reason: "Date value did not match format specified [auto]"},
		{name: "millis", col: ts, in: "1996-01-08 04:05:06.789", opts: auto, want: at(1996, 1, 8, 4, 5, 6, 789000)},
		{name: "DD Mon HH:MI:SS YYYY TZ", col: tz, in: "17 Dec 07:37:16 1997 PST", opts: auto, want: at(1997, 12, 17, 15, 37, 16, 0)},
		{name: "zone ignored by TIMESTAMP", col: ts, in: "17 Dec 07:37:16 1997 PST", opts: auto, want: at(1997, 12, 17, 7, 37, 16, 0)},
		{name: "MM/DD/YYYY HH:MI:SS.SS TZ", col: tz, in: "12/17/1997 07:37:16.00 PST", opts: auto, want: at(1997, 12, 17, 15, 37, 16, 0)},
		{name: "numeric offset", col: tz, in: "1997-12-17 07:37:16-08", opts: auto, want: at(1997, 12, 17, 15, 37, 16, 0)},
		{name: "offset with minutes", col: tz, in: "1997-12-17 07:37:16 +05:30", opts: auto, want: at(1997, 12, 17, 2, 7, 16, 0)},
		{name: "MM.DD.YYYY", col: tz, in: "12.17.1997 07:37:16.00 PST", opts: auto, want: at(1997, 12, 17, 15, 37, 16, 0)},
		{name: "day first when it must be", col: d, in: "31.12.2003", opts: auto, want: day(2003, 12, 31)},
		{name: "month name", col: d, in: "March 31, 2003", opts: auto, want: day(2003, 3, 31)},
		{name: "weekday ignored", col: d, in: "Mon, 31 Mar 2003", opts: auto, want: day(2003, 3, 31)},
		{name: "12-hour clock", col: ts, in: "2003-03-31 6:45 pm", opts: auto, want: at(2003, 3, 31, 18, 45, 0, 0)},
		{name: "default layout", col: ts, in: "2003-03-31 18:45:05", opts: auto, want: at(2003, 3, 31, 18, 45, 5, 0)},
		{name: "two-digit year", col: d, in: "03/31/03", opts: auto, want: day(2003, 3, 31)},
		{name: "not a date", col: d, in: "soon", opts: auto, code: 1205},
		{name: "time only", col: ts, in: "04:05:06", opts: auto, code: 1206, reason: "Invalid timestamp format or value [auto]"},
		{name: "feb 30", col: d, in: "2003-02-30", opts: auto, code: 1205},
	})
}

func TestCivil(t *testing.T) {
	for days := -800000; days < 800000; days += 997 {
		y, m, d := civil(days)
		want := time.Unix(int64(days)*86400, 0).UTC()
		if y != want.Year() || m != int(want.Month()) || d != want.Day() || daysFromCivil(y, m, d) != days {
			t.Fatalf("%d: got %d-%d-%d want %v", days, y, m, d, want)
		}
	}
}

func TestCompileSpec(t *testing.T) {
	for _, bad := range []string{"---", "xyz"} {
		if _, err := compileSpec(bad, false); err == nil {
			t.Errorf("%q compiled", bad)
		}
	}
	if s, err := compileSpec("AUTO", false); err == nil && s.mode == dtAuto {
		t.Error("'auto' is case-sensitive")
	}
	if s, _ := compileSpec("epochsecs", false); s.mode != dtFormat && s.mode != dtDefault {
		t.Error("epochsecs is for TIMEFORMAT only")
	}
}
