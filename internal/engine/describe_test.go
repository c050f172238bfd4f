package engine

import (
	"context"
	"reflect"
	"strings"
	"testing"
)

// A result column's type is the same whether the statement is described
// or run, though the driver names it in one case and hands its parts
// over in the other.
func TestColumnTypes(t *testing.T) {
	e := newEnv(t)
	s := e.session()
	ctx := context.Background()
	cases := []struct{ expr, want string }{
		{"true", "BOOLEAN"},
		{"1::TINYINT", "TINYINT"},
		{"1::UBIGINT", "UBIGINT"},
		{"1::HUGEINT", "HUGEINT"},
		{"1.5::DECIMAL(5,2)", "DECIMAL(5,2)"},
		{"'x'", "VARCHAR"},
		{"'x'::BLOB", "BLOB"},
		{"TIME '01:02:03'", "TIME"},
		{"TIMESTAMP_NS '2024-01-02 03:04:05'", "TIMESTAMP_NS"},
		{"TIMESTAMPTZ '2024-01-02 03:04:05+00'", "TIMESTAMP WITH TIME ZONE"},
		{"'01:02:03+00'::TIMETZ", "TIME WITH TIME ZONE"},
		{"INTERVAL 1 DAY", "INTERVAL"},
		{"gen_random_uuid()", "UUID"},
		{"'{}'::JSON", "JSON"},
		{"'a'::ENUM('a', 'b')", "ENUM"},
		{"[1, 2]", "INTEGER[]"},
		{"[1, 2]::INTEGER[2]", "INTEGER[2]"},
		{`{'a': 1, 'b "c': [DATE '2024-01-02']}`, `STRUCT("a" INTEGER, "b ""c" DATE[])`},
		{"MAP {'k': 1.5}", "MAP(VARCHAR, DECIMAL(2,1))"},
		{"union_value(n := 1)", `UNION("n" INTEGER)`},
	}
	exprs := make([]string, len(cases))
	for i, c := range cases {
		exprs[i] = c.expr
	}
	text := "SELECT " + strings.Join(exprs, ", ")
	_, described, err := s.Describe(ctx, text)
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Query(ctx, text)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Rows.Close()
	ran := res.Rows.Columns()
	if len(described) != len(cases) || len(ran) != len(cases) {
		t.Fatalf("described %v, ran %v", described, ran)
	}
	for i, c := range cases {
		if got := ran[i].Type.String(); got != c.want {
			t.Errorf("%s runs as %s, want %s", c.expr, got, c.want)
		}
		if !reflect.DeepEqual(described[i].Type, ran[i].Type) {
			t.Errorf("%s describes as %s, runs as %s", c.expr, described[i].Type, ran[i].Type)
		}
	}
}

// Values inside nested ones are converted by their own types: a UUID in
// a struct is a UUID, not its bytes.
func TestNestedValues(t *testing.T) {
	e := newEnv(t)
	s := e.session()
	res, err := s.Query(context.Background(), "SELECT {'u': '00000000-0000-0000-0000-000000000001'::UUID, 'l': [DATE '2024-01-02']}")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Rows.Close()
	if !res.Rows.Next() {
		t.Fatal(res.Rows.Err())
	}
	st, ok := res.Rows.Values()[0].(map[string]any)
	if !ok {
		t.Fatalf("%T", res.Rows.Values()[0])
	}
	if u, ok := st["u"].([16]byte); !ok || u[15] != 1 {
		t.Errorf("uuid in a struct: %#v", st["u"])
	}
}
