package athenaapi

import (
	"maps"
	"slices"
	"testing"

	"github.com/tarnlake/tarn/internal/awsapi/awsapitest"
)

// FuzzBodies feeds arbitrary bodies to every operation: no input may
// panic, and every answer is JSON, a 200 or a 400 error with a type.
func FuzzBodies(f *testing.F) {
	for _, seed := range []string{
		``, `{}`, `null`, `[]`, `{"QueryString":"SELECT 1"}`, `{"QueryString":"SELEC 1","WorkGroup":"primary"}`,
		`{"QueryString":"SELECT ?","ExecutionParameters":["DATE '2024-01-01'"]}`,
		`{"QueryString":"SELECT 1","ResultConfiguration":{"OutputLocation":"s3://"}}`,
		`{"QueryExecutionId":"00000000-0000-4000-8000-000000000000","MaxResults":1000,"NextToken":"eA"}`,
		`{"QueryExecutionIds":["x","00000000-0000-4000-8000-000000000000"]}`,
		`{"Name":"w","Configuration":{"ResultConfiguration":{"OutputLocation":"s3://results/w/"},"EnforceWorkGroupConfiguration":true}}`,
		`{"WorkGroup":"primary","State":"DISABLED","ConfigurationUpdates":{"ResultConfigurationUpdates":{"RemoveOutputLocation":true}}}`,
		`{"Name":"n","Database":"db","QueryString":"SELECT 1","ClientRequestToken":"t"}`,
		`{"NamedQueryIds":["00000000-0000-4000-8000-000000000000"],"MaxResults":0}`,
	} {
		f.Add(seed)
	}
	ops := slices.Sorted(maps.Keys((&API{}).operations()))
	f.Fuzz(func(t *testing.T, body string) {
		e := newEnv(t, Options{DefaultOutput: "s3://results/"})
		for _, op := range ops {
			awsapitest.DoFuzz(t, e.api, "AmazonAthena."+op, body)
		}
	})
}
