package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// leanGetRecords reads a one-shard stream with signed JSON requests and
// encoding/json instead of the SDK's client, whose response decoding costs
// more CPU than the server's whole GetRecords: on a shared two-core machine
// the SDK figure measures the client as much as tarn.
func leanGetRecords(ctx context.Context, t *benchTarget, name string) (int, error) {
	creds, err := t.cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return 0, err
	}
	signer := v4.NewSigner()
	call := func(op string, in, out any) error {
		body, _ := json.Marshal(in)
		req, _ := http.NewRequestWithContext(ctx, "POST", *t.cfg.BaseEndpoint+"/", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("X-Amz-Target", "Kinesis_20131202."+op)
		sum := sha256.Sum256(body)
		if err := signer.SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "kinesis", "us-east-1", time.Now()); err != nil {
			return err
		}
		resp, err := t.http.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		if resp.StatusCode != 200 {
			return fmt.Errorf("%s: %s", op, b)
		}
		return json.Unmarshal(b, out)
	}
	var it struct{ ShardIterator string }
	if err := call("GetShardIterator", map[string]string{"StreamName": name, "ShardId": "shardId-000000000000", "ShardIteratorType": "TRIM_HORIZON"}, &it); err != nil {
		return 0, err
	}
	n, iter := 0, it.ShardIterator
	for {
		var out struct {
			Records []struct {
				SequenceNumber string
				Data           []byte
				PartitionKey   string
			}
			NextShardIterator string
		}
		if err := call("GetRecords", map[string]any{"ShardIterator": iter, "Limit": 10000}, &out); err != nil {
			return n, err
		}
		n += len(out.Records)
		if len(out.Records) == 0 {
			return n, nil
		}
		iter = out.NextShardIterator
	}
}
