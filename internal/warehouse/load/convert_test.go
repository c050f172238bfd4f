package load

import (
	"math"
	"reflect"
	"testing"
)

// valueCase loads one field into one column.
type valueCase struct {
	name   string
	col    Column
	in     string
	opts   Options
	want   any
	code   int
	reason string // checked when set
	pos    int
}

func runValues(t *testing.T, cases []valueCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rows, bad := read(t, tc.in+"\n", []Column{tc.col}, tc.opts)
			if tc.code != 0 {
				if len(bad) != 1 || len(rows) != 0 {
					t.Fatalf("want error %d, got rows %#v errors %+v", tc.code, rows, bad)
				}
				e := bad[0]
				if e.ErrCode != tc.code || e.Position != tc.pos || (tc.reason != "" && e.ErrReason != tc.reason) {
					t.Errorf("got %d %q pos %d, want %d %q pos %d", e.ErrCode, e.ErrReason, e.Position, tc.code, tc.reason, tc.pos)
				}
				return
			}
			if len(bad) != 0 || len(rows) != 1 {
				t.Fatalf("want %#v, got rows %#v errors %+v", tc.want, rows, bad)
			}
			if !equalRows(rows, [][]any{{tc.want}}) {
				t.Errorf("got %#v (%T), want %#v (%T)", rows[0][0], rows[0][0], tc.want, tc.want)
			}
		})
	}
}

func TestIntegers(t *testing.T) {
	runValues(t, []valueCase{
		{name: "int", col: intCol("i"), in: "-2147483648", want: int32(math.MinInt32)},
		{name: "int max", col: intCol("i"), in: "+2147483647", want: int32(math.MaxInt32)},
		{name: "leading zeros", col: intCol("i"), in: "007", want: int32(7)},
		{name: "bigint", col: bigCol("i"), in: "-9223372036854775808", want: int64(math.MinInt64)},
		{name: "smallint", col: smallCol("i"), in: "-32768", want: int16(-32768)},
		{name: "tinyint", col: tinyCol("i"), in: "127", want: int16(127)},
		{name: "letter", col: intCol("i"), in: "12a4", code: 1207, pos: 2, reason: "Invalid digit, Value 'a', Pos 2, Type: Integer"},
		{name: "point", col: bigCol("i"), in: "1.0", code: 1207, pos: 1, reason: "Invalid digit, Value '.', Pos 1, Type: Long"},
		{name: "blank inside", col: smallCol("i"), in: " 1", code: 1207, pos: 0, reason: "Invalid digit, Value ' ', Pos 0, Type: Short"},
		{name: "lone sign", col: intCol("i"), in: "-", code: 1207, pos: 0},
		{name: "multibyte", col: intCol("i"), in: "1é", code: 1207, pos: 1, reason: "Invalid digit, Value '.', Pos 1, Type: Integer"},
		{name: "int overflow", col: intCol("i"), in: "2147483648", code: 1222, reason: "Overflow (Integer valid range -2147483648 to 2147483647)"},
		{name: "bigint overflow", col: bigCol("i"), in: "9223372036854775808", code: 1222, reason: "Overflow (Long valid range -9223372036854775808 to 9223372036854775807)"},
		{name: "smallint overflow", col: smallCol("i"), in: "-32769", code: 1222, reason: "Overflow (Short valid range -32768 to 32767)"},
		{name: "tinyint overflow", col: tinyCol("i"), in: "128", code: 1222},
		{name: "digit after overflow still checked", col: intCol("i"), in: "99999999999x", code: 1207, pos: 11},
	})
}

func TestFloatsAndBooleans(t *testing.T) {
	runValues(t, []valueCase{
		{name: "double", col: dblCol("f"), in: "12.125", want: 12.125},
		{name: "exponent", col: dblCol("f"), in: "1.0E4", want: 1e4},
		{name: "negative exponent", col: dblCol("f"), in: "-5e-1", want: -0.5},
		{name: "point first", col: dblCol("f"), in: ".5", want: 0.5},
		{name: "real", col: realCol("f"), in: "1.5", want: float32(1.5)},
		{name: "infinity", col: dblCol("f"), in: "-Infinity", want: math.Inf(-1)},
		{name: "letter", col: dblCol("f"), in: "1x", code: 1207, pos: 1, reason: "Invalid digit, Value 'x', Pos 1, Type: Double"},
		{name: "hex refused", col: dblCol("f"), in: "0x10", code: 1207, pos: 1},
		{name: "two points", col: dblCol("f"), in: "1.2.3", code: 1208, reason: "Invalid Double format, Value '1.2.3'"},
		{name: "double overflow", col: dblCol("f"), in: "1e400", code: 1204},
		{name: "real overflow", col: realCol("f"), in: "1e39", code: 1204, reason: "Overflow for Float, Value '1e39'"},
		{name: "underflow is zero", col: dblCol("f"), in: "1e-400", want: 0.0},
		{name: "true", col: boolCol("b"), in: "t", want: true},
		{name: "TRUE", col: boolCol("b"), in: "TRUE", want: true},
		{name: "yes", col: boolCol("b"), in: "Yes", want: true},
		{name: "one", col: boolCol("b"), in: "1", want: true},
		{name: "y", col: boolCol("b"), in: "y", want: true},
		{name: "false", col: boolCol("b"), in: "false", want: false},
		{name: "no", col: boolCol("b"), in: "NO", want: false},
		{name: "n", col: boolCol("b"), in: "n", want: false},
		{name: "zero", col: boolCol("b"), in: "0", want: false},
		{name: "F", col: boolCol("b"), in: "F", want: false},
		{name: "bad boolean", col: boolCol("b"), in: "maybe", code: 1210, reason: "Invalid boolean value, Value 'maybe'"},
		{name: "two", col: boolCol("b"), in: "2", code: 1210},
	})
}

func TestDecimals(t *testing.T) {
	runValues(t, []valueCase{
		{name: "exact", col: decCol("d", 10, 2), in: "123.45", want: dec("123.45", 2)},
		{name: "padded scale", col: decCol("d", 10, 2), in: "-7", want: dec("-7.00", 2)},
		{name: "truncated scale", col: decCol("d", 8, 2), in: "20.259", want: dec("20.25", 2)},
		{name: "roundec", col: decCol("d", 8, 2), in: "20.259", opts: Options{RoundDec: true}, want: dec("20.26", 2)},
		{name: "roundec down", col: decCol("d", 8, 2), in: "20.254", opts: Options{RoundDec: true}, want: dec("20.25", 2)},
		{name: "point only at ends", col: decCol("d", 5, 1), in: "5.", want: dec("5.0", 1)},
		{name: "leading point", col: decCol("d", 5, 3), in: "+.5", want: dec("0.500", 3)},
		{name: "leading zeros do not count", col: decCol("d", 3, 1), in: "0012.5", want: dec("12.5", 1)},
		{name: "38 digits", col: decCol("d", 38, 0), in: "12345678901234567890123456789012345678", want: dec("12345678901234567890123456789012345678", 0)},
		{name: "default precision 18", col: decCol("d", 0, 0), in: "123456789012345678", want: dec("123456789012345678", 0)},
		{name: "precision overflow", col: decCol("d", 5, 2), in: "1234.5", code: 1204, reason: "Numeric data overflow (result precision)"},
		{name: "rounding overflows", col: decCol("d", 3, 2), in: "9.999", opts: Options{RoundDec: true}, code: 1204},
		{name: "default precision overflow", col: decCol("d", 0, 0), in: "1234567890123456789", code: 1204},
		{name: "letter", col: decCol("d", 10, 2), in: "I", code: 1207, reason: "Invalid digit, Value 'I', Pos 0, Type: Decimal"},
		{name: "exponent refused", col: decCol("d", 10, 2), in: "1e5", code: 1207, pos: 1},
		{name: "two points", col: decCol("d", 10, 2), in: "1.2.3", code: 1209, pos: 3},
		{name: "sign only", col: decCol("d", 10, 2), in: "-", code: 1209},
	})
}

func TestDecimalString(t *testing.T) {
	for _, tc := range []struct {
		d    Decimal
		want string
	}{
		{dec("12345", 2), "123.45"}, {dec("-5", 2), "-0.05"}, {dec("7", 0), "7"}, {dec("-123", 3), "-0.123"}, {Decimal{}, "0"},
	} {
		if got := tc.d.String(); got != tc.want {
			t.Errorf("%v: got %q, want %q", tc.d.Int(), got, tc.want)
		}
	}
}

func TestStrings(t *testing.T) {
	runValues(t, []valueCase{
		{name: "fits", col: vcCol("s", 3), in: "abc", want: "abc"},
		{name: "bytes not characters", col: vcCol("s", 3), in: "éa", want: "éa"},
		{name: "too long in bytes", col: vcCol("s", 3), in: "ééa", code: 1204, reason: "String length exceeds DDL length"},
		{name: "truncatecolumns", col: vcCol("s", 3), in: "abcdef", opts: Options{TruncateColumns: true}, want: "abc"},
		{name: "truncate on a character", col: vcCol("s", 3), in: "aé€", opts: Options{TruncateColumns: true}, want: "aé"},
		{name: "trimblanks", col: vcCol("s", 3), in: "abc   ", opts: Options{TrimBlanks: true}, want: "abc"},
		{name: "blanks count without trimblanks", col: vcCol("s", 3), in: "abc ", code: 1204},
		{name: "char ignores trailing blanks", col: charCol("s", 3), in: "abc  ", want: "abc"},
		{name: "char refuses multibyte", col: charCol("s", 3), in: "aé", code: 1220, pos: 1,
			reason: "Multibyte character not supported for CHAR (Hint: Try using VARCHAR). Invalid char: c3a9"},
		{name: "bad utf8", col: strCol("s"), in: "a\xa4b", code: 1220, pos: 1,
			reason: "String contains invalid or unsupported UTF-8 codepoints. Bad UTF-8 hex sequence: a4 (error 3)"},
		{name: "incomplete utf8", col: strCol("s"), in: "a\xe2\x82", code: 1220, pos: 1,
			reason: "String contains invalid or unsupported UTF-8 codepoints. Bad UTF-8 hex sequence: e282 (error 2)"},
		{name: "bad trail", col: strCol("s"), in: "\xc3(", code: 1220, reason: "String contains invalid or unsupported UTF-8 codepoints. Bad UTF-8 hex sequence: c3 (error 4)"},
		{name: "five-byte lead", col: strCol("s"), in: "\xf8\x88\x80\x80\x80", code: 1220},
		{name: "surrogate", col: strCol("s"), in: "\xed\xa0\x80", code: 1220, reason: "String contains invalid or unsupported UTF-8 codepoints. Bad UTF-8 hex sequence: eda080 (error 5)"},
		{name: "overlong", col: strCol("s"), in: "\xc0\xaf", code: 1220},
		{name: "past U+10FFFF", col: strCol("s"), in: "\xf4\x90\x80\x80", code: 1220},
		{name: "noncharacter loads", col: strCol("s"), in: "\xef\xbf\xbe", want: "\xef\xbf\xbe"},
		{name: "acceptinvchars", col: strCol("s"), in: "a\xa4b\xed\xa0\x80", opts: Options{AcceptInvChars: sp("")}, want: "a?b???"},
		{name: "acceptinvchars replacement", col: strCol("s"), in: "\xe2\x82", opts: Options{AcceptInvChars: sp("^")}, want: "^^"},
		{name: "acceptinvchars noncharacter", col: strCol("s"), in: "x\xef\xbf\xbf", opts: Options{AcceptInvChars: sp("_")}, want: "x___"},
		{name: "acceptinvchars before length", col: vcCol("s", 2), in: "\xa4\xa4\xa4", opts: Options{AcceptInvChars: sp("")}, code: 1204},
		{name: "varbyte", col: binCol("b"), in: "6162FF", want: []byte{'a', 'b', 0xff}},
		{name: "varbyte bad digit", col: binCol("b"), in: "6x", code: 1207, pos: 1},
		{name: "varbyte odd", col: binCol("b"), in: "616", code: 1207, pos: 3},
		{name: "varbyte too long", col: Column{Name: "b", Type: binCol("b").Type, MaxLen: 1}, in: "6162", code: 1204},
		{name: "varbyte truncated", col: Column{Name: "b", Type: binCol("b").Type, MaxLen: 1}, in: "6162", opts: Options{TruncateColumns: true}, want: []byte{'a'}},
	})
}

func TestUTF8Problem(t *testing.T) {
	for _, tc := range []struct {
		in      string
		n, want int
	}{
		{"é", 2, 0}, {"€", 3, 0}, {"😀", 4, 0},
		{"\x80", 1, subBadLead}, {"\xff", 1, subBadLead}, {"\xf8", 1, subTooLong},
		{"\xe2\x82", 2, subIncomplete}, {"\xe2(", 1, subBadTrail},
		{"\xed\xbf\xbf", 3, subSurrogate}, {"\xef\xb7\x90", 3, subNonchar}, {"\xf4\x90\x80\x80", 4, subTooBig},
		{"\xe0\x80\xaf", 3, subNoMatch},
	} {
		n, sub := utf8Problem([]byte(tc.in))
		if n != tc.n || sub != tc.want {
			t.Errorf("%x: got %d,%d want %d,%d", tc.in, n, sub, tc.n, tc.want)
		}
	}
}

func TestTypeNames(t *testing.T) {
	cols := []Column{vcCol("a", 10), charCol("b", 2), boolCol("c"), smallCol("d"), intCol("e"), bigCol("f"),
		realCol("g"), dblCol("h"), decCol("i", 12, 3), dateCol("j"), tsCol("k"), tstzCol("l"), binCol("m"), decCol("n", 0, 0)}
	c, err := newConfig(cols, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var names, lens []string
	for _, col := range cols {
		cv := newConverter(col, c)
		names, lens = append(names, cv.typeName), append(lens, cv.colLength)
	}
	wantNames := []string{"varchar", "bpchar", "bool", "int2", "int4", "int8", "float4", "float8", "numeric", "date", "timestamp", "timestamptz", "varbyte", "numeric"}
	wantLens := []string{"10", "2", "", "", "", "", "", "", "12,3", "", "", "", "", "18,0"}
	if !reflect.DeepEqual(names, wantNames) || !reflect.DeepEqual(lens, wantLens) {
		t.Errorf("got %v %v", names, lens)
	}
}
