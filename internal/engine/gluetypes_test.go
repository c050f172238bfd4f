package engine

import (
	"testing"

	"github.com/tarnlake/tarn/internal/format"
)

func TestDuckType(t *testing.T) {
	for in, want := range map[string]string{
		"bigint":                               "BIGINT",
		"string":                               "VARCHAR",
		"decimal(12,2)":                        "DECIMAL(12,2)",
		"array<double>":                        "DOUBLE[]",
		"map<string,int>":                      "MAP(VARCHAR, INTEGER)",
		"struct<a:bigint,`B c`:array<string>>": `STRUCT("a" BIGINT, "B c" VARCHAR[])`,
		"timestamp":                            "TIMESTAMP",
		"binary":                               "BLOB",
	} {
		ft, err := format.ParseType(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := duckType(ft).String(); got != want {
			t.Errorf("duckType(%s) = %s, want %s", in, got, want)
		}
	}
}
