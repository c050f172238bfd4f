package redshiftdata

import (
	"maps"
	"slices"
	"testing"

	"github.com/tarnlake/tarn/internal/awsapi/awsapitest"
)

// FuzzBodies feeds arbitrary bodies to every operation: no input may
// panic, and every answer is JSON, a 200 or a 400 error with a type and a
// message.
func FuzzBodies(f *testing.F) {
	for _, seed := range []string{
		``, `{}`, `null`, `[]`, `"x"`, `{"Sql":"SELECT 1"}`, `{"Sql":"SELECT big","Database":"tarn"}`,
		`{"Sql":"SELECT echo :a","Parameters":[{"name":"a","value":"x'y"}]}`,
		`{"Sqls":["SELECT 1","SELEC 1"],"ClusterIdentifier":"c-1"}`,
		`{"Id":"0a1b2c3d-0000-4000-8000-000000000000:2","NextToken":"eA"}`,
		`{"Status":"ALL","MaxResults":100,"StatementName":"n"}`,
		`{"Database":"tarn","SchemaPattern":"s%\\_","TablePattern":"_","MaxResults":1}`,
		`{"Database":"tarn","Schema":"sales","Table":"orders","NextToken":"RGVzY3JpYmVUYWJsZQAx"}`,
	} {
		f.Add(seed)
	}
	ops := slices.Sorted(maps.Keys((&API{}).operations()))
	f.Fuzz(func(t *testing.T, body string) {
		e := newEnv(t, Options{})
		for _, op := range ops {
			switch status, out := awsapitest.Do(t, e.api, "RedshiftData."+op, alice, body); status {
			case 200:
			case 400:
				if out["__type"] == nil || out["message"] == nil {
					t.Fatalf("%s %q: error without type: %v", op, body, out)
				}
			default:
				t.Fatalf("%s %q: status %d %v", op, body, status, out)
			}
		}
	})
}
