package format

import (
	"strings"
	"testing"
)

func TestParseTypeRoundTrip(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"bigint", "bigint"},
		{" BIGINT ", "bigint"},
		{"decimal", "decimal(10,0)"},
		{"decimal( 12 , 2 )", "decimal(12,2)"},
		{"decimal(5)", "decimal(5,0)"},
		{"array<string>", "array<string>"},
		{"map<string, array<int>>", "map<string,array<int>>"},
		{"struct<a:bigint, b:struct<c:date,d:timestamp>>", "struct<a:bigint,b:struct<c:date,d:timestamp>>"},
		{"struct<>", "struct<>"},
		{"binary", "binary"},
		{"struct<`first name`:string,`a``b`:int,`x:y<z>`:date>", "struct<`first name`:string,`a``b`:int,`x:y<z>`:date>"},
	} {
		got, err := ParseType(c.in)
		if err != nil || got.String() != c.want {
			t.Errorf("ParseType(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

func TestParseTypeErrors(t *testing.T) {
	for _, c := range []struct{ in, offset string }{
		{"", "offset 0"},
		{"bigintx", "offset 0"},
		{"array<", "offset 6"},
		{"array<int", "offset 9"},
		{"map<int>", "offset 7"},
		{"struct<a:int,a:int>", "offset 13"},
		{"struct<:int>", "offset 7"},
		{"decimal(39,0)", "precision"},
		{"decimal(3,4)", "scale"},
		{"decimal(-1)", "offset 8"},
		{"int int", "offset 4"},
		{"struct<`ab:int>", "offset 7: unterminated"},
		{"struct<``:int>", "offset 7: empty"},
		{strings.Repeat("array<", 200) + "int" + strings.Repeat(">", 200), "nested"},
	} {
		_, err := ParseType(c.in)
		if err == nil || !strings.Contains(err.Error(), c.offset) {
			t.Errorf("ParseType(%.30q) error %v, want it to mention %q", c.in, err, c.offset)
		}
	}
}

func TestMerge(t *testing.T) {
	for _, c := range []struct {
		a, b, want string
		ok         bool
	}{
		{"int", "bigint", "bigint", true},
		{"tinyint", "smallint", "int", true},
		{"bigint", "double", "double", true},
		{"int", "float", "double", true},
		{"date", "timestamp", "timestamp", true},
		{"boolean", "string", "string", true},
		{"struct<a:int>", "bigint", "string", false},
		{"boolean", "bigint", "string", false},
		{"decimal(10,2)", "decimal(5,4)", "decimal(12,4)", true},
		{"array<int>", "array<double>", "array<double>", true},
		{"map<string,int>", "map<string,bigint>", "map<string,bigint>", true},
		{"struct<a:int,b:string>", "struct<c:boolean,a:bigint>", "struct<a:bigint,b:string,c:boolean>", true},
		{"struct<a:int>", "struct<a:struct<x:int>>", "struct<a:string>", false},
	} {
		a, b := mustType(t, c.a), mustType(t, c.b)
		got, ok := Merge(a, b)
		if got.String() != c.want || ok != c.ok {
			t.Errorf("Merge(%s, %s) = %s, %v; want %s, %v", c.a, c.b, got, ok, c.want, c.ok)
		}
	}
}

func TestSchemaMerge(t *testing.T) {
	a := Schema{{"id", mustType(t, "int")}, {"name", mustType(t, "string")}}
	b := Schema{{"extra", mustType(t, "date")}, {"id", mustType(t, "bigint")}, {"z", mustType(t, "double")}}
	got, ok := a.Merge(b)
	if want := "struct<id:bigint,name:string,extra:date,z:double>"; got.String() != want || !ok {
		t.Fatalf("got %s, %v; want %s", got, ok, want)
	}
}

func mustType(t testing.TB, s string) Type {
	t.Helper()
	ty, err := ParseType(s)
	if err != nil {
		t.Fatal(err)
	}
	return ty
}

// FuzzParseType checks that parsing never panics and that whatever parses
// prints canonically: the printed form parses back to the same string.
func FuzzParseType(f *testing.F) {
	for _, s := range []string{"int", "decimal(38,10)", "array<map<string,struct<a:int,b:array<date>>>>", "struct<>", "map<", "decimal(1,", "struct<a:int,a:int>", "struct<`a``b`:int>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ty, err := ParseType(s)
		if err != nil {
			return
		}
		printed := ty.String()
		again, err := ParseType(printed)
		if err != nil {
			t.Fatalf("ParseType(%q) printed %q which fails: %v", s, printed, err)
		}
		if again.String() != printed {
			t.Fatalf("not canonical: %q -> %q -> %q", s, printed, again)
		}
		Merge(ty, again)
	})
}
