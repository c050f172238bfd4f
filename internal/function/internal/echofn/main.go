// Command echofn is a Lambda function for the function package's tests,
// built with the real aws-lambda-go runtime client: it answers with its
// payload, or fails when the payload asks it to.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
)

func handle(ctx context.Context, payload json.RawMessage) (json.RawMessage, error) {
	var req struct {
		Fail  string `json:"fail"`
		Print string `json:"print"`
	}
	json.Unmarshal(payload, &req)
	if req.Print != "" {
		fmt.Println(req.Print)
	}
	if req.Fail != "" {
		return nil, errors.New(req.Fail)
	}
	return payload, nil
}

func main() {
	if len(os.Args) > 1 {
		fmt.Fprintln(os.Stderr, "echofn takes no arguments")
		os.Exit(2)
	}
	lambda.Start(handle)
}
