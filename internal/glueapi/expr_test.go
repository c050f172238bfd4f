package glueapi

import (
	"strings"
	"testing"

	"github.com/tarnlake/tarn/internal/catalog"
)

// testKeys are the partition keys expressions are tested against.
var testKeys = []catalog.Column{{Name: "year", Type: "int"}, {Name: "region", Type: "string"}, {Name: "price", Type: "decimal(10,2)"}}

func TestFilterEval(t *testing.T) {
	row := []string{"2024", "eu-west", "10.50"}
	for _, tc := range []struct {
		expr string
		want bool
	}{
		{"year = 2024", true},
		{"year = '2024'", true},
		{"year = '02024'", true}, // int key: compared as numbers
		{"region = '02024'", false},
		{"year <> 2024", false},
		{"year != 2023", true},
		{"year < 10000", true}, // as text "2024" > "10000"
		{"year <= 2024 AND year >= 2024", true},
		{"year > 2024.0", false},
		{"price = 10.5", true},
		{"price > 9.99", true},
		{"price < 1e2", true},
		{"price > -1", true},
		{"region > 'eu'", true},
		{"region LIKE 'eu-%'", true},
		{"region LIKE 'eu_west'", true},
		{"region LIKE 'EU%'", false},
		{"region NOT LIKE '%west'", false},
		{"region LIKE '%-%-%'", false},
		{"year IN (2023, 2024)", true},
		{"year NOT IN (2023, 2024)", false},
		{"region IN ('us', 'eu-west')", true},
		{"year BETWEEN 2000 AND 2024", true},
		{"year NOT BETWEEN 2000 AND 2024", false},
		{"year BETWEEN 2025 AND 2030 OR region = 'eu-west'", true},
		{"NOT year = 2024 OR NOT (region = 'x')", true},
		{"(year = 2024 OR year = 1) AND (region = 'x' OR price > 10)", true},
		{"year = 1 OR year = 2 AND region = 'eu-west'", false}, // AND binds tighter
		{"YEAR = 2024 and Region like 'eu%'", true},
		{`"year" = 2024 AND ` + "`region`" + ` = 'eu-west'`, true},
		{"year IS NOT NULL", true},
		{"region IS NULL", false},
		{"'it''s' = 'it''s'", true},
		{"2024 = year", true},
		{"1 = 1.0", true},
	} {
		f, err := compileFilter(tc.expr, testKeys)
		if err != nil {
			t.Errorf("%q: %v", tc.expr, err)
			continue
		}
		if got := f.match(row); got != tc.want {
			t.Errorf("%q: %v, want %v", tc.expr, got, tc.want)
		}
	}
}

func TestFilterErrors(t *testing.T) {
	for _, tc := range []struct{ expr, want string }{
		{"yr = 1", `at position 1: unknown partition key "yr"; the table's are year, region, price`},
		{"year = ", "at position 8: expected a partition key or a value but found end of expression"},
		{"year = 1 AND", "at position 13: expected a partition key or a value"},
		{"year 1", `at position 6: expected a comparison`},
		{"year = 'abc", "at position 8: the string starting here is not closed"},
		{"(year = 1", "at position 10: expected ')' but found end of expression"},
		{"year = 1)", `at position 9: unexpected ")" after a complete condition`},
		{"year IN 1", "at position 9: expected '(' after IN"},
		{"year IN (1 2)", "at position 12: expected ',' or ')' in the IN list"},
		{"year BETWEEN 1 OR 2", "at position 16: expected AND of BETWEEN"},
		{"year NOT = 1", "at position 10: expected IN, BETWEEN or LIKE after NOT"},
		{"year IS 1", "at position 9: expected NULL"},
		{"year ! 1", "at position 6: '!' must be followed by '='"},
		{"year = 1 ; drop", `at position 10: unexpected character ';'`},
		{"région = 'x'", `at position 1: unknown partition key "région"`},
		{"'é' = région", `at position 7: unknown partition key "région"`},
		{"AND = 1", "at position 1: expected a partition key or a value but found AND"},
		{"year = \"x", "at position 8: the quoted name starting here is not closed"},
		{strings.Repeat("(", 200) + "year = 1" + strings.Repeat(")", 200), "nests more than 100 deep"},
		{strings.Repeat("x", 3000), "at most 2048 are allowed"},
	} {
		_, err := compileFilter(tc.expr, testKeys)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.expr, err, tc.want)
		}
	}
	_, err := compileFilter("x = 1", nil)
	if err == nil || !strings.Contains(err.Error(), "the table has no partition keys") {
		t.Errorf("no keys: %v", err)
	}
}

func TestNumbers(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"1", "1.0", 0}, {"0", "-0.00", 0}, {"007", "7", 0}, {"1e3", "1000", 0}, {"1.5e-1", "0.15", 0},
		{"9", "10", -1}, {"-9", "-10", 1}, {"-1", "1", -1}, {"0.12", "0.123", -1}, {"0.13", "0.123", 1},
		{"9007199254740993", "9007199254740992", 1}, // beyond float64
		{" 42 ", "42", 0}, {"+5", "5", 0}, {".5", "0.5", 0}, {"5.", "5", 0},
	} {
		x, ok1 := parseNumber(tc.a)
		y, ok2 := parseNumber(tc.b)
		if !ok1 || !ok2 {
			t.Errorf("%q or %q does not parse", tc.a, tc.b)
			continue
		}
		if got := x.cmp(y); sign(got) != tc.want || sign(y.cmp(x)) != -tc.want {
			t.Errorf("cmp(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
	for _, s := range []string{"", "-", ".", "1e", "1e+", "abc", "1.2.3", "0x10", "1e9999999", "NaN", "--1"} {
		if _, ok := parseNumber(s); ok {
			t.Errorf("%q parses as a number", s)
		}
	}
}

func sign(n int) int { return min(max(n, -1), 1) }

func TestLike(t *testing.T) {
	for _, tc := range []struct {
		s, pat string
		want   bool
	}{
		{"abc", "abc", true}, {"abc", "a%", true}, {"abc", "%c", true}, {"abc", "%b%", true}, {"abc", "a_c", true},
		{"abc", "a_", false}, {"", "%", true}, {"", "_", false}, {"a%c", `a\%c`, true}, {"abc", `a\%c`, false},
		{"aaa", "%a%a%a%", true}, {"aa", "%a%a%a%", false}, {"é", "_", true}, {"ab", "%%b", true},
		{strings.Repeat("a", 1000), strings.Repeat("%a", 50) + "b", false},
	} {
		if got := like(tc.s, tc.pat); got != tc.want {
			t.Errorf("like(%q, %q) = %v", tc.s, tc.pat, got)
		}
	}
}

func TestTablePattern(t *testing.T) {
	for _, tc := range []struct {
		expr string
		yes  []string
		no   []string
	}{
		{"sales*", []string{"sales", "Sales_2024"}, []string{"presales"}},
		{"a*|b*", []string{"abc", "b"}, []string{"cab"}},
		{"a.*z", []string{"az", "abcz"}, []string{"abc"}},
		{"x\\*", []string{"x*"}, []string{"xy"}},
		{"(ab)*", []string{"", "abab"}, []string{"aba"}},
		{"orders", []string{"ORDERS"}, []string{"orders2"}},
	} {
		re, err := tablePattern(tc.expr)
		if err != nil {
			t.Fatalf("%q: %v", tc.expr, err)
		}
		for _, s := range tc.yes {
			if !re.MatchString(s) {
				t.Errorf("%q does not match %q", tc.expr, s)
			}
		}
		for _, s := range tc.no {
			if re.MatchString(s) {
				t.Errorf("%q matches %q", tc.expr, s)
			}
		}
	}
	if _, err := tablePattern("a(b"); err == nil || !strings.Contains(err.Error(), `Expression "a(b" is not a valid pattern`) {
		t.Errorf("bad pattern: %v", err)
	}
}
