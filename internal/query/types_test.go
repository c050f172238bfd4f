package query

import (
	"reflect"
	"testing"
)

func TestParseType(t *testing.T) {
	ptr := func(t Type) *Type { return &t }
	for _, c := range []struct {
		in   string
		want Type
		str  string
	}{
		{"BOOLEAN", Type{Kind: KindBoolean}, "BOOLEAN"},
		{"int8", Type{Kind: KindBigInt}, "BIGINT"},
		{"TIMESTAMPTZ", Type{Kind: KindTimestampTZ}, "TIMESTAMP WITH TIME ZONE"},
		{" timestamp  with\ttime zone ", Type{Kind: KindTimestampTZ}, "TIMESTAMP WITH TIME ZONE"},
		{"TIMETZ", Type{Kind: KindTimeTZ}, "TIME WITH TIME ZONE"},
		{"timestamp_ns", Type{Kind: KindTimestampNS}, "TIMESTAMP_NS"},
		{"SQLNULL", Type{Kind: KindNull}, "NULL"},
		{`"NULL"`, Type{Kind: KindNull}, "NULL"},
		{"DECIMAL(18,3)", Type{Kind: KindDecimal, Precision: 18, Scale: 3}, "DECIMAL(18,3)"},
		{"NUMERIC( 5 )", Type{Kind: KindDecimal, Precision: 5}, "DECIMAL(5,0)"},
		{"DECIMAL", Type{Kind: KindDecimal, Precision: 18, Scale: 3}, "DECIMAL(18,3)"},
		{"VARCHAR[]", Type{Kind: KindList, Elem: &Type{Kind: KindVarchar}}, "VARCHAR[]"},
		{"INTEGER[3][]", Type{Kind: KindList, Elem: &Type{Kind: KindArray, Length: 3, Elem: &Type{Kind: KindInteger}}}, "INTEGER[3][]"},
		{`STRUCT("odd ""name""" VARCHAR, b STRUCT(c DATE, d INTEGER[]))`, Type{Kind: KindStruct, Fields: []Field{
			{`odd "name"`, Type{Kind: KindVarchar}},
			{"b", Type{Kind: KindStruct, Fields: []Field{{"c", Type{Kind: KindDate}}, {"d", Type{Kind: KindList, Elem: &Type{Kind: KindInteger}}}}}},
		}}, `STRUCT("odd ""name""" VARCHAR, "b" STRUCT("c" DATE, "d" INTEGER[]))`},
		{"MAP(VARCHAR, INTEGER[])", Type{Kind: KindMap, Key: &Type{Kind: KindVarchar}, Value: ptr(Type{Kind: KindList, Elem: &Type{Kind: KindInteger}})},
			"MAP(VARCHAR, INTEGER[])"},
		{`UNION("num" INTEGER, s VARCHAR)`, Type{Kind: KindUnion, Fields: []Field{{"num", Type{Kind: KindInteger}}, {"s", Type{Kind: KindVarchar}}}},
			`UNION("num" INTEGER, "s" VARCHAR)`},
		{"ENUM('a', 'it''s')", Type{Kind: KindEnum}, "ENUM"},
		{"STRUCT(a TIMESTAMP WITH TIME ZONE, b INT)", Type{Kind: KindStruct, Fields: []Field{{"a", Type{Kind: KindTimestampTZ}}, {"b", Type{Kind: KindInteger}}}},
			`STRUCT("a" TIMESTAMP WITH TIME ZONE, "b" INTEGER)`},
	} {
		got, err := ParseType(c.in)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("ParseType(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
			continue
		}
		if s := got.String(); s != c.str {
			t.Errorf("ParseType(%q).String() = %q, want %q", c.in, s, c.str)
		}
	}
	for _, in := range []string{"", "INTEGERS", "LIST", "INTEGER(3)", "DECIMAL(39,2)", "DECIMAL(3,4)", "INTEGER[0]", "INTEGER[",
		"STRUCT", "STRUCT()", "MAP(VARCHAR)", "ENUM()", "VARCHAR,", `STRUCT("a INTEGER)`, "INTEGER[99999999999]"} {
		if got, err := ParseType(in); err == nil {
			t.Errorf("ParseType(%q) = %v, want an error", in, got)
		}
	}
}

// FuzzParseType checks that the parser never panics and that what it
// reads prints as a name it reads back the same.
func FuzzParseType(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		typ, err := ParseType(s)
		if err != nil {
			return
		}
		name := typ.String()
		again, err := ParseType(name)
		if err != nil {
			t.Fatalf("%q read as %q, which does not read: %v", s, name, err)
		}
		if !reflect.DeepEqual(again, typ) || again.String() != name {
			t.Fatalf("%q read as %q, which reads as %q", s, name, again)
		}
	})
}
