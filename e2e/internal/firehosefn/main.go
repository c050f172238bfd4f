// Command firehosefn is a Firehose transformation function for the
// end-to-end tests, built with aws-lambda-go as users build theirs: it
// drops records whose "drop" is true, fails those whose "fail" is true,
// and marks the rest transformed, with a partition key for each.
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func handle(ctx context.Context, ev events.KinesisFirehoseEvent) (events.KinesisFirehoseResponse, error) {
	var out events.KinesisFirehoseResponse
	for _, r := range ev.Records {
		var rec map[string]any
		res := events.KinesisFirehoseResponseRecord{RecordID: r.RecordID, Result: events.KinesisFirehoseTransformedStateOk}
		switch {
		case json.Unmarshal(r.Data, &rec) != nil || rec["fail"] == true:
			res.Result = events.KinesisFirehoseTransformedStateProcessingFailed
		case rec["drop"] == true:
			res.Result = events.KinesisFirehoseTransformedStateDropped
		default:
			rec["transformed"] = true
			b, _ := json.Marshal(rec)
			res.Data = append(b, '\n')
			kind, _ := rec["kind"].(string)
			res.Metadata.PartitionKeys = map[string]string{"kind": kind}
		}
		out.Records = append(out.Records, res)
	}
	return out, nil
}

func main() { lambda.Start(handle) }
