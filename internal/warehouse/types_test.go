package warehouse

import "testing"

func TestParseType(t *testing.T) {
	for in, want := range map[string]string{
		"VARCHAR(20)": "varchar(20)", "character varying(5)": "varchar(5)", "varchar": "varchar", "text": "varchar",
		"char(3)": "char(3)", "CHARACTER": "char(1)", "int4": "integer", "INTEGER": "integer", "int8": "bigint",
		"smallint": "smallint", "numeric(10,2)": "numeric(10,2)", "DECIMAL": "numeric(18,0)", "double precision": "double precision",
		"DOUBLE": "double precision", "float4": "real", "bool": "boolean", "timestamp without time zone": "timestamp",
		"TIMESTAMP WITH TIME ZONE": "timestamptz", "timestamptz": "timestamptz", "date": "date", "BLOB": "bytea",
	} {
		c, err := ParseType(in)
		if err != nil || c.SQL() != want {
			t.Errorf("%s: %q %v, want %q", in, c.SQL(), err, want)
		}
	}
	for _, bad := range []string{"", "numeric(40,2)", "numeric(5,6)", "geometry", "varchar(x)", "int;"} {
		if _, err := ParseType(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
