// Command s3fn is a Lambda function for the end-to-end tests, built with
// aws-lambda-go as users build theirs: for each S3 event it receives, it
// writes what it read into the results bucket through the AWS SDK, with
// the credentials and endpoint tarn gave it. A payload {"fail": "why"}
// makes it fail.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

func handle(ctx context.Context, raw json.RawMessage) (any, error) {
	var probe struct {
		Fail string `json:"fail"`
	}
	if json.Unmarshal(raw, &probe) == nil && probe.Fail != "" {
		return nil, errors.New(probe.Fail)
	}
	var e events.S3Event
	if err := json.Unmarshal(raw, &e); err != nil {
		return nil, err
	}
	if len(e.Records) == 0 {
		return map[string]string{"echo": string(raw)}, nil
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, err
	}
	c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	for _, r := range e.Records {
		key, err := url.QueryUnescape(r.S3.Object.Key)
		if err != nil {
			return nil, err
		}
		body := fmt.Sprintf("%s %s %s %d %s", r.EventName, r.S3.Bucket.Name, key, r.S3.Object.Size, r.S3.Object.Key)
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("results"), Key: aws.String("go/" + key),
			Body: strings.NewReader(body)}); err != nil {
			return nil, err
		}
	}
	return len(e.Records), nil
}

func main() { lambda.Start(handle) }
