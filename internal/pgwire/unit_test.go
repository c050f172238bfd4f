package pgwire

import (
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/tarnlake/tarn/internal/query"
)

func TestSplitStatements(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []stmt
	}{
		{"", nil},
		{" ; ;\n-- only a comment\n", nil},
		{"select 1", []stmt{{"select 1", 0}}},
		{"select 1; select 2;", []stmt{{"select 1", 0}, {"select 2", 10}}},
		{"select ';' ; select \"a;b\"", []stmt{{"select ';'", 0}, {`select "a;b"`, 13}}},
		{"select $$a;b$$; select $x$ ; $ $x$;select $1", []stmt{{"select $$a;b$$", 0}, {"select $x$ ; $ $x$", 16}, {"select $1", 35}}},
		{"/* a; /* nested; */ b; */ select 1; -- x;\nselect E'\\';'", []stmt{{"select 1", 26}, {"select E'\\';'", 42}}},
		{"select 'é'; selec 1", []stmt{{"select 'é'", 0}, {"selec 1", 12}}},
		{"select 'unterminated; select 2", []stmt{{"select 'unterminated; select 2", 0}}},
	} {
		if got := splitStatements(c.in); !reflect.DeepEqual(got, c.want) {
			t.Errorf("split %q = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestWireType(t *testing.T) {
	for _, c := range []struct {
		in        string
		oid, elem uint32
		mod       int32
	}{
		{"BOOLEAN", oidBool, 0, -1},
		{"DECIMAL(18,3)", oidNumeric, 0, 18<<16 | 3 + 4},
		{"HUGEINT", oidNumeric, 0, -1},
		{"TIMESTAMP WITH TIME ZONE", oidTimestampTZ, 0, -1},
		{"timestamp_ns", oidTimestamp, 0, -1},
		{"VARCHAR[]", 1009, oidText, -1},
		{"INTEGER[3]", 1007, oidInt4, -1},
		{"BIGINT[][]", 1009, oidText, -1},
		{"STRUCT(a INTEGER)[]", 1009, oidText, -1},
		{"ENUM('a', 'b')", oidText, 0, -1},
		{"MAP(VARCHAR, INTEGER[])", oidText, 0, -1},
	} {
		got := wireType(query.MustParseType(c.in))
		if got.oid != c.oid || got.elemOID != c.elem || got.mod != c.mod {
			t.Errorf("%s: oid %d elem %d mod %d", c.in, got.oid, got.elemOID, got.mod)
		}
	}
	st := wireType(query.MustParseType(`STRUCT("odd ""name""" VARCHAR, b STRUCT(c DATE, d INTEGER[]))`))
	if len(st.fields) != 2 || st.fields[0].name != `odd "name"` || st.fields[1].typ.fields[0].typ.oid != oidDate {
		t.Errorf("struct fields %+v", st.fields)
	}
}

func TestAppendText(t *testing.T) {
	ts := func(s string) *colType { return wireType(query.MustParseType(s)) }
	for _, c := range []struct {
		typ  string
		v    any
		want string
	}{
		{"DOUBLE", 1e6, "1e+06"},
		{"DOUBLE", 123456.0, "123456"},
		{"DOUBLE", math.Inf(-1), "-Infinity"},
		{"FLOAT", float32(0.1), "0.1"},
		{"DECIMAL(5,4)", query.Decimal{Value: "5", Scale: 4}, "0.0005"},
		{"DECIMAL(5,0)", query.Decimal{Value: "-5", Scale: -2}, "-500"},
		{"INTERVAL", query.Interval{}, "00:00:00"},
		{"INTERVAL", query.Interval{Months: -13, Days: -1, Micros: -1}, "-1 years -1 mons -1 days -00:00:00.000001"},
		{"INTERVAL", query.Interval{Days: -1, Micros: 3600e6}, "-1 days +01:00:00"},
		{"DATE", time.Date(-43, 3, 15, 0, 0, 0, 0, time.UTC), "0044-03-15 BC"},
		{"TIMESTAMP", time.Date(2024, 1, 2, 3, 4, 5, 0, time.FixedZone("", 3600)), "2024-01-02 03:04:05"},
		{"TIME WITH TIME ZONE", time.Date(1, 1, 1, 3, 4, 5, 0, time.FixedZone("", 5*3600+1800)), "03:04:05+05:30"},
		{"BLOB[]", []any{[]byte{1}}, `{"\\x01"}`},
		{"VARCHAR[]", []any{"NULL", `a\b`, "{"}, `{"NULL","a\\b","{"}`},
		{"INTEGER[][]", []any{[]any{int32(1), int32(2)}, []any{nil, int32(4)}}, "{{1,2},{NULL,4}}"},
		{"STRUCT(a DATE, b DOUBLE)", map[string]any{"b": math.NaN(), "a": time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)}, `{"a": "2024-01-02", "b": "NaN"}`},
		{"MAP(INTEGER, VARCHAR[])", query.Map{Keys: []any{int32(1)}, Values: []any{[]any{"x\n"}}}, `{"1": ["x\n"]}`},
		{"UUID", "already text", "already text"},
	} {
		if got := string(appendText(nil, ts(c.typ), c.v)); got != c.want {
			t.Errorf("%s %#v: %q, want %q", c.typ, c.v, got, c.want)
		}
	}
}

func TestDecodeText(t *testing.T) {
	for _, c := range []struct {
		oid  uint32
		in   string
		want any
	}{
		{oidBool, "on", true},
		{oidInt8, " 12 ", int64(12)},
		{oidNumeric, "1.5e3", query.Decimal{Value: "1500", Scale: 0}},
		{oidNumeric, "-0.0012", query.Decimal{Value: "-12", Scale: 4}},
		{oidBytea, `a\\b\001`, []byte("a\\b\x01")},
		{oidInterval, "1 year 2 mons -3 days 04:05:06.5", query.Interval{Months: 14, Days: -3, Micros: 14706500000}},
		{oidInterval, "@ 2 hours 1 min ago", query.Interval{Micros: -7260e6}},
		{oidTime, "01:02:03.25", time.Date(1, 1, 1, 1, 2, 3, 250e6, time.UTC)},
		{oidTimestampTZ, "2024-02-29 13:14:15+02", time.Date(2024, 2, 29, 11, 14, 15, 0, time.UTC)},
		{1007, `{1, NULL ,3}`, []any{int32(1), nil, int32(3)}},
		{1009, `{{"a,b",c},{"",NULL}}`, []any{[]any{"a,b", "c"}, []any{"", nil}}},
		{1009, `[1:1]={x}`, []any{"x"}},
		{0, "anything", "anything"},
	} {
		got, err := decodeParam(c.oid, 0, []byte(c.in))
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("decode %d %q = %#v, %v; want %#v", c.oid, c.in, got, err, c.want)
		}
	}
	for _, c := range []struct {
		oid uint32
		in  string
	}{{oidBool, "maybe"}, {oidInt2, "70000"}, {oidNumeric, "1e99999"}, {1007, "{1,2"}, {oidUUID, "xyz"}, {oidInterval, "3 parsecs"}} {
		if v, err := decodeParam(c.oid, 0, []byte(c.in)); err == nil {
			t.Errorf("decode %d %q = %#v, want an error", c.oid, c.in, v)
		}
	}
}

// FuzzDecodeParam checks that no parameter bytes make the decoders panic.
func FuzzDecodeParam(f *testing.F) {
	f.Add(uint32(oidNumeric), true, []byte{0, 1, 0, 0, 0, 0, 0, 2, 0, 5})
	f.Add(uint32(1016), true, []byte{0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 20, 0, 0, 0, 1, 0, 0, 0, 1})
	f.Add(uint32(1009), false, []byte(`{{a,"b"},{NULL,c}}`))
	f.Add(uint32(oidInterval), false, []byte("1 day 01:02:03"))
	f.Fuzz(func(t *testing.T, oid uint32, binary bool, data []byte) {
		format := int16(0)
		if binary {
			format = 1
		}
		for _, o := range []uint32{oid, oid % 4000} {
			decodeParam(o, format, data)
		}
	})
}
