package delivery

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/itchyny/gojq"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/function"
)

// process runs the delivery's processors on a buffer, in Firehose's
// order: records are transformed (Lambda), their partition keys
// extracted (MetadataExtraction), a newline appended
// (AppendDelimiterToRecord).
func (w *worker) process(ctx context.Context, items []item, role access.Key) ([]item, []failure, error) {
	p := w.cfg.S3.Processing
	if p == nil || !p.Enabled {
		return items, nil, nil
	}
	var fails []failure
	for _, pr := range p.Processors {
		switch pr.Type {
		case "Lambda":
			var f []failure
			var err error
			if items, f, err = w.transform(ctx, items, pr, role); err != nil {
				return nil, nil, err
			}
			fails = append(fails, f...)
		case "MetadataExtraction":
			q, _ := pr.Param("MetadataExtractionQuery")
			query, err := gojq.Parse(q)
			if err != nil {
				return nil, nil, err
			}
			code, err := gojq.Compile(query)
			if err != nil {
				return nil, nil, err
			}
			kept := items[:0]
			for _, it := range items {
				keys, err := extract(code, it.data)
				if err != nil {
					fails = append(fails, failure{kind: partitioningFailed, code: "DynamicPartitioning.MetadataExtractionFailed", message: err.Error(), rec: it.rec, data: it.data})
					continue
				}
				it.queryKeys = keys
				kept = append(kept, it)
			}
			items = kept
		case "AppendDelimiterToRecord":
			for i := range items {
				items[i].data = append(items[i].data[:len(items[i].data):len(items[i].data)], '\n')
			}
		}
	}
	return items, fails, nil
}

// extract runs the jq query on a JSON record: its result must be an
// object of scalar values, the partition keys.
func extract(code *gojq.Code, data []byte) (map[string]string, error) {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, fmt.Errorf("the record is not JSON: %v", err)
	}
	it := code.Run(v)
	out, ok := it.Next()
	if !ok {
		return nil, fmt.Errorf("the query gave no result")
	}
	if err, isErr := out.(error); isErr {
		return nil, fmt.Errorf("the query failed: %v", err)
	}
	obj, ok := out.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("the query gave %T, not an object of partition keys", out)
	}
	keys := make(map[string]string, len(obj))
	for k, v := range obj {
		switch x := v.(type) {
		case string:
			keys[k] = x
		case float64, int, bool:
			keys[k] = fmt.Sprint(x)
		case nil:
			// missing: Eval sends the record to the error prefix
		default:
			return nil, fmt.Errorf("partition key %s is a %T, not a scalar", k, v)
		}
	}
	return keys, nil
}

// The Firehose transformation contract.
type transformEvent struct {
	InvocationID      string            `json:"invocationId"`
	DeliveryStreamARN string            `json:"deliveryStreamArn"`
	SourceStreamARN   string            `json:"sourceKinesisStreamArn,omitempty"`
	Region            string            `json:"region"`
	Records           []transformRecord `json:"records"`
}

type transformRecord struct {
	RecordID  string `json:"recordId"`
	ArrivalMS int64  `json:"approximateArrivalTimestamp"`
	Data      string `json:"data"`
}

type transformResult struct {
	Records []struct {
		RecordID string `json:"recordId"`
		Result   string `json:"result"`
		Data     string `json:"data"`
		Metadata struct {
			PartitionKeys map[string]string `json:"partitionKeys"`
		} `json:"metadata"`
	} `json:"records"`
}

// transform sends records to the Lambda processor in batches of at most
// its BufferSizeInMBs (1 by default) and takes back what it returns.
func (w *worker) transform(ctx context.Context, items []item, pr Processor, role access.Key) ([]item, []failure, error) {
	arn, _ := pr.Param("LambdaArn")
	name := function.NameOf(arn)
	if w.s.opts.Functions == nil {
		return nil, nil, fmt.Errorf("no functions here to transform with %s", arn)
	}
	retries := 3
	if v, ok := pr.Param("NumberOfRetries"); ok {
		retries, _ = strconv.Atoi(v)
	}
	limit := 1 << 20
	if v, ok := pr.Param("BufferSizeInMBs"); ok {
		if f, err := strconv.ParseFloat(v, 64); err == nil && f > 0 {
			limit = int(f * (1 << 20))
		}
	}
	limit = min(limit, function.MaxPayload*3/4/4*3) // base64 and JSON must fit the 6 MiB payload
	var out []item
	var fails []failure
	for start := 0; start < len(items); {
		end, size := start, 0
		for end < len(items) && (end == start || size+len(items[end].data) <= limit) {
			size += len(items[end].data)
			end++
		}
		kept, f, err := w.transformBatch(ctx, items[start:end], arn, name, retries, role)
		if err != nil {
			return nil, nil, err
		}
		out, fails = append(out, kept...), append(fails, f...)
		start = end
	}
	return out, fails, nil
}

func (w *worker) transformBatch(ctx context.Context, batch []item, arn, name string, retries int, role access.Key) ([]item, []failure, error) {
	ev := transformEvent{InvocationID: uuid.NewString(), DeliveryStreamARN: w.s.ARN(w.cfg.Name), Region: w.s.opts.Region}
	if w.cfg.Source != nil {
		ev.SourceStreamARN = w.cfg.Source.StreamARN
	}
	byID := map[string]item{}
	for _, it := range batch {
		id := strconv.FormatUint(it.rec.Seq, 10)
		byID[id] = it
		ev.Records = append(ev.Records, transformRecord{RecordID: id, ArrivalMS: it.rec.Arrival.UnixMilli(), Data: base64.StdEncoding.EncodeToString(it.data)})
	}
	failAll := func(code, msg string) []failure {
		f := make([]failure, len(batch))
		for i, it := range batch {
			f[i] = failure{kind: "processing-failed", code: code, message: msg, rec: it.rec, data: it.data, lambdaARN: arn}
		}
		return f
	}
	if !role.Allowed(access.Write, access.Function(name)) {
		return nil, failAll("Lambda.InvokeAccessDenied", fmt.Sprintf("role may not invoke %s (write on lambda:%s)", arn, name)), nil
	}
	payload, err := json.Marshal(ev)
	if err != nil {
		return nil, nil, err
	}
	var res function.Result
	for attempt := 0; ; attempt++ {
		res, err = w.s.opts.Functions.Invoke(ctx, name, payload)
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		if err == nil && res.FunctionError == "" || attempt >= retries {
			break
		}
		time.Sleep(time.Duration(attempt+1) * 100 * time.Millisecond)
	}
	switch {
	case err != nil:
		return nil, failAll("Lambda.InvokeFailed", err.Error()), nil
	case res.FunctionError != "":
		return nil, failAll("Lambda.FunctionError", string(res.Payload)), nil
	}
	var tr transformResult
	if err := json.Unmarshal(res.Payload, &tr); err != nil {
		return nil, failAll("Lambda.JSONProcessingFailed", "the function's response is not Firehose's transformation result: "+err.Error()), nil
	}
	var out []item
	var fails []failure
	seen := map[string]bool{}
	for _, r := range tr.Records {
		it, ok := byID[r.RecordID]
		if !ok || seen[r.RecordID] {
			continue
		}
		seen[r.RecordID] = true
		switch r.Result {
		case "Ok":
			data, err := base64.StdEncoding.DecodeString(r.Data)
			if err != nil {
				fails = append(fails, failure{kind: "processing-failed", code: "Lambda.ProcessingFailed", message: "the function returned data that is not base64", rec: it.rec, data: it.data, lambdaARN: arn})
				continue
			}
			it.data, it.lambdaKeys = data, r.Metadata.PartitionKeys
			out = append(out, it)
		case "Dropped":
		default:
			fails = append(fails, failure{kind: "processing-failed", code: "Lambda.ProcessingFailed", message: "The Lambda function returned ProcessingFailed for this record", rec: it.rec, data: it.data, lambdaARN: arn})
		}
	}
	for _, it := range batch { // records the function did not answer for
		if id := strconv.FormatUint(it.rec.Seq, 10); !seen[id] {
			fails = append(fails, failure{kind: "processing-failed", code: "Lambda.MissingRecordId", message: "The function did not return a result for this record", rec: it.rec, data: it.data, lambdaARN: arn})
		}
	}
	return out, fails, nil
}
