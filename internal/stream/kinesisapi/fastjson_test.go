package kinesisapi

import (
	"encoding/json"
	"reflect"
	"testing"
)

// scanPutRecords agrees with encoding/json wherever it accepts a body.
func FuzzScanPutRecords(f *testing.F) {
	for _, s := range []string{
		`{"StreamName":"s","Records":[{"Data":"aGk=","PartitionKey":"k"}]}`,
		` { "Records" : [ { "PartitionKey":"k", "Data":"", "ExplicitHashKey":"12" } , {"Data":"eA==","PartitionKey":"é"} ] , "StreamARN":"arn" } `,
		`{"Records":[]}`, `{}`, `{"Records":[{"Data":"a\\"b"}]}`, `{"Records":[{"Data":1}]}`, `{"X":"y"}`, `{"Records":[{}]}x`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var fast putRecordsReq
		if !scanPutRecords(b, &fast) {
			return
		}
		var slow putRecordsReq
		if err := json.Unmarshal(b, &slow); err != nil {
			t.Fatalf("scanner accepted what encoding/json refuses (%v): %q", err, b)
		}
		if fast.Records == nil && slow.Records != nil || fast.Records != nil && slow.Records == nil {
			t.Fatalf("records presence differs for %q", b)
		}
		if len(fast.Records) != 0 || len(slow.Records) != 0 {
			if !reflect.DeepEqual(fast.Records, slow.Records) {
				t.Fatalf("records differ for %q:\n%+v\n%+v", b, fast.Records, slow.Records)
			}
		}
		if !reflect.DeepEqual(fast.streamRef, slow.streamRef) {
			t.Fatalf("stream differs for %q", b)
		}
	})
}
