package redshiftdata

import (
	"encoding/json"
	"math"
	"math/big"
	"testing"
	"time"

	"github.com/tarnlake/tarn/internal/query"
)

func TestAppendField(t *testing.T) {
	typ := func(s string) *query.Type { t := query.MustParseType(s); return &t }
	for _, tc := range []struct {
		v    any
		t    *query.Type
		want string
	}{
		{nil, nil, `{"isNull":true}`},
		{false, nil, `{"booleanValue":false}`},
		{int8(-1), nil, `{"longValue":-1}`},
		{uint32(math.MaxUint32), nil, `{"longValue":4294967295}`},
		{uint64(5), nil, `{"longValue":5}`},
		{big.NewInt(-5), nil, `{"longValue":-5}`},
		{math.NaN(), nil, `{"stringValue":"NaN"}`},
		{math.Inf(-1), nil, `{"stringValue":"-Infinity"}`},
		{float32(1.1), nil, `{"doubleValue":1.1}`},
		{1e21, nil, `{"doubleValue":1e+21}`},
		{"\u2028<&>\xff", nil, `{"stringValue":"` + "\u2028<&>" + `\ufffd"}`},
		{[]byte{}, nil, `{"blobValue":""}`},
		{time.Date(-1, 3, 4, 0, 0, 0, 0, time.UTC), typ("DATE"), `{"stringValue":"0002-03-04 BC"}`},
		{time.Date(1, 1, 1, 23, 59, 59, 500000000, time.FixedZone("x", -7200)), typ("TIMETZ"), `{"stringValue":"01:59:59.5+00"}`},
		{time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC), nil, `{"stringValue":"2024-05-06 07:08:09"}`},
		{query.Interval{Micros: -1500000}, nil, `{"stringValue":"-00:00:01.5"}`},
		{query.Interval{Months: -1, Days: -1}, nil, `{"stringValue":"-1 mons -1 days"}`},
		{query.Interval{}, nil, `{"stringValue":"00:00:00"}`},
		{query.Decimal{Value: "5", Scale: 3}, nil, `{"stringValue":"0.005"}`},
		{[]any{math.Inf(1), "a\"b", []byte("x"), map[string]any{"z": 1, "a": nil}}, nil, `{"stringValue":"[\"Infinity\",\"a\\\"b\",\"\\\\x78\",{\"a\":null,\"z\":1}]"}`},
		{map[string]any{"b": int32(1), "a": true}, typ(`STRUCT("b" INTEGER, "a" BOOLEAN)`), `{"stringValue":"{\"b\":1,\"a\":true}"}`},
		{query.Map{Keys: []any{int32(1), int32(2)}, Values: []any{"x"}}, typ("MAP(INTEGER, VARCHAR)"), `{"stringValue":"[{\"key\":1,\"value\":\"x\"},{\"key\":2,\"value\":null}]"}`},
		{query.Map{}, nil, `{"stringValue":"{}"}`},
		{struct{ A int }{1}, nil, `{"stringValue":"{1}"}`},
	} {
		b := appendField(nil, tc.v, tc.t)
		if !json.Valid(b) {
			t.Errorf("%#v: not JSON: %s", tc.v, b)
		}
		if string(b) != tc.want {
			t.Errorf("%#v:\n got %s\nwant %s", tc.v, b, tc.want)
		}
	}
}

func TestTagCount(t *testing.T) {
	for tag, want := range map[string]int64{"INSERT 0 5": 5, "UPDATE 3": 3, "UNLOAD 10": 10, "CREATE TABLE": 0, "": 0, "SELECT -1": 0} {
		if got := tagCount(tag); got != want {
			t.Errorf("%q: %d", tag, got)
		}
	}
}
